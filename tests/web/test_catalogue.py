"""The pages' translation catalogue: every text in Thai and in English, nothing empty,
and the same placeholders in both."""

from __future__ import annotations

import re

from isanhub.web import i18n

_FIELDS = re.compile(r"\{(\w+)\}")


def test_every_text_has_both_languages_and_the_same_placeholders() -> None:
    th, en = i18n.catalogue("th"), i18n.catalogue("en")
    assert set(th) == set(en)
    for key in th:
        assert th[key].strip() and en[key].strip(), key
        assert set(_FIELDS.findall(th[key])) == set(_FIELDS.findall(en[key])), key


def test_the_language_is_the_request_then_the_cookie_then_thai() -> None:
    assert i18n.pick("en", "th") == "en"
    assert i18n.pick(None, "en") == "en"
    assert i18n.pick("fr", None) == "th"
    assert i18n.pick(None, None) == "th"
