"""``pick`` and ``omit`` (ETSI GS CIM 009 clause 4.21): which members of an entity a
response keeps, with nested selections for linked entities (``locatedAt{id,name}``).

A projection is a tree: member name -> the projection applied to the entities that
member's relationship links to (None: no nested selection). Grammar::

    list := item (',' item)*
    item := name ['{' list '}']
"""

from __future__ import annotations

import re
from collections.abc import Callable

from isanhub.core.errors import BadRequestData

#: member name -> nested projection of the linked entities (None when not given)
Projection = dict[str, "Projection | None"]

#: entity members that are not attributes and are never expanded
CORE_MEMBERS = frozenset({"id", "type", "scope", "createdAt", "modifiedAt"})

_NAME = re.compile(r"[^\s<>\"'=;()\[\]\\&?,{}]+")


def parse(text: str, what: str = "pick") -> Projection:
    """Parse a pick/omit expression; malformed ones raise BadRequestData."""
    pos = 0

    def fail(msg: str) -> BadRequestData:
        return BadRequestData(f"invalid {what} {text!r}: {msg} at position {pos}")

    def items() -> Projection:
        nonlocal pos
        out: Projection = {}
        while True:
            m = _NAME.match(text, pos)
            if m is None:
                raise fail("a member name is expected")
            name = m.group(0)
            pos = m.end()
            nested: Projection | None = None
            if pos < len(text) and text[pos] == "{":
                pos += 1
                nested = items()
                if pos >= len(text) or text[pos] != "}":
                    raise fail("'}' is missing")
                pos += 1
            if name in out and (out[name] is not None or nested is not None):
                out[name] = merge(out[name] or {}, nested or {})
            else:
                out[name] = nested
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return out

    result = items()
    if pos != len(text):
        raise fail(f"unexpected {text[pos]!r}")
    return result


def merge(a: Projection, b: Projection) -> Projection:
    out = dict(a)
    for k, v in b.items():
        if k in out and out[k] is not None and v is not None:
            out[k] = merge(out[k] or {}, v)
        else:
            out[k] = v if v is not None else out.get(k)
    return out


def expand(proj: Projection, expand_attr: Callable[[str], str]) -> Projection:
    """The same tree with attribute names expanded to IRIs (core members kept)."""
    return {
        (k if k in CORE_MEMBERS else expand_attr(k)): (
            None if v is None else expand(v, expand_attr)
        )
        for k, v in proj.items()
    }


def keeps(member: str, pick: Projection | None, omit: Projection | None) -> bool:
    """Whether ``member`` (a core member name or an attribute IRI) stays in the output."""
    if pick is not None and member not in pick:
        return False
    return not (omit is not None and member in omit and omit[member] is None)


def nested(
    member: str, pick: Projection | None, omit: Projection | None
) -> tuple[Projection | None, Projection | None]:
    """The (pick, omit) that apply to the entities linked through ``member``."""
    return (
        pick.get(member) if pick is not None else None,
        omit.get(member) if omit is not None else None,
    )
