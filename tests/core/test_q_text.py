"""Properties of the q parser on text as clients write it (core.qlang).

test_qlang.py prints generated trees with ``to_q`` (one canonical spelling) and parses
them back. Clients write q in many other ways the grammar allows: spaces around tokens,
parentheses nobody needs, AND groups inside OR without parentheses, numbers with leading
zeros or exponents, strings with or without escapes, unquoted regular expressions. Here a
tree and one such spelling of it are generated together, and the spelling must parse to
the tree; whatever text a client sends, the parser raises nothing but BadRequestData or
TooComplexQuery.
"""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isanhub.core.errors import BadRequestData, TooComplexQuery
from isanhub.core.qlang import (
    COMPARISON_OPS,
    METADATA,
    And,
    Compare,
    DateLit,
    DateTimeLit,
    Exists,
    Match,
    Node,
    Or,
    Path,
    Range,
    Scalar,
    TimeLit,
    Uri,
    parse,
    path_q,
    to_q,
)

NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,6}", fullmatch=True)
PATHS = st.builds(
    Path,
    st.one_of(
        NAME,
        st.builds(lambda a, b: f"{a}:{b}", NAME, NAME),  # a compact IRI
        st.builds(lambda a, b: f"https://{a}.org/{b}", NAME, NAME),
    ),
    st.lists(st.one_of(NAME, st.sampled_from(sorted(METADATA))), max_size=2).map(tuple),
    st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,4}", fullmatch=True), max_size=2).map(tuple),
)
#: the space a client may put between tokens
WS = st.sampled_from(["", "", " ", "  ", "\t", " \n"])
#: patterns valid both quoted and unquoted (no ';', '|' or ')' outside a group)
RAW_PATTERNS = ["^a", "b$", "a.c", r"\d{2}", "é", "(x|y)z", "[0-9]+"]
PATTERNS = [*RAW_PATTERNS, "[;|)]", 'q"uote', "a;b"]


@st.composite
def ints(draw: st.DrawFn) -> tuple[str, Scalar]:
    n = draw(st.integers(-(10**12), 10**12))
    zeros = draw(st.sampled_from(["", "0", "00"])) if n >= 0 else ""
    return zeros + str(n), n


@st.composite
def floats(draw: st.DrawFn) -> tuple[str, Scalar]:
    f = draw(st.floats(allow_nan=False, allow_infinity=False, width=64))
    # 17 significant digits always read back as the same double
    text = draw(st.sampled_from([repr(f), format(f, ".17e"), format(f, ".17E")]))
    return text, float(text)


@st.composite
def strings(draw: st.DrawFn) -> tuple[str, Scalar]:
    s = draw(st.text(max_size=12))
    return json.dumps(s, ensure_ascii=draw(st.booleans())), s


TEMPORALS = st.one_of(
    st.datetimes().map(lambda d: DateTimeLit(d.isoformat() + "Z")),
    st.dates().map(lambda d: DateLit(d.isoformat())),
    st.times().map(lambda t: TimeLit(t.isoformat())),
)
COMPARABLE = st.one_of(ints(), floats(), strings(), TEMPORALS.map(lambda t: (t.text, t)))
URIS = st.one_of(
    st.from_regex(r"urn:[a-z]{1,5}:[A-Za-z0-9:_-]{1,10}", fullmatch=True),
    NAME.filter(lambda n: n not in ("true", "false")),
).map(lambda text: (text, Uri(text)))
SCALARS = st.one_of(COMPARABLE, st.booleans().map(lambda b: (str(b).lower(), b)), URIS)


@st.composite
def values(draw: st.DrawFn, op: str) -> tuple[str, object]:
    """(text, value) of the right-hand side of ``op``."""
    if op not in ("==", "!="):
        return draw(COMPARABLE)
    kind = draw(st.sampled_from(["scalar", "range", "list"]))
    if kind == "scalar":
        return draw(SCALARS)
    if kind == "range":
        (lo, low), (hi, high) = draw(COMPARABLE), draw(COMPARABLE)
        return f"{lo}{draw(WS)}..{draw(WS)}{hi}", Range(low, high)
    items = draw(st.lists(SCALARS, min_size=2, max_size=4))
    text = "".join((f"{draw(WS)},{draw(WS)}" if i else "") + t for i, (t, _) in enumerate(items))
    return text, tuple(v for _, v in items)


@st.composite
def leaves(draw: st.DrawFn) -> tuple[str, Node]:
    path = draw(PATHS)
    written = path_q(path)
    kind = draw(st.sampled_from(["exists", "compare", "match"]))
    if kind == "exists":
        negated = draw(st.booleans())
        return ("!" + draw(WS) if negated else "") + written, Exists(path, negated)
    if kind == "match":
        negated = draw(st.booleans())
        pattern = draw(st.sampled_from(PATTERNS))
        raw = pattern in RAW_PATTERNS and draw(st.booleans())
        text = pattern if raw else json.dumps(pattern, ensure_ascii=draw(st.booleans()))
        op = "!~=" if negated else "~="
        return f"{written}{draw(WS)}{op}{draw(WS)}{text}", Match(path, pattern, negated)
    op = draw(st.sampled_from(COMPARISON_OPS))
    text, value = draw(values(op))
    return f"{written}{draw(WS)}{op}{draw(WS)}{text}", Compare(path, op, value)  # type: ignore[arg-type]


def _group(draw: st.DrawFn, kind: type[And] | type[Or], depth: int) -> tuple[str, Node]:
    items = [written(draw, depth + 1) for _ in range(draw(st.integers(2, 3)))]
    sep = ";" if kind is And else "|"
    parts = []
    for text, node in items:
        # parentheses are needed around a group of the same kind (or it would merge) and
        # around an OR inside an AND (AND binds tighter); elsewhere they are optional
        needed = isinstance(node, kind) or (kind is And and isinstance(node, Or))
        if needed or draw(st.booleans()):
            text = f"({draw(WS)}{text}{draw(WS)})"
        parts.append(text)
    return f"{draw(WS)}{sep}{draw(WS)}".join(parts), kind(tuple(n for _, n in items))


def written(draw: st.DrawFn, depth: int = 0) -> tuple[str, Node]:
    """A tree and one way to write it."""
    kind = draw(st.sampled_from(["leaf", "leaf", "and", "or"])) if depth < 3 else "leaf"
    if kind == "leaf":
        text, node = draw(leaves())
        if draw(st.integers(0, 4)) == 0:
            text = f"({draw(WS)}{text}{draw(WS)})"  # a needless pair
        return text, node
    return _group(draw, And if kind == "and" else Or, depth)


@st.composite
def queries(draw: st.DrawFn) -> tuple[str, Node]:
    text, node = written(draw)
    return draw(WS) + text + draw(WS), node


@given(queries())
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_written_queries_parse_to_their_tree(query: tuple[str, Node]) -> None:
    text, node = query
    assert parse(text) == node, text
    # and print back (one canonical spelling) to the same tree
    assert parse(to_q(parse(text))) == node


FRAGMENTS = [
    *'ab;|()[]!=<>~ .,"\\',
    "a==1",
    "a.b[c]",
    "(a|b)",
    "!a",
    "a~=(x+)+",
    "1..2",
    "urn:x:1",
    "2018-12-04T12:00:00Z",
    '"s\\"t"',
    "<https://x.org/p>",
]


@given(
    st.one_of(
        st.text(max_size=300),
        st.text(alphabet=string.printable, max_size=300),
        st.lists(st.sampled_from(FRAGMENTS), max_size=120).map("".join),
        st.integers(1, 60).map(lambda n: "(" * n + "a" + ")" * n),
        st.integers(90, 130).map(lambda n: ";".join(["a==1"] * n)),
    )
)
@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_is_a_query_or_a_client_error(text: str) -> None:
    try:
        node = parse(text)
    except (BadRequestData, TooComplexQuery):
        return
    assert parse(to_q(node)) == node
