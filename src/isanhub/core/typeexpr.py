"""Entity type selection (``type=``): names joined by ``,`` or ``|`` (or), ``;`` (and),
with parentheses. Parsed to disjunctive normal form: a list of groups, an entity matches
when it has every type of some group."""

from __future__ import annotations

import re
from collections.abc import Callable

from isanhub.core.errors import BadRequestData

DNF = list[frozenset[str]]
MAX_DEPTH = 32  #: parentheses in a type expression at most
MAX_GROUPS = 256  #: alternatives after distributing ; over , at most
_TOKEN = re.compile(r"\s*(?:([(),;|])|([^(),;|\s]+))")


def parse_types(text: str, expand: Callable[[str], str] = lambda t: t) -> DNF:
    """Parse a type expression and expand each name; raises BadRequestData when malformed."""
    tokens = _tokenize(text)
    pos = 0
    depth = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        return tok

    def disjunction() -> DNF:
        groups = conjunction()
        while peek() in (",", "|"):
            take()
            groups = groups + conjunction()
        return groups

    def conjunction() -> DNF:
        groups = atom()
        while peek() == ";":
            take()
            right = atom()
            groups = [a | b for a in groups for b in right]
            if len(groups) > MAX_GROUPS:
                raise BadRequestData(f"type expression has over {MAX_GROUPS} alternatives")
        return groups

    def atom() -> DNF:
        nonlocal depth
        tok = peek()
        if tok is None:
            raise BadRequestData(f"type expression ends too early: {text!r}")
        if tok == "(":
            take()
            depth += 1
            if depth > MAX_DEPTH:
                raise BadRequestData(f"type expression nests over {MAX_DEPTH} parentheses")
            inner = disjunction()
            depth -= 1
            if peek() != ")":
                raise BadRequestData(f"unbalanced parenthesis in type expression {text!r}")
            take()
            return inner
        if tok in "),;|":
            raise BadRequestData(f"unexpected {tok!r} in type expression {text!r}")
        return [frozenset({expand(take())})]

    result = disjunction()
    if pos != len(tokens):
        raise BadRequestData(f"unexpected {tokens[pos]!r} in type expression {text!r}")
    unique: DNF = []
    for g in result:
        if g not in unique:
            unique.append(g)
    return unique


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    if not text:
        raise BadRequestData("empty type expression")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise BadRequestData(f"invalid type expression {text!r}")
        tokens.append(m.group(1) or m.group(2))
        pos = m.end()
    return tokens
