"""Scenario 12 against https webhooks whose certificates come from a test CA: valid, nearly
expired, expired, and for another host."""

from __future__ import annotations

import pytest

from capture.conformance.grading import Grade
from capture.conformance.scenarios import NAMES
from capture.conformance.suite import Plan, run
from tests.conformance.conftest import Certs, Hook, serving
from tests.conformance.test_grades import QUICK, WHO


def tls_grade(certs: Certs, days_left: float, host: str = "localhost") -> tuple[Grade, str]:
    with serving(Hook(), certs.server(days_left=days_left, host=host)) as hook:
        report = run(Plan(hook.url, WHO, ("complete", "tls"), QUICK), tls=certs.client())
    tls = report.results[-1]
    assert tls.name == "tls"
    return tls.grade, tls.why


def test_a_valid_certificate_passes_with_its_protocol_and_days_left(certs: Certs) -> None:
    grade, why = tls_grade(certs, days_left=90)
    assert grade is Grade.PASS
    assert "TLSv1.3" in why or "TLSv1.2" in why
    assert "certificate valid for localhost" in why
    assert "expires in 90 days" in why or "expires in 89 days" in why


def test_a_certificate_expiring_within_two_weeks_warns(certs: Certs) -> None:
    grade, why = tls_grade(certs, days_left=10)
    assert grade is Grade.WARN
    assert "renew it (under 14 days left)" in why


def test_an_expired_certificate_fails_every_scenario_and_tls_says_why(certs: Certs) -> None:
    with serving(Hook(), certs.server(days_left=-3)) as hook:
        report = run(Plan(hook.url, WHO, NAMES, QUICK), tls=certs.client())
        received = len(hook.bodies)
    by_name = {r.name: r for r in report.results}
    assert by_name["tls"].grade is Grade.FAIL
    assert "certificate has expired" in by_name["tls"].why
    assert by_name["complete"].grade is Grade.FAIL
    assert "TLS certificate rejected" in by_name["complete"].why
    assert received == 0  # nothing gets past a handshake the real service would refuse


@pytest.mark.parametrize("host", ["other.test"])
def test_a_certificate_for_another_host_fails(certs: Certs, host: str) -> None:
    grade, why = tls_grade(certs, days_left=90, host=host)
    assert grade is Grade.FAIL
    assert "not valid for localhost" in why
    assert "mismatch" in why.lower() or "doesn't match" in why
