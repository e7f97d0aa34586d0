"""Storage presets fill in what each provider needs."""

from __future__ import annotations

from capture.settings.model import AddressingStyle, check_http_url, check_region
from capture.storage.presets import PRESETS, find_preset, preset_problem


def test_alibaba_oss_uses_virtual_hosted_addressing_and_a_regional_endpoint() -> None:
    oss = find_preset("Alibaba OSS")
    assert oss is not None
    assert oss.addressing_style is AddressingStyle.VIRTUAL
    assert oss.endpoint_for("cn-shanghai") == "https://oss-cn-shanghai.aliyuncs.com"
    assert oss.endpoint_for("") == "https://oss-cn-hangzhou.aliyuncs.com"


def test_every_preset_passes_the_settings_rules_once_filled_in() -> None:
    names = {p.name for p in PRESETS}
    assert names == {"AWS S3", "Alibaba OSS", "MinIO", "Cloudflare R2", "Google Cloud Storage"}
    for preset in PRESETS:
        check_region(preset.region)
        endpoint = preset.endpoint_for(preset.region).replace("ACCOUNT_ID", "abc123")
        check_http_url("endpoint", endpoint, required=False)


def test_the_r2_placeholder_must_be_replaced() -> None:
    r2 = find_preset("Cloudflare R2")
    assert r2 is not None
    problem = preset_problem(r2.endpoint_for(r2.region))
    assert problem is not None and problem.field == "endpoint"
    assert "account id" in str(problem)
    assert preset_problem("https://abc123.r2.cloudflarestorage.com") is None
    assert find_preset("Nope") is None
