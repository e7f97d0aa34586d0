"""The notifications the suite sends, made by the engine's own payload code for the URL under
test as callbackAddr: each a new shot of one suite-wide sid, its picture uploaded first to the
configured storage so that a receiver which fetches the object finds it."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np

from capture.errors import describe
from capture.settings.model import Settings
from capture.shooting.encoder import encode_jpeg
from capture.spec.naming import new_request_id, new_sid, object_key, utc_digits
from capture.spec.payload import Notification
from capture.storage.base import Storage

_SPACING = timedelta(milliseconds=10)  # between two shots' capture instants


@dataclass(frozen=True)
class Who:
    """Whose shots they are: the settings' channel, uid, key prefix and extra info."""

    channel: str
    uid: int
    prefix: str
    extra_info: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Who:
        c = settings.capture
        return cls(c.channel, c.uid, settings.storage.prefix, c.extra_info)


def picture() -> bytes:
    """A small real JPEG: a gradient, so a receiver that decodes it gets a picture."""
    ramp = np.linspace(0, 255, 160, dtype=np.uint8)
    image = np.dstack([np.tile(ramp, (90, 1))] * 3)
    return encode_jpeg(image)


class Shots:
    """Notifications for one URL. `upload` puts their pictures in the storage (when there is
    one); what went wrong there is kept in `storage_problems`, not raised: the webhook is what
    is graded, and the report says the pictures may be missing."""

    def __init__(self, url: str, who: Who, storage: Storage | None = None) -> None:
        self.url = url
        self.who = who
        self._storage = storage
        self._sid = new_sid()
        self._next_at = datetime.now(UTC)
        self._jpeg = picture() if storage is not None else b""
        self.storage_problems: list[str] = []
        self.uploaded = 0

    @property
    def storage_label(self) -> str:
        return self._storage.label if self._storage is not None else ""

    def new(
        self, *, who: Who | None = None, at: datetime | None = None, **fields: object
    ) -> Notification:
        """A new shot's notification (code 200 unless `fields` say otherwise)."""
        who = who or self.who
        if at is None:
            at, self._next_at = self._next_at, self._next_at + _SPACING
        note = Notification(
            request_id=new_request_id(self._sid, at),
            channel=who.channel,
            uid=who.uid,
            object_key=object_key(who.prefix, self._sid, who.channel, who.uid, at),
            utc=utc_digits(at),
            callback_data=who.extra_info,
        )
        return replace(note, **fields)  # type: ignore[arg-type]

    def many(self, count: int) -> list[Notification]:
        return [self.new() for _ in range(count)]

    def body(self, note: Notification, **overrides: object) -> bytes:
        """The body exactly as the real service sends it for this URL, with `overrides`
        replacing fields (a tampered checksum, a timestamp in another form)."""
        data = note.body(self.url)
        data.update(overrides)
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    async def upload(self, notes: Sequence[Notification]) -> None:
        if self._storage is None or not notes:
            return
        halt = threading.Event()
        keys = [n.object_key for n in notes if n.code == 200]
        try:
            await asyncio.to_thread(self._put_all, keys, halt)
        except asyncio.CancelledError:  # a stop: the thread ends after the put under way
            halt.set()
            raise

    def _put_all(self, keys: list[str], halt: threading.Event) -> None:
        assert self._storage is not None
        for key in keys:
            if halt.is_set() or len(self.storage_problems) >= 3:  # 3: the storage is broken
                return
            try:
                self._storage.put(key, self._jpeg)
                self.uploaded += 1
            except Exception as exc:
                self.storage_problems.append(f"{key}: {describe(exc)}")
