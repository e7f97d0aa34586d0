"""The checksum explainer: the spec's string with its parts labelled, and the usual mistakes
found from the checksum alone (each received checksum here is made outside the explainer,
with hashlib over a string written out by hand)."""

from __future__ import annotations

import hashlib
import secrets

import pytest

from capture.spec.checksum import NAMES, explain
from capture.spec.payload import checksum

URL = "http://127.0.0.1:8787/callback?tenant=7"
SID = "0123456789abcdef0123456789abcdef"
RID = f"{SID}_1560238366_fedcba9876543210fedcba9876543210"
KEY = f"qa/20190611/{SID}_room1__uid_s_1001__uid_e_video_20190611073246073.jpg"


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def test_the_rule_matches_and_labels_its_four_parts() -> None:
    result = explain(URL, 200, KEY, RID, checksum(URL, 200, KEY, RID))
    assert result.matches and result.found and result.mistakes == ()
    assert result.hashed == f"{URL}200{KEY}{RID}"
    assert [p.name for p in result.parts] == list(NAMES)
    assert [result.hashed[p.start : p.end] for p in result.parts] == [URL, "200", KEY, RID]
    assert result.expected == md5(f"{URL}200{KEY}{RID}")
    assert "matches" in result.sentence


def test_a_swapped_field_order_is_named_with_their_order() -> None:
    result = explain(URL, 200, KEY, RID, md5(f"{RID}{KEY}200{URL}"))
    assert not result.matches and result.found
    assert result.sentence.startswith("Their code hashes requestId+object+code+callbackAddr:")
    assert "order is wrong" in result.sentence
    assert result.their_string == f"{RID}{KEY}200{URL}"


@pytest.mark.parametrize(("separator", "word"), [("|", "'|'"), (",", "','"), ("\n", "a newline")])
def test_a_separator_between_the_parts_is_named(separator: str, word: str) -> None:
    received = md5(separator.join([URL, "200", KEY, RID]))
    result = explain(URL, 200, KEY, RID, received)
    assert result.found and not result.matches
    assert f"they put {word} between the parts" in result.sentence


def test_upper_case_hex_is_named_though_the_digest_is_right() -> None:
    result = explain(URL, 200, KEY, RID, md5(f"{URL}200{KEY}{RID}").upper())
    assert not result.matches and result.found
    assert result.mistakes == ("they write the hex in upper case (the spec's is lowercase)",)


def test_the_url_without_its_query_is_named() -> None:
    bare = URL.split("?", maxsplit=1)[0]
    result = explain(URL, 200, KEY, RID, md5(f"{bare}200{KEY}{RID}"))
    assert result.mistakes == ("they hash the callback URL without its query",)
    assert "callbackAddr-without-query+code+object+requestId" in result.sentence


def test_a_trailing_slash_is_named() -> None:
    plain = "http://127.0.0.1:8787/callback"
    result = explain(plain, 200, KEY, RID, md5(f"{plain}/200{KEY}{RID}"))
    assert result.mistakes == ("they hash the callback URL with a trailing slash",)


def test_two_mistakes_at_once_are_both_named() -> None:
    result = explain(URL, 200, KEY, RID, md5(f"{RID}:{KEY}:200:{URL}").upper())
    assert result.found
    assert any("order" in m for m in result.mistakes)
    assert any("':'" in m for m in result.mistakes)
    assert any("upper case" in m for m in result.mistakes)


def test_sha1_and_the_code_as_a_float_are_named() -> None:
    sha1 = hashlib.sha1(f"{URL}200{KEY}{RID}".encode(), usedforsecurity=False).hexdigest()
    assert explain(URL, 200, KEY, RID, sha1).mistakes == ("they use SHA-1, not MD5",)
    floated = explain(URL, 200, KEY, RID, md5(f"{URL}200.0{KEY}{RID}"))
    assert floated.mistakes == ("they write the code as 200.0 (the rule writes 200)",)


def test_random_hex_is_no_known_mistake() -> None:
    result = explain(URL, 200, KEY, RID, secrets.token_hex(16))
    assert not result.found and not result.matches and result.mistakes == ()
    assert result.sentence.startswith("No known mistake reproduces their checksum")
    assert URL in result.sentence


@pytest.mark.parametrize("received", ["", "not-a-checksum", "zz" * 16, "abc"])
def test_bad_checksum_text_is_no_known_mistake(received: str) -> None:
    result = explain(URL, 200, KEY, RID, received)
    assert not result.found and not result.matches
    assert result.expected == md5(f"{URL}200{KEY}{RID}")
