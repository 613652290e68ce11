"""The pages' translation catalogue: locale/<lang>/<domain>.json, Thai first.

One JSON file per page (domain) and language, so that each page's texts live beside
each other and a missing translation is caught by a test (every key in both
languages). ``t(key, **values)`` formats with str.format; numbers and dates follow
Thai usage in Thai (Buddhist-era years, Thai month abbreviations) and English usage
in English. The same catalogue is sent to the page scripts (``window.ISANHUB.texts``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

LANGS = ("th", "en")
DEFAULT = "th"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every text of ``lang``: the domains' files merged (keys are "domain.name")."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}")
    out: dict[str, str] = {}
    folder = resources.files("isanhub.web").joinpath("locale", lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            domain = entry.name.removesuffix(".json")
            for key, text in json.loads(entry.read_text(encoding="utf-8")).items():
                out[f"{domain}.{key}"] = text
    return out


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``lang``; an unknown key raises (a test renders every
    page in both languages)."""
    texts = catalogue(lang)

    def t(key: str, **values: Any) -> str:
        return texts[key].format(**values) if values else texts[key]

    return t


def pick(requested: str | None, cookie: str | None) -> str:
    """The page's language: ?lang= first, then the cookie, then Thai."""
    for lang in (requested, cookie):
        if lang in LANGS:
            return lang
    return DEFAULT
