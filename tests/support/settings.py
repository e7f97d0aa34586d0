"""An example value for every setting in the settings table: valid, and unlike its default, so a
test that sets them all sees each one arrive (or go missing) on its own; and a value breaking
the rule of each setting that has one."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from capture.settings import table
from capture.settings.model import AddressingStyle, Secret, Settings, StorageKind

EXAMPLES: dict[table.Setting[Any], object] = {
    table.SOURCE: "synthetic",
    table.INTERVAL: 7,
    table.CHANNEL: "room #1",
    table.UID: 4_294_967_290,
    table.EXTRA_INFO: "é" * 3,
    table.JPEG_QUALITY: 60,
    table.USERS: 3,
    table.KIND: StorageKind.S3,
    # Under a folder anyone can write in: the flag's check makes a probe file there.
    table.DIRECTORY: str(Path(tempfile.gettempdir()) / "shothook-example" / "shots"),
    table.PREFIX: "qa/run1",
    table.ENDPOINT: "https://s3.example.com",
    table.REGION: "eu-west-1",
    table.BUCKET: "shots",
    table.ACCESS_KEY: "AKIDEXAMPLE",
    table.SECRET_KEY: Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    table.ADDRESSING_STYLE: AddressingStyle.VIRTUAL,
    table.CALLBACK_URL: "https://hooks.example.com/cb",
    table.PUBLIC_URL: "https://tunnel.example/callback",
    table.WEBHOOK_HOST: "0.0.0.0",
    table.WEBHOOK_PORT: 9000,
    table.FORWARD_TO: "https://customer.example/hook",
}

BROKEN: dict[table.Setting[Any], str] = {
    table.INTERVAL: "0",
    table.CHANNEL: "",
    table.UID: "0",
    table.EXTRA_INFO: "x" * 1025,
    table.JPEG_QUALITY: "101",
    table.USERS: "65",
    table.KIND: "ftp",
    table.PREFIX: "a//b",
    table.ENDPOINT: "minio:9000",
    table.REGION: "us east",
    table.BUCKET: "Shots",
    table.ADDRESSING_STYLE: "sideways",
    table.CALLBACK_URL: "ftp://x",
    table.PUBLIC_URL: "tunnel.example",
    table.WEBHOOK_HOST: "localhost",
    table.WEBHOOK_PORT: "65536",
    table.FORWARD_TO: "customer.example/hook",
}


def every_setting_changed() -> Settings:
    """Settings with every setting at its example value."""
    settings = Settings()
    for setting, value in EXAMPLES.items():
        group = replace(getattr(settings, setting.group), **{setting.name: value})
        settings = replace(settings, **{setting.group: group})
    return settings
