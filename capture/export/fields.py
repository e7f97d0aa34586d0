"""What every export format shares: an exchange's full URL (journal/wire.py's), bytes as text
(UTF-8, or base64 when they are not), and the Redactor that keeps secrets out of every file
written.

A Redactor replaces each Authorization value by REDACTED (unless the user keeps them) and any
occurrence of a known secret (the S3 secret key) wherever it appears: a URL, a header, a body.
ShotHook never sends its S3 secret, but a request received from anything else might carry it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from capture.journal.exchanges import REDACTED, redacted
from capture.journal.records import Headers
from capture.journal.wire import full_url

__all__ = ["Redactor", "body_text", "full_url", "header_value", "text"]

_MARK = REDACTED.encode()


@dataclass(frozen=True)
class Redactor:
    keep_auth: bool = False
    secrets: tuple[str, ...] = ()  # values that never go out (empty ones are ignored)

    def headers(self, headers: Headers) -> Headers:
        kept = headers if self.keep_auth else redacted(headers)
        return tuple((name, self.data(value)) for name, value in kept)

    def data(self, data: bytes) -> bytes:
        for secret in self.secrets:
            if secret:
                data = data.replace(secret.encode("utf-8"), _MARK)
        return data

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret:
                value = value.replace(secret, REDACTED)
        return value


def text(data: bytes) -> str:
    """Bytes as text: UTF-8 when they are, else Latin-1 (one character a byte, reversible)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def header_value(headers: Headers, name: bytes) -> str | None:
    """The first value of header `name` (any case) as text, None when absent."""
    wanted = name.lower()
    return next((text(v) for n, v in headers if n.lower() == wanted), None)


def body_text(data: bytes) -> tuple[str, str | None]:
    """A body as JSON can carry it: (its text, None) when UTF-8, else (base64, "base64")."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"
