"""Capture settings: interval, channel, uid, extraInfo, simulated users, JPEG quality, and the
monthly cost estimate for them."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QWidget

from capture.errors import ConfigError
from capture.settings import table
from capture.settings.model import CaptureSettings, check_interval, check_users
from capture.spec.pricing import estimate
from gui.settings.fields import FormSection, hint


class CapturePanel(FormSection):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.interval = self.add_text(table.INTERVAL)
        self.channel = self.add_text(table.CHANNEL)
        self.uid = self.add_text(table.UID)  # up to 4294967295: beyond QSpinBox's int32 range
        self.extra_info = self.add_text(table.EXTRA_INFO)
        self.users = self.add_text(table.USERS)
        self.quality = self.add_text(table.JPEG_QUALITY)
        self.locked_note = hint("Fixed while capturing: Stop to change them.")
        self.locked_note.setVisible(False)
        self.add_wide(self.locked_note)
        self.cost = hint("")
        self.cost.setProperty("role", "cost")
        self.add_wide(self.cost)
        self._base = CaptureSettings()
        self.changed.connect(self._update_cost)

    def set_values(self, capture: CaptureSettings) -> None:
        self._base = capture
        self.set_texts(capture)
        self._update_cost()

    def set_source(self, spec: str) -> None:
        self._base = replace(self._base, source=spec)

    def values(self) -> tuple[CaptureSettings, list[ConfigError]]:
        problems: list[ConfigError] = []
        return replace(self._base, **self.texts(problems)), problems

    def _update_cost(self) -> None:
        try:
            interval = check_interval(self.interval.text())
            users = check_users(self.users.text())
        except ConfigError:
            self.cost.setText("Cost estimate: set a valid interval and number of users")
            return
        cost = estimate(interval, users)
        qps = f"{cost.qps.normalize():f} QPS"
        qps_note = (
            f"{cost.billable_qps:,} QPS over 500 at $1.50"
            if cost.billable_qps
            else "free up to 500"
        )
        self.cost.setText(
            f"<b>Cost estimate ≈ ${cost.total:,.2f} a month</b><br>"
            f"{cost.shots_per_month:,} screenshots (first 10,000 free, then $0.30 per 10,000)"
            f" · {qps} ({qps_note})"
        )
        self.cost.setToolTip(cost.describe())
