"""Evaluation of a parsed q (``qlang``) over one entity in normal form (``normal_form.md``).

Semantics (ETSI GS CIM 009 clause 4.9), with names already expanded (``qlang.map_attrs``):

- The target element is the attribute, then each dotted sub-attribute; a METADATA name
  (``observedAt``, ``unitCode``, ``datasetId``, ...) selects that member of the instance.
  An attribute with several instances (datasetIds) matches when any instance matches.
- The target value, by type: Property/GeoProperty ``value``, Relationship ``object``,
  ListRelationship ``objectList``, ListProperty ``valueList``, JsonProperty ``json``,
  VocabProperty ``vocab`` (matched as the stored IRI or its last segment), LanguageProperty
  the strings of its ``languageMap``: all of them, or only those of the language named by
  ``attr[en]`` (``[*]`` = all) or else by the ``lang`` argument. ``[a.b]`` on other types
  reads members of the value (list items by index); a missing member means "no target".
- Arrays match by element: ``==`` when any element equals (any list value / is in the
  range); ``!=`` when no element does; ``>``, ``>=``, ``<``, ``<=`` when some element does.
- Types: numbers compare with numbers, strings with quoted strings and unquoted URIs/terms,
  booleans with booleans; DateTime/Date/Time literals compare as instants/dates/times with
  ``{"@type": "DateTime", "@value": ...}`` values and with plain ISO strings. Other
  ``{"@value": ...}`` values compare by their ``@value``. A type mismatch never matches,
  except for ``!=`` ("considered unequal"), which still requires the target to exist.
- Relationships only answer ``==``/``!=``; ``~=``/``!~=`` (``re.search``) need strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from isanhub.core.qlang import (
    METADATA,
    And,
    Compare,
    Exists,
    Match,
    Node,
    Or,
    Range,
    Scalar,
    TemporalLit,
    Uri,
    Value,
    parse_temporal,
)

_MISSING = object()
_PROPERTY = ("value", "value")
#: attribute type -> (target kind, member holding the target value); others read "value"
_MEMBERS = {
    "Relationship": ("uri", "object"),
    "ListRelationship": ("uri", "objectList"),
    "VocabProperty": ("vocab", "vocab"),
    "ListProperty": ("value", "valueList"),
    "JsonProperty": ("value", "json"),
}
#: a target: its kind ("value", "uri" for relationship objects, "vocab") and its atoms
Target = tuple[str, list[Any]]


def evaluate(node: Node, entity: dict[str, Any], *, lang: str | None = None) -> bool:
    """True when ``entity`` (normal form) matches the (expanded) query tree ``node``."""
    if isinstance(node, And):
        return all(evaluate(item, entity, lang=lang) for item in node.items)
    if isinstance(node, Or):
        return any(evaluate(item, entity, lang=lang) for item in node.items)
    targets = _targets(node, entity, lang)
    if isinstance(node, Exists):
        return (next(targets, None) is not None) != node.negated
    if isinstance(node, Match):
        return any(_pattern(node, kind, atoms) for kind, atoms in targets)
    return any(_compare(node, kind, atoms) for kind, atoms in targets)


def _targets(
    node: Exists | Compare | Match, entity: dict[str, Any], lang: str | None
) -> Iterator[Target]:
    path = node.path
    attrs = entity.get("attrs")
    instances = attrs.get(path.attr) if isinstance(attrs, dict) else None
    for instance in instances if isinstance(instances, list) else [instances]:
        yield from _walk(instance, path.subs, path.keys, lang)


def _walk(
    inst: Any, subs: tuple[str, ...], keys: tuple[str, ...], lang: str | None
) -> Iterator[Target]:
    if not isinstance(inst, dict):
        return
    if not subs:
        yield from _member(inst, keys, lang)
        return
    name = subs[0]
    if name in METADATA:
        if len(subs) == 1 and not keys and name in inst:
            yield ("vocab" if name == "objectType" else "value", [inst[name]])
        return
    sub = inst.get("attrs")
    sub = sub.get(name) if isinstance(sub, dict) else None
    for item in sub if isinstance(sub, list) else [sub]:
        yield from _walk(item, subs[1:], keys, lang)


def _member(inst: dict[str, Any], keys: tuple[str, ...], lang: str | None) -> Iterator[Target]:
    typ = inst.get("type")
    if typ == "LanguageProperty":
        lmap = inst.get("languageMap")
        lmap = lmap if isinstance(lmap, dict) else {}
        if len(keys) > 1 or (keys and keys[0] not in ("*", *lmap)):
            return
        wanted = keys[0] if keys else (lang or "*")
        texts = list(lmap.values()) if wanted == "*" else [lmap[wanted]] if wanted in lmap else []
        yield "value", [a for t in texts for a in (t if isinstance(t, list) else [t])]
        return
    kind, member = _MEMBERS.get(typ, _PROPERTY) if isinstance(typ, str) else _PROPERTY
    value = inst.get(member, _MISSING)
    if keys:  # inside the value: an undefined member means no target element
        value = _dig(value, keys) if kind == "value" else _MISSING
        if value is _MISSING:
            return
    yield kind, [] if value is _MISSING else value if isinstance(value, list) else [value]


def _dig(value: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isascii() and key.isdigit() and len(key) < 10:
            if int(key) >= len(value):
                return _MISSING
            value = value[int(key)]
        else:
            return _MISSING
    return value


def _plain(atom: Any) -> Any:
    """A typed literal's @value (temporal ones stay typed for _temporal)."""
    if isinstance(atom, dict) and "@value" in atom and not _type_kind(atom):
        return atom["@value"]
    return atom


def _type_kind(atom: dict[str, Any]) -> str:
    typ = atom.get("@type")
    if not isinstance(typ, str):
        return ""
    kind = typ.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower()
    return kind if kind in ("datetime", "date", "time") else ""


def _temporal(atom: Any, lit: TemporalLit) -> Any:
    if isinstance(atom, dict) and _type_kind(atom) == lit.kind:
        atom = atom.get("@value")
    return parse_temporal(lit.kind, atom) if isinstance(atom, str) else None


def _last_segment(iri: str) -> str:
    cut = max(iri.rfind("/"), iri.rfind("#"))
    return iri[cut + 1 :] if cut >= 0 else iri.rsplit(":", 1)[-1]


def _order(atom: Any, lit: Scalar) -> int | None:
    """-1, 0, 1 comparing atom with an orderable literal; None when the types differ."""
    if isinstance(lit, TemporalLit):
        a, b = _temporal(atom, lit), lit.key
        if a is None:
            return None
    else:
        a, b = _plain(atom), lit
        same = isinstance(a, str) and isinstance(b, str)
        num = isinstance(a, int | float) and isinstance(b, int | float)
        if not (same or num) or isinstance(a, bool) or isinstance(b, bool):
            return None
    return (a > b) - (a < b)


def _equal(atom: Any, lit: Scalar, kind: str) -> bool:
    if isinstance(lit, bool):
        return _plain(atom) is lit
    if isinstance(lit, str | Uri):
        text = lit.text if isinstance(lit, Uri) else lit
        atom = _plain(atom)
        return isinstance(atom, str) and (
            atom == text or (kind == "vocab" and _last_segment(atom) == text)
        )
    return _order(atom, lit) == 0


def _hit(atom: Any, value: Value, kind: str) -> bool:
    if isinstance(value, Range):
        low, high = _order(atom, value.low), _order(atom, value.high)
        return low is not None and high is not None and low >= 0 and high <= 0
    if isinstance(value, tuple):
        return any(_equal(atom, v, kind) for v in value)
    return _equal(atom, value, kind)


def _compare(node: Compare, kind: str, atoms: list[Any]) -> bool:
    if node.op in ("==", "!="):
        hit = any(_hit(atom, node.value, kind) for atom in atoms)
        return hit if node.op == "==" else not hit
    if kind == "uri" or isinstance(node.value, Range | tuple):
        return False
    wanted = {">": (1,), ">=": (0, 1), "<": (-1,), "<=": (-1, 0)}[node.op]
    return any(_order(atom, node.value) in wanted for atom in atoms)


def _pattern(node: Match, kind: str, atoms: list[Any]) -> bool:
    if kind == "uri":
        return False
    texts = [a for a in map(_plain, atoms) if isinstance(a, str)]
    if kind == "vocab":
        texts += [_last_segment(t) for t in texts]
    found = any(node.regex.search(t) for t in texts)
    return bool(texts) and found != node.negated
