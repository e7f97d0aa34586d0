"""ISO 8601 times as events and the journal write them (`iso`), and read back (`parse_iso`) by
the journal's reader, the timeline and the S3 error advice, whatever offset they carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capture.spec.naming import iso, parse_iso

PLUS_2 = timezone(timedelta(hours=2))


def test_iso_writes_utc_to_the_millisecond_with_a_z() -> None:
    assert iso(datetime(2026, 1, 2, 3, 4, 5, 678_999, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"
    assert iso(datetime(2026, 1, 2, 5, 4, 5, tzinfo=PLUS_2)) == "2026-01-02T03:04:05.000Z"


@given(st.datetimes(timezones=st.just(UTC)))
def test_parse_iso_reads_back_what_iso_writes(instant: datetime) -> None:
    assert parse_iso(iso(instant)) == instant.replace(
        microsecond=instant.microsecond // 1000 * 1000
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05.678Z", datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)),
        ("2026-01-02T05:04:05+02:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),  # no offset: UTC
        ("20260102T030405Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),  # S3's RequestTime
    ],
)
def test_parse_iso_gives_an_aware_instant_whatever_the_offset(
    text: str, expected: datetime
) -> None:
    parsed = parse_iso(text)
    assert parsed == expected and parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01T00:00:00Z", "Tue, 02 Jan 2026"])
def test_parse_iso_refuses_what_is_not_an_iso_time(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso(text)
