"""One exchange's request as a bash command line that replays it with curl, byte for byte.

The command carries the method, every request header but the ones the connection itself makes
(hop-by-hop headers, Content-Length, Host: curl makes its own), and the body exactly. curl's
own defaults the original did not send (Accept, User-Agent, the form Content-Type, Expect) are
switched off with an empty `-H 'Name:'`, so the receiver sees the original's headers and no
others. Arguments that are not plain are quoted for bash: '...' when printable, else $'...'
(ANSI-C quoting, any byte as \\xHH). A body holding a NUL byte, which no bash word can hold,
is piped in from printf instead (`--data-binary @-`), as is one starting with `@` (which
curl would read as a file's name).

An Authorization value is replaced by `<redacted>` unless `keep_auth`: a command copied to a
ticket or chat must not carry a credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO

from capture.export.fields import Redactor, full_url
from capture.journal.exchanges import REDACTED
from capture.journal.records import Direction, Exchange, Headers

__all__ = ["REDACTED", "curl_command", "shell_quote", "write_script"]

# Made by the connection, not the request (RFC 9110 7.6.1), or by curl from the URL and body.
DROPPED = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"content-length",
        b"host",
    }
)
_CURL_DEFAULTS = (b"User-Agent", b"Accept")  # curl sends these unless told not to
_WITH_BODY = (b"Content-Type", b"Expect")  # and these when it sends a body
_BARE = re.compile(rb"[A-Za-z0-9_./:=@%+,^-]+")
_PRINTABLE = re.compile(rb"[ -~]*")
_ESCAPES = {0x5C: "\\\\", 0x27: "\\'", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def shell_quote(word: bytes) -> str:
    """`word` as one bash word that expands to exactly these bytes (no NUL: bash cannot)."""
    if _BARE.fullmatch(word):
        return word.decode("ascii")
    if _PRINTABLE.fullmatch(word) and b"'" not in word:
        return "'" + word.decode("ascii") + "'"
    return "$'" + "".join(_escaped(byte) for byte in word) + "'"


def _escaped(byte: int) -> str:
    if byte in _ESCAPES:
        return _ESCAPES[byte]
    if 0x20 <= byte <= 0x7E:
        return chr(byte)
    return f"\\x{byte:02x}"


def _printf_format(body: bytes) -> str:
    """A printf format that prints `body` (NULs included), single-quoted."""
    out = []
    for byte in body:
        if byte == 0x25:
            out.append("%%")
        elif byte == 0x5C:
            out.append("\\\\")
        elif 0x20 <= byte <= 0x7E and byte != 0x27:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    return "'" + "".join(out) + "'"


def curl_command(
    exchange: Exchange,
    *,
    url: str | None = None,
    keep_auth: bool = False,
    redactor: Redactor | None = None,
) -> str:
    """The bash command line replaying `exchange`'s request. `url`: where to send it (a
    received exchange holds only its path and query; without `url` its Host header is used).
    A body the journal kept cut short is sent as kept, and the line says so in a comment.
    `redactor` (the exports') also keeps known secrets out; it decides about Authorization."""
    redactor = redactor or Redactor(keep_auth=keep_auth)
    target = redactor.text(url or full_url(exchange))
    body = redactor.data(exchange.request_body)
    words = ["curl", "--globoff", "--request", shell_quote(exchange.method.encode("latin-1"))]
    if exchange.http_version == "HTTP/1.0":
        words.append("--http1.0")
    elif exchange.http_version == "HTTP/1.1":
        words.append("--http1.1")
    headers = redactor.headers(_replayed(exchange.request_headers))
    sent = {name.lower() for name, _ in headers}
    with_body = bool(body) or exchange.method.upper() in _BODY_METHODS
    defaults = _CURL_DEFAULTS + (_WITH_BODY if with_body else ())
    words += [f"--header {shell_quote(n + b':')}" for n in defaults if n.lower() not in sent]
    words += [f"--header {shell_quote(_header_line(n, v))}" for n, v in headers]
    prefix = ""
    if with_body:
        if b"\0" in body or body.startswith(b"@"):
            prefix = f"printf {_printf_format(body)} | "
            words.append("--data-binary @-")
        else:
            words.append(f"--data-binary {shell_quote(body)}")
    words.append(shell_quote(target.encode("utf-8")))
    line = prefix + " ".join(words)
    kept = len(exchange.request_body)
    if exchange.request_size > kept:
        line += f"  # body cut: the first {kept} of {exchange.request_size} bytes"
    return line


def _header_line(name: bytes, value: bytes) -> bytes:
    # An empty value would tell curl to remove the header; "Name;" sends it empty.
    return name + b";" if not value else name + b": " + value


def _replayed(headers: Headers) -> Headers:
    """The headers the command sends: the connection's own dropped."""
    return tuple((name, value) for name, value in headers if name.lower() not in DROPPED)


SCRIPT_HEAD = """#!/usr/bin/env bash
# The notifications ShotHook sent, replayed with curl: each distinct request once (a retry
# with the same body and URL is not repeated), in the order they were first sent.
set -euo pipefail
"""


def write_script(exchanges: Iterable[Exchange], out: TextIO, redactor: Redactor) -> int:
    """A bash script replaying the SENT exchanges among `exchanges`; returns how many."""
    out.write(SCRIPT_HEAD)
    seen: set[tuple[str, bytes]] = set()
    count = 0
    for exchange in exchanges:
        key = (exchange.url, exchange.request_body)
        if exchange.direction is not Direction.SENT or key in seen:
            continue
        seen.add(key)
        count += 1
        answer = "no answer" if exchange.status is None else f"answered {exchange.status}"
        what = f"requestId {exchange.request_id}, object {exchange.object_key}"
        out.write(f"\n# {exchange.at}: {redactor.text(_one_line(what))}; {answer}\n")
        out.write(curl_command(exchange, redactor=redactor) + "\n")
    return count


def _one_line(comment: str) -> str:
    return comment.replace("\n", " ").replace("\r", " ")
