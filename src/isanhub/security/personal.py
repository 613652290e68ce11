"""Which attributes are personal data (PDPA), per entity type, and how a reader without
the right to read them in clear sees them (security.mask applies it).

The classification is a TOML file (settings.personal_data; empty: the built-in
``personal.toml`` of this package), read once at start: a bad file stops the start with
a message naming the file and the entry at fault, never a request. The pseudonym
secret is made once per hub and kept with the hub's settings, so every process and
every restart gives a value the same pseudonym.
"""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from isanhub.core.termmap import core_term_map
from isanhub.store.security import SecurityTable

#: how a personal attribute is shown to readers without the permission
METHODS = ("mask", "pseudonym", "omit", "coarsen")
#: when an entity's types give one attribute several methods, the strictest applies
_STRICTNESS = {"coarsen": 0, "pseudonym": 1, "mask": 2, "omit": 3}
ANY_TYPE = "*"  #: the type name of attributes personal on every type
KEY_SETTING = "pseudonym_key"  #: the hub setting holding the pseudonym secret (hex)
_EMPTY: Mapping[str, str] = {}
_MEMO_MAX = 4096


class Classification:
    """Personal attributes by entity type, every name an expanded IRI."""

    def __init__(
        self, by_type: Mapping[str, Mapping[str, str]], everywhere: Mapping[str, str]
    ) -> None:
        self.by_type = {t: dict(rules) for t, rules in by_type.items() if rules}
        self.everywhere = dict(everywhere)
        self._memo: dict[tuple[str, ...], Mapping[str, str]] = {}
        self._all = frozenset(self.everywhere).union(*self.by_type.values())

    def rules(self, types: Sequence[str]) -> Mapping[str, str]:
        """Attribute IRI -> method for an entity of ``types``; empty when none of its
        attributes is personal (the common case: one dictionary look-up)."""
        if len(types) == 1 and not self.everywhere:
            return self.by_type.get(types[0], _EMPTY)
        key = tuple(types)
        found = self._memo.get(key)
        if found is None:
            merged = dict(self.everywhere)
            for t in types:
                for attr, method in self.by_type.get(t, _EMPTY).items():
                    held = merged.get(attr)
                    if held is None or _STRICTNESS[method] > _STRICTNESS[held]:
                        merged[attr] = method
            found = merged or _EMPTY
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[key] = found
        return found

    def attrs_for(self, types: Iterable[str] | None) -> frozenset[str]:
        """The attributes personal on any of ``types`` (None: on any type at all)."""
        if types is None:
            return self._all
        out = set(self.everywhere)
        for t in types:
            out.update(self.by_type.get(t, _EMPTY))
        return frozenset(out)

    def __bool__(self) -> bool:
        return bool(self._all)


class Privacy:
    """A hub's personal-data policy: the classification and the pseudonym secret."""

    def __init__(self, classification: Classification, key: bytes) -> None:
        if not key:
            raise ValueError("the pseudonym secret must not be empty")
        self.classification = classification
        self.key = key


def _expand(name: str, vocabularies: Sequence[str], expand: Any) -> list[str]:
    """The IRIs a name of the file stands for: itself when it is one, else its expansion
    with the core context and under each vocabulary."""
    if "://" in name:
        return [name]
    return list(dict.fromkeys([expand(name), *(v + name for v in vocabularies)]))


def parse_classification(data: Mapping[str, Any], where: str) -> Classification:
    """A Classification from a parsed TOML document; ValueError names ``where`` and the
    entry at fault."""
    unknown = set(data) - {"types", "vocabularies"}
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (use [types.X])")
    vocabularies = data.get("vocabularies", [])
    if not isinstance(vocabularies, list) or not all(
        isinstance(v, str) and "://" in v for v in vocabularies
    ):
        raise ValueError(
            f"{where}: vocabularies must be a list of IRIs such as https://schema.org/"
        )
    types = data.get("types", {})
    if not isinstance(types, dict):
        raise ValueError(f"{where}: types must be tables such as [types.Person]")
    terms = core_term_map()
    by_type: dict[str, dict[str, str]] = {}
    everywhere: dict[str, str] = {}
    for type_name, attrs in types.items():
        if not isinstance(attrs, dict):
            raise ValueError(f"{where}: [types.{type_name}] must be a table of attribute = method")
        rules: dict[str, str] = {}
        for attr, method in attrs.items():
            if method not in METHODS:
                raise ValueError(
                    f"{where}: types.{type_name}.{attr} = {method!r}: the method must be one"
                    f" of {', '.join(METHODS)}"
                )
            for iri in _expand(attr, vocabularies, terms.expand_attr):
                rules[iri] = method
        if type_name == ANY_TYPE:
            everywhere.update(rules)
            continue
        for iri in _expand(type_name, vocabularies, terms.expand_type):
            by_type.setdefault(iri, {}).update(rules)
    return Classification(by_type, everywhere)


def load_classification(path: str = "") -> Classification:
    """The classification of a TOML file, or the built-in one (``path`` empty)."""
    if path:
        where = path
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"personal-data classification {path}: {exc.strerror}") from None
    else:
        where = "the built-in personal-data classification"
        text = resources.files("isanhub.security").joinpath("personal.toml").read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: not valid TOML: {exc}") from None
    return parse_classification(data, where)


async def pseudonym_key(table: SecurityTable) -> bytes:
    """The hub's pseudonym secret, made on first use. Processes starting together on a
    new hub all get the first one stored (one statement that inserts or reads), so a
    pseudonym never depends on which process answered."""
    raw = await table.get_setting(KEY_SETTING)
    if not raw:
        raw = await table.setting_or_put(KEY_SETTING, secrets.token_hex(32))
    try:
        return bytes.fromhex(raw or "")
    except ValueError:
        raise ValueError(f"the hub setting {KEY_SETTING} is not hexadecimal") from None


async def load_privacy(table: SecurityTable, classification: Classification) -> Privacy:
    """The hub's policy: a classification (``load_classification``, read before the
    start so that a bad file stops it) and the pseudonym secret of the hub's store."""
    return Privacy(classification, await pseudonym_key(table))
