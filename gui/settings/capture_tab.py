"""Capture settings: interval, channel, uid, extraInfo, simulated users, JPEG quality, and the
monthly cost estimate for them."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import QLineEdit, QWidget

from capture.errors import ConfigError
from capture.settings.model import (
    INTERVAL_MAX,
    INTERVAL_MIN,
    UID_MAX,
    USERS_MAX,
    CaptureSettings,
    check_channel,
    check_extra_info,
    check_interval,
    check_jpeg_quality,
    check_uid,
    check_users,
)
from capture.spec.pricing import estimate
from gui.settings.fields import FormSection, hint, parse


class CapturePanel(FormSection):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.interval = QLineEdit()
        self.interval.setPlaceholderText(f"{INTERVAL_MIN}–{INTERVAL_MAX}")
        self.add("interval", "Interval (s)", self.interval)
        self.channel = QLineEdit()
        self.channel.setPlaceholderText("channel name")
        self.add("channel", "Channel", self.channel)
        self.uid = QLineEdit()  # up to 4294967295: beyond QSpinBox's int32 range
        self.uid.setPlaceholderText(f"1–{UID_MAX}")
        self.add("uid", "User id (uid)", self.uid)
        self.extra_info = QLineEdit()
        self.extra_info.setPlaceholderText("optional, sent as callbackData")
        self.add("extraInfo", "extraInfo", self.extra_info)
        self.users = QLineEdit()
        self.users.setPlaceholderText(f"1–{USERS_MAX}")
        self.add("users", "Simulated users", self.users, "publishers with consecutive uids")
        self.quality = QLineEdit()
        self.quality.setPlaceholderText("1–100")
        self.add("jpeg_quality", "JPEG quality", self.quality)
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
        self.interval.setText(str(capture.interval))
        self.channel.setText(capture.channel)
        self.uid.setText(str(capture.uid))
        self.extra_info.setText(capture.extra_info)
        self.users.setText(str(capture.users))
        self.quality.setText(str(capture.jpeg_quality))
        self._update_cost()

    def set_source(self, spec: str) -> None:
        self._base = replace(self._base, source=spec)

    def values(self) -> tuple[CaptureSettings, list[ConfigError]]:
        problems: list[ConfigError] = []
        defaults = CaptureSettings()
        capture = replace(
            self._base,
            interval=parse(check_interval, self.interval.text(), defaults.interval, problems),
            channel=parse(check_channel, self.channel.text(), defaults.channel, problems),
            uid=parse(check_uid, self.uid.text(), defaults.uid, problems),
            extra_info=parse(check_extra_info, self.extra_info.text(), "", problems),
            users=parse(check_users, self.users.text(), defaults.users, problems),
            jpeg_quality=parse(
                check_jpeg_quality, self.quality.text(), defaults.jpeg_quality, problems
            ),
        )
        return capture, problems

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
