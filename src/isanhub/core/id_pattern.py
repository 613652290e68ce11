"""``idPattern``: the regular expression a query or a subscription selects entity ids
with, checked so that matching it cannot run away.

Where it runs: Python's ``re`` (a backtracking engine) searches every candidate id with
it, inside SQLite's REGEXP function (store.sqlite) and in the Python filter of the other
backends (store.residual); PostgreSQL runs the patterns it reads the same way in its own
engine (store.postgres.dialect). A backtracking search cannot be interrupted from
another thread, and the SQLite queries run in threads, so a time limit is no option:
the bound is on the pattern instead, a subset of the syntax whose cost stays small.

- At most MAX_LENGTH characters.
- No backreferences and no conditionals (``\\1``, ``(?P=name)``, ``(?(1)a|b)``): their
  matching is NP-hard.
- No quantified group holding a quantifier or an alternation (``(a+)+``, ``(a|aa)*``,
  ``(a?){16}``): the exponential shapes.
- A bounded estimate of the backtracking: the search tries each start, and each
  ambiguous quantifier multiplies the ways to match by how much it can take, the id's
  length for an open-ended one (``*``, ``+``, ``{n,}``) and n - m + 1 for ``{m,n}``.
  The product, for an id of NOMINAL_ID characters, must stay within MAX_STEPS. In
  effect: one open-ended quantifier, or a few short ranges (``\\d{1,3}``, ``https?``).
  Two quantifiers that can match the same characters (``.*.*x``, ``.*:.*:x``) cost the
  square of the id's length per start and are refused. Not ambiguous, so not counted:
  a final ``.*`` (it takes the rest of the id and never gives any back) and a run of
  characters up to a character it excludes (``[^:]*:``), so
  ``urn:ngsi-ld:[^:]*:Room:.*`` is fine where ``urn:ngsi-ld:.*:Room:.*`` is not.

Measured on this machine with 256-character ids made to make them work hardest, the
costliest accepted patterns take about a millisecond per id; ``.*.*.*x``, refused,
takes seconds, and ``(a+)+$`` longer than anyone waits.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from isanhub.core.errors import BadRequestData

MAX_LENGTH = 256
#: the id length the estimate assumes, and the most backtracking steps it allows per id
NOMINAL_ID = 256
MAX_STEPS = 16 * NOMINAL_ID**2

# the parser of the re module: the one that decides what the pattern means
_sre: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")
_REPEATS = frozenset({_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)})
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)


class _Unsafe(Exception):
    pass


def compile_id_pattern(pattern: Any, what: str = "idPattern") -> re.Pattern[str]:
    """The compiled pattern; BadRequestData when it is not a string, not a valid
    regular expression, or outside the subset above."""
    if not isinstance(pattern, str) or not pattern:
        raise BadRequestData(f"{what} must be a non-empty string")
    if len(pattern) > MAX_LENGTH:
        raise BadRequestData(f"{what} is longer than {MAX_LENGTH} characters")
    try:
        compiled = re.compile(pattern)
        tree = list(_sre.parse(pattern))
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise BadRequestData(f"{what} is not a valid regular expression: {exc}") from None
    try:
        steps = NOMINAL_ID * _ways(_drop_final_dot_star(tree), inside_repeat=False)
    except _Unsafe as exc:
        raise BadRequestData(f"{what} is too costly to match: {exc}") from None
    if steps > MAX_STEPS:
        raise BadRequestData(
            f"{what} is too costly to match: its quantifiers can match the same characters"
            " in too many ways (at most one open-ended quantifier such as .* or +, or a few"
            " short ranges; write [^:]* rather than .* before a ':')"
        )
    return compiled


def _ways(items: list[tuple[Any, Any]], *, inside_repeat: bool) -> int:
    """How many ways a parsed (sub)pattern may split an id among its quantifiers (the
    estimate above); _Unsafe on a refused shape."""
    ways = 1
    for n, (op, av) in enumerate(items):
        if op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            raise _Unsafe("backreferences are not supported")
        if op in _REPEATS:
            low, high, body = av
            body = list(body)
            if inside_repeat:
                raise _Unsafe("a quantified group holds a quantifier, e.g. (a+)+")
            inner = _ways(body, inside_repeat=high > 1)
            if high == _c.MAXREPEAT:
                width = 0 if _stops_at_next(body, items[n + 1 : n + 2]) else NOMINAL_ID
            else:
                width = high - low
            ways *= (width + 1) * inner
        elif op == _c.BRANCH:
            if inside_repeat:
                raise _Unsafe("a quantified group holds an alternation, e.g. (a|ab)*")
            ways *= sum(_ways(list(b), inside_repeat=False) for b in av[1])
        elif op == _c.SUBPATTERN:
            ways *= _ways(list(av[3]), inside_repeat=inside_repeat)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            ways *= _ways(list(av[1]), inside_repeat=inside_repeat)
        elif op == _ATOMIC:
            ways *= _ways(list(av), inside_repeat=inside_repeat)
        if ways > MAX_STEPS:  # no need to go on (and no huge numbers)
            return ways
    return ways


def _stops_at_next(body: list[tuple[Any, Any]], following: list[tuple[Any, Any]]) -> bool:
    """Whether a repeated ``[^x]`` is followed by the literal x it excludes: it then
    stops where the x is and cannot match it, so it has one way to match, not many."""
    if len(body) != 1 or len(following) != 1 or following[0][0] != _c.LITERAL:
        return False
    stop = following[0][1]
    op, av = body[0]
    if op == _c.NOT_LITERAL:
        return bool(av == stop)
    if op == _c.IN and av and av[0][0] == _c.NEGATE:
        return any(o == _c.LITERAL and v == stop for o, v in av[1:])
    return False


def _drop_final_dot_star(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The pattern without a final ``.*`` (before any ``$``): it takes the rest of the
    id at once and never gives any back (ids hold no line breaks), so it costs nothing."""
    end = len(items)
    while end and items[end - 1][0] == _c.AT:
        end -= 1
    if end and items[end - 1][0] in _REPEATS:
        _low, high, body = items[end - 1][1]
        if high == _c.MAXREPEAT and list(body) == [(_c.ANY, None)]:
            return items[: end - 1] + items[end:]
    return items
