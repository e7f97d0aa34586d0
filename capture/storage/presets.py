"""S3-compatible providers the storage form offers as presets: endpoint, region, addressing.

All of them speak the S3 API (the spec lists them). An endpoint with `{region}` is filled from
the region; one with `ACCOUNT_ID` needs the user's account id, and `preset_problem` says so
until it is replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from capture.errors import ConfigError
from capture.settings.model import AddressingStyle

ACCOUNT_PLACEHOLDER = "ACCOUNT_ID"


@dataclass(frozen=True)
class Preset:
    name: str
    endpoint: str  # may contain {region} or ACCOUNT_ID
    region: str
    addressing_style: AddressingStyle
    note: str

    def endpoint_for(self, region: str) -> str:
        return self.endpoint.replace("{region}", region or self.region)


PRESETS: tuple[Preset, ...] = (
    Preset(
        "AWS S3",
        "",
        "us-east-1",
        AddressingStyle.AUTO,
        "Leave the endpoint empty for AWS; set the bucket's region.",
    ),
    Preset(
        "Alibaba OSS",
        "https://oss-{region}.aliyuncs.com",
        "cn-hangzhou",
        AddressingStyle.VIRTUAL,
        "OSS needs virtual-hosted addressing; the endpoint is oss-<region>.aliyuncs.com.",
    ),
    Preset(
        "MinIO",
        "http://127.0.0.1:9000",
        "us-east-1",
        AddressingStyle.PATH,
        "Point the endpoint at your MinIO server; path-style addressing.",
    ),
    Preset(
        "Cloudflare R2",
        f"https://{ACCOUNT_PLACEHOLDER}.r2.cloudflarestorage.com",
        "auto",
        AddressingStyle.PATH,
        f"Replace {ACCOUNT_PLACEHOLDER} with your Cloudflare account id; region 'auto'.",
    ),
    Preset(
        "Google Cloud Storage",
        "https://storage.googleapis.com",
        "auto",
        AddressingStyle.PATH,
        "Use HMAC keys (Cloud Storage > Settings > Interoperability).",
    ),
)


def find_preset(name: str) -> Preset | None:
    return next((p for p in PRESETS if p.name == name), None)


def preset_problem(endpoint: str) -> ConfigError | None:
    if ACCOUNT_PLACEHOLDER in endpoint:
        return ConfigError("endpoint", f"replace {ACCOUNT_PLACEHOLDER} with your account id")
    return None
