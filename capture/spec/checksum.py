"""A callback's checksum explained: what the spec's rule hashes, and which usual mistake (if
any) reproduces the checksum a customer's code sent.

The rule (payload.checksum) is md5_hex(callbackAddr + str(code) + object + requestId), lowercase
hex, no separators. When a receiver's checksum differs, a field engineer needs to tell the
customer what their code does instead, so `explain` rebuilds the string the usual ways it goes
wrong (another order of the four parts, a separator between them, name=value pairs, the URL
without its query or with its trailing slash toggled, the code written as 200.0 or "200", a
part left out, a newline at the end as `echo` adds, SHA-1 or SHA-256 instead of MD5, upper-case
hex) and hashes each, the simplest explanations first (one mistake, then two at once: ~2,000
hashes, about 5 ms). Pure and Qt-free: the window shows the result, a test drives it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from urllib.parse import SplitResult, urlsplit, urlunsplit

NAMES = ("callbackAddr", "code", "object", "requestId")
RULE = "+".join(NAMES)
SEPARATORS = (",", "|", ":", ";", "&", "\n", " ", "\t", "+", "/", "-")
_SEPARATOR_WORDS = {"\n": "a newline", " ": "a space", "\t": "a tab"}
_ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256"}  # hex digits: the hash that makes them
_ALGORITHM_WORDS = {"sha1": "SHA-1", "sha256": "SHA-256"}
MAX_MISTAKES = 2  # in building the string at once: ~700 hashes, about 5 ms


@dataclass(frozen=True)
class Part:
    """One of the four values in the hashed string, and where it sits in it."""

    name: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Explanation:
    """The spec's hashed string with its parts labelled, the MD5 it gives and the checksum
    received; `mistakes` the usual mistakes that reproduce the received one (empty when it
    matches, or when none does: `found` tells which), `sentence` all of it for the customer."""

    hashed: str
    parts: tuple[Part, ...]
    expected: str
    received: str
    matches: bool  # exactly, lowercase hex included
    found: bool  # matches, or a known mistake reproduces the received checksum
    mistakes: tuple[str, ...]
    their_string: str  # what their code hashed, when found ('' otherwise)
    sentence: str


@dataclass(frozen=True)
class _Choice:
    """One way to write one part of the string: its text, its mistake ('' for the rule's),
    and how the recipe names it."""

    text: str
    mistake: str = ""
    label: str = ""


@dataclass(frozen=True)
class _Variant:
    """One way to build the string: each field's text and what, if anything, it gets wrong."""

    addr: _Choice
    code: _Choice
    order: tuple[int, ...]
    separator: str
    pairs: bool  # name=value&name=value
    omit: int | None  # index into NAMES of a part left out
    newline: bool

    def _chosen(self) -> list[int]:
        return [i for i in self.order if i != self.omit]

    def text(self, obj: str, request_id: str) -> str:
        values = (self.addr.text, self.code.text, obj, request_id)
        if self.pairs:
            joined = "&".join(f"{NAMES[i]}={values[i]}" for i in self._chosen())
        else:
            joined = self.separator.join(values[i] for i in self._chosen())
        return joined + "\n" * self.newline

    def recipe(self) -> str:
        """What they hash, in the parts' names: `requestId|object|code|callbackAddr`."""
        labels = {0: self.addr.label or NAMES[0], 1: self.code.label or NAMES[1]}
        names = [labels.get(i, NAMES[i]) for i in self._chosen()]
        if self.pairs:
            return "&".join(f"{n}=…" for n in names) + ("+newline" if self.newline else "")
        joined = (self.separator or "+").join(names)
        return joined.replace("\n", "\\n").replace("\t", "\\t") + (
            "+newline" if self.newline else ""
        )

    def mistakes(self) -> list[str]:
        out = [m for m in (self.addr.mistake, self.code.mistake) if m]
        if self.order != RULE_ORDER:
            out.append(f"the order is wrong (the spec's is {RULE})")
        if self.separator:
            out.append(
                f"they put {_separator(self.separator)} between the parts (the rule has none)"
            )
        if self.pairs:
            out.append(
                "they hash name=value pairs joined by '&' (the rule hashes the values alone)"
            )
        if self.omit is not None:
            out.append(f"they leave {NAMES[self.omit]} out")
        if self.newline:
            out.append("their string ends with a newline (echo without -n adds one)")
        return out


def explain(
    callback_addr: str, code: int, object_key: str, request_id: str, received: str
) -> Explanation:
    """The checksum of one callback explained; `callback_addr` the URL it was sent for."""
    hashed, parts = _labelled((callback_addr, str(code), object_key, request_id))
    expected = _hex("md5", hashed)
    theirs = received.strip()
    found = _search(callback_addr, code, object_key, request_id, theirs)
    result = Explanation(
        hashed=hashed,
        parts=parts,
        expected=expected,
        received=received,
        matches=theirs == expected,
        found=found is not None,
        mistakes=tuple(found[2]) if found else (),
        their_string=found[0] if found else "",
        sentence="",
    )
    return replace(result, sentence=_sentence(result, found[1] if found else "", callback_addr))


def _labelled(values: Sequence[str]) -> tuple[str, tuple[Part, ...]]:
    parts, at = [], 0
    for name, value in zip(NAMES, values, strict=True):
        parts.append(Part(name, value, at, at + len(value)))
        at += len(value)
    return "".join(values), tuple(parts)


def _search(
    addr: str, code: int, obj: str, request_id: str, theirs: str
) -> tuple[str, str, list[str]] | None:
    """The simplest variant whose hash is `theirs`: (its string, its recipe, its mistakes)."""
    algorithm = _ALGORITHMS.get(len(theirs))
    if algorithm is None or not _is_hex(theirs):
        return None
    extra = [] if algorithm == "md5" else [f"they use {_ALGORITHM_WORDS[algorithm]}, not MD5"]
    if theirs != theirs.lower():
        extra.append("they write the hex in upper case (the spec's is lowercase)")
    wanted = theirs.lower()
    for variant in _variants(addr, code):
        text = variant.text(obj, request_id)
        if _hex(algorithm, text) == wanted:
            return text, variant.recipe(), variant.mistakes() + extra
    return None


RULE_ORDER = (0, 1, 2, 3)
_ORDERS = [RULE_ORDER, *(p for p in itertools.permutations(range(4)) if p != RULE_ORDER)]
_OMITS: list[int | None] = [None, 0, 1, 2, 3]
_FLAGS = [False, True]


def _variants(addr: str, code: int) -> Iterator[_Variant]:
    """Every variant with at most MAX_MISTAKES mistakes in how the string is built, fewest
    first (the hash and the hex's case are read off the checksum itself and cost no search).
    Each dimension's first choice is the rule's."""
    addrs, codes = _addresses(addr), _codes(code)
    sizes = (len(addrs), len(codes), len(_ORDERS), len(SEPARATORS) + 1, 2, len(_OMITS), 2)
    for count in range(MAX_MISTAKES + 1):
        for changed in itertools.combinations(range(len(sizes)), count):
            ranges = [range(1, n) if i in changed else range(1) for i, n in enumerate(sizes)]
            for a, c, o, s, p, m, n in itertools.product(*ranges):
                if p and s:
                    continue  # pairs bring their own separator
                yield _Variant(
                    addrs[a],
                    codes[c],
                    _ORDERS[o],
                    ("", *SEPARATORS)[s],
                    _FLAGS[p],
                    _OMITS[m],
                    _FLAGS[n],
                )


def _addresses(addr: str) -> list[_Choice]:
    """The URL as configured first, then the usual ways it is cut or changed."""
    url = urlsplit(addr)
    out = [_Choice(addr)]
    if url.query:
        bare = url._replace(query="")
        out.append(
            _Choice(
                urlunsplit(bare),
                "they hash the callback URL without its query",
                "callbackAddr-without-query",
            )
        )
        out.append(
            _Choice(
                _toggle_slash(bare),
                "they hash the callback URL without its query and its trailing slash changed",
                "callbackAddr-without-query",
            )
        )
    slash = "without its trailing slash" if url.path.endswith("/") else "with a trailing slash"
    out.append(
        _Choice(
            _toggle_slash(url),
            f"they hash the callback URL {slash}",
            f"callbackAddr-{slash.split(' ', 1)[0]}-slash",
        )
    )
    return list(dict.fromkeys(out))


def _toggle_slash(url: SplitResult) -> str:
    path = url.path[:-1] if url.path.endswith("/") else url.path + "/"
    return urlunsplit(url._replace(path=path))


def _codes(code: int) -> list[_Choice]:
    return [
        _Choice(str(code)),
        _Choice(f"{code}.0", f"they write the code as {code}.0 (the rule writes {code})", "code"),
        _Choice(
            f'"{code}"', f'they write the code in quotes, "{code}" (the rule writes {code})', "code"
        ),
    ]


def _sentence(result: Explanation, recipe: str, addr: str) -> str:
    if result.matches:
        return f"The checksum matches: md5 of {RULE} in lowercase hex, as the spec says."
    if result.found:
        return f"Their code hashes {recipe}: {'; '.join(result.mistakes)}."
    if not _is_hex(result.received.strip()):
        return (
            f"Their checksum {result.received!r} is not hex; the rule is md5 of {RULE}"
            f" with callbackAddr exactly {addr}, in lowercase hex."
        )
    return (
        f"No known mistake reproduces their checksum: check that their code hashes {RULE}"
        f" with callbackAddr exactly {addr}, no separators, MD5 in lowercase hex."
    )


def _separator(separator: str) -> str:
    return _SEPARATOR_WORDS.get(separator, repr(separator))


def _is_hex(text: str) -> bool:
    return bool(text) and all(c in "0123456789abcdefABCDEF" for c in text)


def _hex(algorithm: str, text: str) -> str:
    return hashlib.new(algorithm, text.encode(), usedforsecurity=False).hexdigest()


def explain_body(callback_addr: str, raw: str) -> Explanation | None:
    """`explain` for a received body as journaled, or None when it lacks a checksum, code,
    object or requestId of the right type to explain (its parser's verdict says why)."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    fields = data.get("checksum"), data.get("code"), data.get("object"), data.get("requestId")
    received, code, obj, request_id = fields
    if not (isinstance(received, str) and isinstance(obj, str) and isinstance(request_id, str)):
        return None
    if not isinstance(code, int) or isinstance(code, bool):
        return None
    return explain(callback_addr, code, obj, request_id, received)
