"""The NGSI-LD query language ``q`` (ETSI GS CIM 009 clause 4.9): AST, parser, printer.

``parse(q)`` gives a tree of frozen dataclasses, ``to_q`` prints it back (``parse(to_q(n))
== n``), ``map_attrs`` expands names, ``simple_comparisons`` serves the store; the
evaluator is in ``qeval``. Accepted: a tolerant superset of the spec's ABNF (spaces allowed
around tokens; ``;`` AND binds tighter than ``|`` OR; parentheses nest up to MAX_DEPTH)::

    term   := '!' path | path | path op value | path ('~='|'!~=') regex
    path   := name ('.' name)* ['[' key ('.' key)* ']']
    value  := scalar | scalar '..' scalar | scalar (',' scalar)+   ; ranges, lists: ==, != only
    scalar := number | "json string" | true | false | DateTime | Date | Time | URI | bare term
    regex  := "json string" | raw text up to a ';' '|' ')' outside parentheses/brackets

A name is a term (``speed``), a compact IRI (``ex:speed``) or, beyond the spec (which says
short names), a full IRI (``https://example.org/speed``) whose dots up to its last ``/`` or
``#`` are its own. Later dotted names are sub-attributes, or members when in METADATA.
Syntax errors raise ``BadRequestData``, as clause 5.7.2 and ETSI test 037_03_02 require.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar, NoReturn, TypeAlias

from isanhub.core.errors import BadRequestData, TooComplexQuery

#: dotted names that address an instance member rather than a sub-attribute (never expanded)
METADATA = frozenset(
    {"observedAt", "createdAt", "modifiedAt", "unitCode", "datasetId", "objectType"}
)
MAX_DEPTH = 32  #: parenthesis nesting limit
MAX_REGEX = 256  #: longest accepted pattern for ~= / !~=
#: longest accepted q: every candidate entity is tested against the whole query, so its
#: size multiplies the work of a request (a q of a few hundred characters is a long one)
MAX_LENGTH = 8192
#: most terms (comparisons, patterns, existence tests) in one q, and deepest nesting of
#: ANDs and ORs: beyond, 403 TooComplexQuery. Every candidate entity is tested against
#: every term, so the terms multiply a query's work; real queries have a handful.
#: (MAX_DEPTH bounds parentheses as written, ``((a))`` included: a syntax limit, 400.)
MAX_TERMS = 100
MAX_NESTING = 16
COMPARISON_OPS = ("==", "!=", ">=", "<=", ">", "<")

_FRACTION = re.compile(r"[.,](\d{1,6})\d*")
_TZ = r"(?:Z|[+-]\d{2}(?::?\d{2})?)?"
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?" + _TZ)
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME_RE = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?" + _TZ)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[^\W\d][\w:\-]*")
_KEY = re.compile(r"[^\s.\[\]();|\"=!<>~]+")
_IRI_START = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_IRI_BODY = re.compile(r"[^\s=!<>~;|()\[\]\"]+")
_TOKEN = re.compile(r"[^\s;|(),\"]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}\\^`]*")
_TERM = re.compile(r"[^\W\d][\w\-]*")
_REPEAT = re.compile(r"\{\d*,\d*\}")  # an unbounded-ish {m,n} quantifier


_FROM_ISO: dict[str, tuple[re.Pattern[str], Callable[[str], Any]]] = {
    "datetime": (DATETIME_RE, datetime.fromisoformat),
    "date": (DATE_RE, date.fromisoformat),
    "time": (TIME_RE, time.fromisoformat),
}


def parse_temporal(kind: str, text: str) -> Any:
    """ISO 8601 ``text`` as a comparable value, or None: for kind "datetime" an aware instant,
    "date" a date, "time" a timedelta from UTC midnight (no zone means UTC)."""
    pattern, from_iso = _FROM_ISO[kind]
    if not pattern.fullmatch(text):
        return None
    try:
        value = from_iso(_FRACTION.sub(r".\1", text))
    except ValueError:
        return None
    if isinstance(value, time):
        since = timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
        return (
            since + timedelta(microseconds=value.microsecond) - (value.utcoffset() or timedelta())
        )
    if isinstance(value, datetime) and not value.tzinfo:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class TemporalLit:
    """An unquoted DateTime, Date or Time literal: ``text`` as written, ``key`` parsed."""

    text: str
    key: Any = field(init=False, compare=False, repr=False)
    kind: ClassVar[str] = ""  # "datetime" | "date" | "time", also the @type it compares with

    def __post_init__(self) -> None:
        key = parse_temporal(self.kind, self.text)
        if key is None:
            raise BadRequestData(f"Invalid q: {self.text!r} is not a valid {type(self).__name__}")
        object.__setattr__(self, "key", key)


class DateTimeLit(TemporalLit):  # e.g. 2018-12-04T12:00:00Z
    kind = "datetime"


class DateLit(TemporalLit):  # e.g. 2018-12-04
    kind = "date"


class TimeLit(TemporalLit):  # e.g. 12:00:00Z
    kind = "time"


@dataclass(frozen=True)
class Uri:  # an unquoted URI (urn:ngsi-ld:City:Pisa) or bare term (Male); compares as text
    text: str


Scalar: TypeAlias = bool | int | float | str | DateTimeLit | DateLit | TimeLit | Uri


@dataclass(frozen=True)
class Range:  # low..high, both ends included
    low: Scalar
    high: Scalar


#: a comparison value: one scalar, a Range, or a ValueList (a tuple of 2+ scalars)
Value: TypeAlias = Scalar | Range | tuple[Scalar, ...]


@dataclass(frozen=True)
class Path:  # attr.sub1.sub2[key1.key2]: attribute, sub-attributes/METADATA, value keys
    attr: str
    subs: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exists:  # path: the target element exists; !path (negated): it does not
    path: Path
    negated: bool = False


@dataclass(frozen=True)
class Compare:  # path op value, op in COMPARISON_OPS
    path: Path
    op: str
    value: Value


@dataclass(frozen=True)
class Match:  # path~=pattern, or path!~=pattern (negated); regex: compiled pattern
    path: Path
    pattern: str
    negated: bool = False
    regex: re.Pattern[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", compile_pattern(self.pattern))


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node: TypeAlias = Exists | Compare | Match | And | Or


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a q regular expression (Python ``re``), refusing long or nested-quantifier ones."""
    if not pattern:
        raise BadRequestData("Invalid q: empty regular expression")
    if len(pattern) > MAX_REGEX:
        raise BadRequestData(f"Invalid q: regular expression longer than {MAX_REGEX} characters")
    if _scan_regex(pattern, 0, raw=False)[1] or re.search(r"\\[1-9]|\(\?P=", pattern):
        raise BadRequestData("Invalid q: regular expression too costly (nested quantifiers)")
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise BadRequestData(f"Invalid q: bad regular expression: {exc}") from None


def comparable(value: object) -> bool:
    """True for values an ordering operator or a range accepts (numbers, strings, temporals)."""
    return isinstance(value, int | float | str | TemporalLit) and not isinstance(value, bool)


class _Parser:
    def __init__(self, text: str) -> None:
        self.s, self.i, self.n = text, 0, len(text)
        self.terms = 0

    def fail(self, msg: str) -> NoReturn:
        raise BadRequestData(f"Invalid q: {msg} at position {self.i}")

    def peek(self) -> str:
        while self.i < self.n and self.s[self.i].isspace():
            self.i += 1
        return self.s[self.i] if self.i < self.n else ""

    def query(self, depth: int, sep: str = "|") -> Node:
        """With sep "|" an OR of ANDs, with sep ";" an AND of terms (AND binds tighter)."""
        items = [self.query(depth, ";") if sep == "|" else self.unary(depth)]
        while self.peek() == sep:
            self.i += 1
            items.append(self.query(depth, ";") if sep == "|" else self.unary(depth))
        if len(items) == 1:
            return items[0]
        return Or(tuple(items)) if sep == "|" else And(tuple(items))

    def unary(self, depth: int) -> Node:
        if self.peek() != "(":
            return self.term()
        if depth >= MAX_DEPTH:
            self.fail(f"more than {MAX_DEPTH} nested parentheses")
        self.i += 1
        node = self.query(depth + 1)
        if self.peek() != ")":
            self.fail("expected ')'")
        self.i += 1
        return node

    def term(self) -> Node:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise TooComplexQuery(f"q has more than {MAX_TERMS} terms")
        negated = self.peek() == "!"
        if negated:
            self.i += 1
            self.peek()
        path = self.path()
        self.peek()
        op = next((o for o in ("!~=", "~=", *COMPARISON_OPS) if self.s.startswith(o, self.i)), "")
        if not op:
            if self.i < self.n and self.s[self.i] not in ";|)":
                self.fail("expected an operator, ';', '|' or ')'")
            return Exists(path, negated)
        if negated:
            self.fail("'!' only applies to a bare attribute path")
        self.i += len(op)
        if op in ("~=", "!~="):
            return Match(path, self.regex(), op == "!~=")
        return Compare(path, op, self.value(op))

    def path(self) -> Path:
        s, start = self.s, self.i
        if s.startswith("<", start):
            attr, *subs = self.bracketed()
        elif _IRI_START.match(s, start):
            m = _IRI_BODY.match(s, start)
            assert m is not None  # the IRI start matched, so the body has at least that much
            text, self.i = m.group(), m.end()
            cut = max(text.rfind("/"), text.rfind("#"))
            if cut < text.index("://") + 3:  # no path: the dots are the authority's
                cut = len(text) - 1
            head, *subs = text[cut + 1 :].split(".")
            attr = text[: cut + 1] + head
            if any(not _NAME.fullmatch(sub) for sub in subs):
                self.fail("invalid sub-attribute name")
        else:
            attr, subs = self.name(_NAME, "attribute name"), []
            while self.s.startswith(".", self.i):
                self.i += 1
                subs.append(self.name(_NAME, "sub-attribute name"))
        keys: list[str] = []
        if self.s.startswith("[", self.i):
            while not keys or self.s.startswith(".", self.i):
                self.i += 1
                keys.append(self.name(_KEY, "key"))
            if not self.s.startswith("]", self.i):
                self.fail("expected ']'")
            self.i += 1
        return Path(attr, tuple(subs), tuple(keys))

    def bracketed(self) -> list[str]:
        """``<iri>.<iri>.name``: names in angle brackets may be any IRI (the expanded
        form of a sub-attribute path, which a bare IRI cannot write unambiguously)."""
        names: list[str] = []
        while True:
            if self.s.startswith("<", self.i):
                end = self.s.find(">", self.i + 1)
                if end <= self.i + 1:
                    self.fail("expected an IRI in <...>")
                names.append(self.s[self.i + 1 : end])
                self.i = end + 1
            else:
                names.append(self.name(_NAME, "sub-attribute name"))
            if not self.s.startswith(".", self.i):
                return names
            self.i += 1

    def name(self, pattern: re.Pattern[str], what: str) -> str:
        m = pattern.match(self.s, self.i)
        if not m:
            self.fail(f"expected {what}")
        self.i = m.end()
        return m.group()

    def value(self, op: str) -> Value:
        first = self.scalar()
        result: Value = first
        if self.peek() == "." and self.s.startswith("..", self.i):
            self.i += 2
            result = Range(first, self.scalar())
            if not (comparable(result.low) and comparable(result.high)):
                self.fail("range bounds must be numbers, strings or dates/times")
        elif self.peek() == ",":
            items = [first]
            while self.peek() == ",":
                self.i += 1
                items.append(self.scalar())
            result = tuple(items)
        if op not in ("==", "!=") and not comparable(result):
            self.fail(f"{op} needs one number, string or date/time")
        return result

    def ends(self, j: int) -> bool:
        """Whether a scalar may end at j (before a separator, a space or a range's '..')."""
        if j >= self.n:
            return True
        return self.s[j].isspace() or self.s[j] in ";|)," or self.s.startswith("..", j)

    def scalar(self) -> Scalar:
        if self.peek() == '"':
            return self.quoted()
        s, i = self.s, self.i
        for cls, rx in ((DateTimeLit, DATETIME_RE), (DateLit, DATE_RE), (TimeLit, TIME_RE)):
            m = rx.match(s, i)
            if m and "," in m.group():  # in q a comma separates list items, not a fraction
                m = rx.match(s, i, s.index(",", i))
            if m and self.ends(m.end()):
                self.i = m.end()
                return cls(m.group())
        m = _NUMBER.match(s, i)
        if m and self.ends(m.end()):
            self.i = m.end()
            return self.number(m.group())
        m = _TOKEN.match(s, i)
        if not m:
            self.fail("expected a value")
        tok = m.group()
        if not (tok in ("true", "false") or _URI.fullmatch(tok) or _TERM.fullmatch(tok)):
            self.fail(f"invalid value {tok[:40]!r} (quote strings)")
        self.i = m.end()
        return tok == "true" if tok in ("true", "false") else Uri(tok)

    def number(self, text: str) -> int | float:
        try:
            value = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:  # more digits than int() accepts
            self.fail("number too long")
        if isinstance(value, float) and not math.isfinite(value):
            self.fail("number out of range")
        return value

    def quoted(self) -> str:
        s, j = self.s, self.i + 1
        while j < self.n and s[j] != '"':
            j += 2 if s[j] == "\\" else 1
        if j >= self.n:
            self.fail("unterminated string")
        try:
            text = json.loads(s[self.i : j + 1], strict=False)
        except ValueError:
            self.fail("invalid escape in string")
        self.i = j + 1
        return str(text)

    def regex(self) -> str:
        if self.peek() == '"':
            return self.quoted()
        end, _ = _scan_regex(self.s, self.i, raw=True)
        pattern, self.i = self.s[self.i : end].rstrip(), end
        return pattern


def _scan_regex(s: str, i: int, raw: bool) -> tuple[int, bool]:
    """Walk a regex from i: where it ends (if raw, at a ';' '|' ')' outside groups and
    classes; else at the end) and whether a group holding an unbounded quantifier is itself
    quantified, e.g. (a+)+ or ((x*)y){2,}: the catastrophic-backtracking shape."""
    groups, in_class, nested = [False], False, False  # per open group: holds a quantifier?
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            groups.append(False)
        elif c == ")" and len(groups) > 1:
            inner = groups.pop()
            nested = nested or (inner and s[i + 1 : i + 2] in ("*", "+", "{"))
            groups[-1] = groups[-1] or inner
        elif raw and (c == ")" or (c in ";|" and len(groups) == 1)):
            break
        elif c in "*+" or (c == "{" and _REPEAT.match(s, i)):
            groups[-1] = True
        i += 1
    return min(i, len(s)), nested


def parse(q: str) -> Node:
    """Parse a (URL-decoded) q string; raise BadRequestData when it is not valid."""
    if len(q) > MAX_LENGTH:
        raise BadRequestData(f"Invalid q: longer than {MAX_LENGTH} characters")
    parser = _Parser(q)
    node = parser.query(0)
    if parser.peek():
        parser.fail("unexpected character")
    if _nesting(node) > MAX_NESTING:
        raise TooComplexQuery(f"q nests ANDs and ORs more than {MAX_NESTING} deep")
    return node


def _nesting(node: Node) -> int:
    """How deep ANDs and ORs nest (a lone term: 0); recursion bounded by MAX_DEPTH."""
    if isinstance(node, And | Or):
        return 1 + max(_nesting(item) for item in node.items)
    return 0


def _scalar_q(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return value.text


def _value_q(value: Value) -> str:
    if isinstance(value, Range):
        return f"{_scalar_q(value.low)}..{_scalar_q(value.high)}"
    if isinstance(value, tuple):
        return ",".join(_scalar_q(v) for v in value)
    return _scalar_q(value)


def _bare_iri(name: str) -> bool:
    """Whether an attribute IRI reads back alone, without brackets (see _Parser.path)."""
    if not (_IRI_START.match(name) and _IRI_BODY.fullmatch(name)):
        return False
    cut = max(name.rfind("/"), name.rfind("#"))
    return cut >= name.index("://") + 3 and "." not in name[cut + 1 :]


def path_q(path: Path) -> str:
    names = (path.attr, *path.subs)
    if all(_NAME.fullmatch(n) for n in names) or (not path.subs and _bare_iri(path.attr)):
        text = ".".join(names)
    else:  # IRIs with sub-attributes, or names plain text cannot hold: <name>.<name>
        text = ".".join(n if _NAME.fullmatch(n) else f"<{n}>" for n in names)
    return text + (f"[{'.'.join(path.keys)}]" if path.keys else "")


def to_q(node: Node) -> str:
    """Print a tree back as q text, with parentheses around every nested AND/OR."""
    if isinstance(node, And | Or):
        sep = ";" if isinstance(node, And) else "|"
        return sep.join(f"({to_q(c)})" if isinstance(c, And | Or) else to_q(c) for c in node.items)
    if isinstance(node, Exists):
        return ("!" if node.negated else "") + path_q(node.path)
    if isinstance(node, Match):
        op = "!~=" if node.negated else "~="
        return path_q(node.path) + op + json.dumps(node.pattern, ensure_ascii=False)
    return path_q(node.path) + node.op + _value_q(node.value)


def map_attrs(node: Node, expand: Callable[[str], str]) -> Node:
    """A copy of the tree with attribute and sub-attribute names replaced by ``expand(name)``.

    METADATA names (observedAt, unitCode, ...) and compound-value keys are left alone."""
    if isinstance(node, And | Or):
        return type(node)(tuple(map_attrs(c, expand) for c in node.items))
    p = node.path
    subs = tuple(s if s in METADATA else expand(s) for s in p.subs)
    return dataclasses.replace(node, path=Path(expand(p.attr), subs, p.keys))


def evaluate(node: Node, entity: dict[str, Any], *, lang: str | None = None) -> bool:
    """True when the entity (normal form, expanded names) matches; see ``qeval.evaluate``."""
    from isanhub.core.qeval import evaluate as _evaluate

    return _evaluate(node, entity, lang=lang)


def _conjuncts(node: Node) -> list[Node]:
    if isinstance(node, And):
        return [leaf for item in node.items for leaf in _conjuncts(item)]
    return [node]


def simple_comparisons(node: Node) -> list[tuple[str, str, Value | None]] | None:
    """The query as flat ``(attr, op, value)`` triples, for pushing into SQL; else None.

    A list only when ``node`` is one term or an AND (nested ANDs flattened) of terms that
    are all ``Compare`` or (non-negated) ``Exists`` on a bare top-level attribute (no
    sub-attribute, METADATA or ``[key]``); an OR, ``!attr``, a pattern (``~=``) or a longer
    path gives None. ``attr`` is the name as in the tree (expanded if ``map_attrs`` ran);
    ``op`` is "exists" with value None, or in COMPARISON_OPS with ``value`` a Scalar, a
    Range (only with ==, !=) or a tuple (ValueList, only with ==, !=). Every triple implies
    that the attribute exists. The entity matches when every triple holds with
    ``qeval.evaluate``'s semantics (any instance may satisfy a triple; value read by
    attribute type; arrays match by element; a type mismatch fails every op but ``!=``). A
    store that cannot express a triple exactly should prefilter and re-check with evaluate.
    """
    out: list[tuple[str, str, Value | None]] = []
    for leaf in _conjuncts(node):
        if not isinstance(leaf, Compare | Exists) or leaf.path.subs or leaf.path.keys:
            return None
        if isinstance(leaf, Exists):
            if leaf.negated:
                return None
            out.append((leaf.path.attr, "exists", None))
        else:
            out.append((leaf.path.attr, leaf.op, leaf.value))
    return out
