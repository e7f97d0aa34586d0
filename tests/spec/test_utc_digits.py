"""The 17-digit UTC form (yyyyMMddHHmmssSSS) reads back exactly, and anything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from capture.spec.naming import parse_utc_digits, utc_digits
from capture.spec.payload import timestamp_form


def test_reads_back_what_utc_digits_writes() -> None:
    instant = datetime(2026, 12, 31, 23, 59, 58, 999_000, tzinfo=UTC)
    assert utc_digits(instant) == "20261231235958999"
    assert parse_utc_digits("20261231235958999") == instant


@pytest.mark.parametrize(
    ("digits", "problem"),
    [
        ("2026123123595899", "expected 17 digits"),
        ("202612312359589990", "expected 17 digits"),
        ("2026123123595899x", "expected 17 digits"),
        ("\uff120261231235958999", "expected 17 digits"),  # a full-width digit 2
        ("+2026123123595899", "expected 17 digits"),
        ("20261331235958999", "month"),
        ("20260230235958999", "day"),
        ("20261231245958999", "hour"),
        ("20261231236058999", "minute"),
        ("20261231235960999", "second"),
        ("00001231235958999", "year"),
    ],
)
def test_refuses_what_is_not_a_real_instant(digits: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_utc_digits(digits)


def test_the_webhook_tells_the_two_timestamp_forms_apart() -> None:
    assert timestamp_form(20261231235958999) == "utc17"
    assert timestamp_form(1_780_000_000_000) == "unix_ms"
    assert timestamp_form(20261331235958999) is None  # 17 digits, but month 13
