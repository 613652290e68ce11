"""Scope queries, ``scopeQ`` (ETSI GS CIM 009 clause 4.19).

A scope is a path ``/Madrid/Gardens/ParqueNorte``. In a query, ``+`` matches exactly one
level and a final ``#`` any number of levels, zero included (``/Madrid/#`` matches
``/Madrid`` and everything below it, ``/#`` every scope). Terms combine with ``;`` (and,
binding tighter) and ``,`` or ``|`` (or), with parentheses. An entity matches a term when
one of its scopes does; an entity without scope matches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeAlias

from isanhub.core.errors import BadRequestData, TooComplexQuery

#: longest scopeQ (400 beyond), and most scope terms and deepest parentheses in one (403
#: TooComplexQuery beyond): each is matched against every candidate's scopes, and the
#: parser recurses per parenthesis; real scope queries name a few scopes
MAX_LENGTH = 1024
MAX_TERMS = 100
MAX_NESTING = 16
_LEVEL = re.compile(r"[^\s/;,|()#+]+|\+|#")


@dataclass(frozen=True)
class ScopeTerm:
    levels: tuple[str, ...]

    def matches(self, scope: str) -> bool:
        parts = scope.strip("/").split("/") if scope.strip("/") else []
        for i, level in enumerate(self.levels):
            if level == "#":
                return True
            if i >= len(parts) or (level != "+" and level != parts[i]):
                return False
        return len(parts) == len(self.levels)


@dataclass(frozen=True)
class ScopeAnd:
    items: tuple[ScopeNode, ...]


@dataclass(frozen=True)
class ScopeOr:
    items: tuple[ScopeNode, ...]


ScopeNode: TypeAlias = ScopeTerm | ScopeAnd | ScopeOr


def parse(text: str) -> ScopeNode:
    """Parse a scopeQ; malformed ones raise BadRequestData."""
    if len(text) > MAX_LENGTH:
        raise BadRequestData(f"invalid scopeQ: longer than {MAX_LENGTH} characters")
    pos = depth = terms = 0
    text = text.strip()

    def fail(msg: str) -> BadRequestData:
        return BadRequestData(f"invalid scopeQ {text!r}: {msg}")

    def disjunction() -> ScopeNode:
        nonlocal pos
        items = [conjunction()]
        while pos < len(text) and text[pos] in ",|":
            pos += 1
            items.append(conjunction())
        return items[0] if len(items) == 1 else ScopeOr(tuple(items))

    def conjunction() -> ScopeNode:
        nonlocal pos
        items = [atom()]
        while pos < len(text) and text[pos] == ";":
            pos += 1
            items.append(atom())
        return items[0] if len(items) == 1 else ScopeAnd(tuple(items))

    def atom() -> ScopeNode:
        nonlocal pos, depth, terms
        if pos < len(text) and text[pos] == "(":
            pos += 1
            depth += 1
            if depth > MAX_NESTING:
                raise TooComplexQuery(f"scopeQ nests parentheses over {MAX_NESTING} deep")
            inner = disjunction()
            depth -= 1
            if pos >= len(text) or text[pos] != ")":
                raise fail("')' is missing")
            pos += 1
            return inner
        levels: list[str] = []
        while pos < len(text) and text[pos] == "/":
            m = _LEVEL.match(text, pos + 1)
            if m is None:
                raise fail(f"a scope level is expected at position {pos + 1}")
            if levels and levels[-1] == "#":
                raise fail("'#' must be the last level")
            levels.append(m.group(0))
            pos = m.end()
        if not levels:
            raise fail(f"a scope starting with '/' is expected at position {pos}")
        terms += 1
        if terms > MAX_TERMS:
            raise TooComplexQuery(f"scopeQ has more than {MAX_TERMS} scopes")
        return ScopeTerm(tuple(levels))

    node = disjunction()
    if pos != len(text):
        raise fail(f"unexpected {text[pos]!r} at position {pos}")
    return node


def matches(node: ScopeNode, scopes: list[str] | None) -> bool:
    """True when an entity with these scopes matches the scopeQ ``node``."""
    if not scopes:
        return False
    if isinstance(node, ScopeAnd):
        return all(matches(item, scopes) for item in node.items)
    if isinstance(node, ScopeOr):
        return any(matches(item, scopes) for item in node.items)
    return any(node.matches(s) for s in scopes)
