"""Notification bodies for the load generator, made by the spec's own payload code so a
receiver sees exactly what the real service sends: a distinct requestId per notification, a
real object key and the checksum for the callback URL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from capture.spec.naming import new_request_id, new_sid, object_key, utc_digits
from capture.spec.payload import CONTENT_TYPE, Notification

HEADERS = {"Content-Type": CONTENT_TYPE}
# Bodies made before the clock starts, so the schedule spends no time on JSON or md5; past
# this many (a long run), the rest are made as they are sent, a few microseconds each.
PREBUILT_MAX = 200_000


@dataclass(frozen=True)
class Publisher:
    """Whose shots the notifications are about: the run's channel, uid and key prefix."""

    channel: str = "shothook-load"
    uid: int = 1001
    prefix: str = ""
    extra_info: str = ""


class BodyMaker:
    """Body number k of a run, for one callback URL: every one a new shot, one shot per 10 ms
    of a virtual clock so keys and timestamps are distinct and in order."""

    def __init__(self, callback_url: str, publisher: Publisher, *, start: datetime | None = None):
        self._url = callback_url
        self._who = publisher
        self._sid = new_sid()
        self._start = start or datetime.now(UTC)

    def body(self, k: int) -> bytes:
        return self.notification(k).encode(self._url)

    def notification(self, k: int) -> Notification:
        at = self._start + timedelta(milliseconds=10 * k)
        who = self._who
        return Notification(
            request_id=new_request_id(self._sid, at),
            channel=who.channel,
            uid=who.uid,
            object_key=object_key(who.prefix, self._sid, who.channel, who.uid, at),
            utc=utc_digits(at),
            callback_data=who.extra_info,
        )


class Bodies:
    """The first PREBUILT_MAX bodies made up front, the rest on demand."""

    def __init__(self, maker: BodyMaker, total: int) -> None:
        self._maker = maker
        self._ready = [maker.body(k) for k in range(min(total, PREBUILT_MAX))]

    def __getitem__(self, k: int) -> bytes:
        return self._ready[k] if k < len(self._ready) else self._maker.body(k)


def endless(maker: BodyMaker) -> Iterator[bytes]:
    """Bodies one after another, for a sender that does not know how many it will send."""
    k = 0
    while True:
        yield maker.body(k)
        k += 1
