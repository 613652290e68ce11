"""The mapping file of an import: how the columns of a table become NGSI-LD entities.

A mapping is a small TOML (or JSON) document; docs/import.md describes it for users::

    type = "AirQualityObserved"
    id = "urn:ngsi-ld:AirQualityObserved:{station}"   # {column}: its value as a slug
    time = { column = "time" }                          # optional: rows become history
    location = { lat = "lat", lon = "lon" }             # optional
    [attributes]
    pm25 = { column = "PM2.5", type = "number", unit = "GQ" }
    refDevice = { column = "sensor", type = "relationship", object = "urn:ngsi-ld:Device:{sensor}" }
    [static]
    dataProvider = "Khon Kaen Municipality"

Everything is checked when the mapping is read, and every problem is reported at once
(a user fixes a mapping in one round, not one error at a time). The functions that turn
cells into values live here too: they are what the mapping's ``type`` names mean.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from isanhub.core.errors import BadRequestData
from isanhub.core.model import ATTR_TYPES, ENTITY_RESERVED, check_name, expand_instance, is_uri
from isanhub.core.termmap import core_term_map
from isanhub.ingest.items import iso

KINDS = ("number", "integer", "text", "boolean", "datetime", "json", "relationship")
#: Thailand keeps UTC+7 all year (no daylight saving): a fixed offset is exact and fast
BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")
DEFAULT_MISSING = ("", "NA", "N/A", "n/a", "-", "null", "NULL")
_TOP = {"type", "id", "time", "location", "attributes", "static", "context"}
_TOP |= {"encoding", "delimiter", "sheet", "missing"}
_TIME_KEYS = {"format", "timezone", "era"}  #: keys a datetime attribute shares with time
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_UNIT = re.compile(r"^[A-Z0-9]{2,3}$")
_TRUE = {"true", "yes", "y", "1", "t", "จริง", "ใช่"}
_FALSE = {"false", "no", "n", "0", "f", "เท็จ", "ไม่", "ไม่ใช่"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_BE_YEAR = re.compile(r"(?<!\d)(2[4-6]\d\d)(?!\d)")  # Buddhist Era years 2400-2699
_INF = float("inf")
#: the times an import accepts, as epoch seconds: 1000-01-01T00:00:00Z to
#: 9999-12-31T23:59:59Z. Outside them a time has no ISO 8601 text the store takes
#: (Python's datetime ends at year 9999, and strftime writes no four-digit year before
#: 1000 on glibc), so the check pass refuses it rather than the write pass failing on it.
T_MIN = int(datetime(1000, 1, 1, tzinfo=UTC).timestamp())
T_MAX = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
OUT_OF_RANGE = "out of range: a time must fall in the years 1000 to 9999 (UTC)"


#: the source of the empty mapping used when none is given (NGSI-LD JSON needs none)
NO_MAPPING = "(no mapping)"


class MappingError(ValueError):
    """A mapping that cannot be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Attribute:
    name: str  #: the attribute name (a term of the mapping's @context)
    column: str
    kind: str  #: one of KINDS
    unit: str | None = None  #: UN/CEFACT code, e.g. GQ (µg/m³), CEL (°C)
    required: bool = False
    history: bool = False  #: with a time column: each row's value is recorded
    #: datetime attributes: how the cells are written (format, zone, era); None otherwise
    time: TimeSpec | None = None
    #: relationship attributes: the object's template, filled like the id template
    #: (None: the cell itself is the object's URI)
    object: str | None = None

    def object_columns(self) -> list[str]:
        """The columns a relationship's object is made of, in template order."""
        if self.kind != "relationship":
            return []
        return [self.column] if self.object is None else _PLACEHOLDER.findall(self.object)


@dataclass(frozen=True)
class TimeSpec:
    column: str
    #: None: ISO 8601; "unix" / "unix_ms": epoch seconds / milliseconds; else strptime
    format: str | None = None
    zone: tzinfo = BANGKOK  #: for times written without an offset
    buddhist: bool = False  #: years are Buddhist Era (พ.ศ. = CE + 543)


@dataclass(frozen=True)
class Mapping:
    source: str  #: the mapping's file name, for messages
    type: str | None = None
    id: str | None = None  #: the id template
    time: TimeSpec | None = None
    location: tuple[str, str] | None = None  #: (latitude column, longitude column)
    attributes: tuple[Attribute, ...] = ()
    static: dict[str, Any] = field(default_factory=dict)  #: name -> normalized attribute
    context: Any = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    missing: frozenset[Any] = frozenset(DEFAULT_MISSING)

    def id_columns(self) -> list[str]:
        return _PLACEHOLDER.findall(self.id or "")

    def columns(self) -> list[str]:
        """Every column the mapping reads, each once, in a stable order."""
        cols = self.id_columns()
        if self.time:
            cols.append(self.time.column)
        if self.location:
            cols.extend(self.location)
        for a in self.attributes:
            cols.append(a.column)
            cols.extend(a.object_columns())  # checked against the header like the id's
        return list(dict.fromkeys(cols))

    def require_table(self) -> None:
        """Tables need a type and an id template (an NGSI-LD JSON file carries both)."""
        missing = [k for k in ("type", "id") if not getattr(self, k)]
        if missing:
            problems = [f"{k} is required" for k in missing]
            if self.source == NO_MAPPING:  # say what to do, not only what is missing
                problems.insert(0, "this file needs a mapping: give --mapping on the command"
                                " line or a 'mapping' part over HTTP (docs/import.md) /"
                                " ไฟล์นี้ต้องมีไฟล์ mapping")  # fmt: skip
            raise MappingError(self.source, problems)


def load_mapping(data: bytes | str, source: str = "mapping") -> Mapping:
    """Parse and check a mapping (TOML, or JSON when it starts with ``{``)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    try:
        if text.lstrip().startswith("{") or source.endswith(".json"):
            raw = orjson.loads(text)
        else:
            raw = tomllib.loads(text)
    except (orjson.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(source, [f"not valid TOML or JSON: {exc}"]) from None
    if not isinstance(raw, dict):
        raise MappingError(source, ["the mapping must be a table (an object)"])
    return _Checker(source).mapping(raw)


class _Checker:
    """Builds a Mapping, collecting every problem before raising."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def bad(self, where: str, why: str) -> None:
        self.problems.append(f"{where}: {why}")

    def text(self, raw: dict[str, Any], key: str, where: str) -> str | None:
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            self.bad(f"{where}{key}", "must be a non-empty string")
            return None
        return value

    def mapping(self, raw: dict[str, Any]) -> Mapping:
        for key in sorted(set(raw) - _TOP):
            self.bad(key, f"unknown key (known: {', '.join(sorted(_TOP))})")
        kind = self.text(raw, "type", "")
        if kind is not None:
            self.name(kind, "type", "entity type")
        template = self.text(raw, "id", "")
        if template is not None:
            self.template(template)
        time = self.time(raw.get("time"))
        attributes = self.attributes(raw.get("attributes", {}), raw.get("time") is not None, time)
        location = self.location(raw.get("location"))
        static = self.static(raw.get("static", {}))
        names = [a.name for a in attributes] + list(static) + (["location"] if location else [])
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.bad(name, "defined twice (attributes, static and location share one namespace)")
        missing = raw.get("missing", list(DEFAULT_MISSING))
        if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
            self.bad("missing", "must be a list of strings (cell texts meaning 'no value')")
            missing = list(DEFAULT_MISSING)
        delimiter = self.text(raw, "delimiter", "")
        if delimiter is not None and len(delimiter) != 1:
            self.bad("delimiter", "must be one character, e.g. ',' ';' or '\\t'")
        encoding = self.text(raw, "encoding", "")
        if encoding is not None:
            try:
                "".encode(encoding)
            except LookupError:
                self.bad("encoding", f"unknown encoding {encoding!r} (e.g. utf-8, cp874)")
        out = Mapping(
            source=self.source,
            type=kind,
            id=template,
            time=time,
            location=location,
            attributes=tuple(attributes),
            static=static,
            context=raw.get("context"),
            encoding=encoding,
            delimiter=delimiter,
            sheet=self.text(raw, "sheet", ""),
            missing=frozenset([*missing, None]),
        )
        if self.problems:
            raise MappingError(self.source, self.problems)
        return out

    def name(self, value: Any, where: str, what: str) -> None:
        try:
            check_name(value, what)
        except BadRequestData as exc:
            self.bad(where, exc.detail)

    def template(self, template: str, where: str = "id") -> None:
        """An id template, or a relationship's object template (the same rules: both are
        filled by id_maker)."""
        if not _PLACEHOLDER.search(template) and "{" in template:
            self.bad(where, f"unbalanced {{ }} in the {where} template")
        elif not is_uri(_PLACEHOLDER.sub("x", template)):
            self.bad(where, f"{template!r} does not make URIs (e.g. urn:ngsi-ld:Type:{{column}})")

    def time(self, raw: Any) -> TimeSpec | None:
        if raw is None:
            return None
        if isinstance(raw, str):
            raw = {"column": raw}
        if not isinstance(raw, dict) or not isinstance(raw.get("column"), str):
            self.bad("time", 'give the time column: time = "column" or time = {column = ...}')
            return None
        for key in sorted(set(raw) - {"column", "format", "timezone", "era"}):
            self.bad(f"time.{key}", "unknown key (known: column, format, timezone, era)")
        return self.time_spec(raw["column"], raw, "time.", TimeSpec(""))

    def time_spec(self, column: str, raw: dict[str, Any], where: str, base: TimeSpec) -> TimeSpec:
        """The format, timezone and era of ``raw`` (a time, or a datetime attribute);
        the zone and era not given are those of ``base``."""
        fmt = self.text(raw, "format", where)
        if fmt in ("iso", "ISO 8601", "iso8601"):
            fmt = None
        zone = self.zone(raw["timezone"], where) if "timezone" in raw else base.zone
        buddhist = base.buddhist
        if "era" in raw:
            if raw["era"] not in ("common", "buddhist"):
                self.bad(f"{where}era", "must be common (ค.ศ.) or buddhist (พ.ศ.)")
            buddhist = raw["era"] == "buddhist"
        return TimeSpec(column, fmt, zone, buddhist)

    def zone(self, raw: Any, where: str) -> tzinfo:
        if raw in ("UTC", "Z"):
            return UTC
        if raw == "Asia/Bangkok":
            return BANGKOK
        if isinstance(raw, str) and re.fullmatch(r"[+-]\d\d:\d\d", raw):
            sign = -1 if raw[0] == "-" else 1
            return timezone(sign * timedelta(hours=int(raw[1:3]), minutes=int(raw[4:6])))
        try:
            return ZoneInfo(str(raw))
        except (ZoneInfoNotFoundError, ValueError):
            self.bad(f"{where}timezone", f"unknown time zone {raw!r} (e.g. Asia/Bangkok, +07:00)")
            return BANGKOK

    def location(self, raw: Any) -> tuple[str, str] | None:
        if raw is None:
            return None
        if (
            not isinstance(raw, dict)
            or set(raw) != {"lat", "lon"}
            or not all(isinstance(v, str) and v for v in raw.values())
        ):
            self.bad("location", 'give the columns: location = {lat = "...", lon = "..."}')
            return None
        return raw["lat"], raw["lon"]

    def attributes(self, raw: Any, timed: bool, time: TimeSpec | None) -> list[Attribute]:
        if not isinstance(raw, dict):
            self.bad("attributes", "must be a table of name = {column, type, ...}")
            return []
        out = []
        for name, spec in raw.items():
            where = f"attributes.{name}"
            self.name(name, where, "attribute name")
            if name in ENTITY_RESERVED or name == "location":
                self.bad(where, f"{name!r} is reserved (location comes from [location])")
            if isinstance(spec, str):
                spec = {"column": spec}
            if not isinstance(spec, dict):
                self.bad(where, "must be a table {column = ..., type = ...}")
                continue
            known = {"column", "type", "unit", "required", "optional", "history", "object"}
            known |= _TIME_KEYS
            for key in sorted(set(spec) - known):
                self.bad(f"{where}.{key}", f"unknown key (known: {', '.join(sorted(known))})")
            kind = spec.get("type", "text")
            if kind not in KINDS:
                self.bad(f"{where}.type", f"{kind!r} is not one of {', '.join(KINDS)}")
            template = self.object_template(spec, kind, where)
            column = spec.get("column", name)
            if template is not None and "column" not in spec:
                # refAgriCrop = {type = "relationship", object = "urn:...:{crop}"} reads crop
                placeholders = _PLACEHOLDER.findall(template)
                column = placeholders[0] if len(placeholders) == 1 else column
            unit = spec.get("unit")
            if unit is not None and (not isinstance(unit, str) or not _UNIT.match(unit)):
                self.bad(f"{where}.unit", f"{unit!r} is not a UN/CEFACT code (e.g. GQ, CEL)")
            flags = {k: spec[k] for k in ("required", "optional", "history") if k in spec}
            for k, v in flags.items():
                if not isinstance(v, bool):
                    self.bad(f"{where}.{k}", "must be true or false")
            required = bool(flags.get("required", not flags.get("optional", True)))
            history = bool(flags.get("history", kind in ("number", "integer")))
            if not isinstance(column, str) or not column:
                self.bad(f"{where}.column", "must be a non-empty string")
                continue
            spec_time = None
            if kind == "datetime":  # the zone and era of the time column, unless given
                spec_time = self.time_spec(column, spec, f"{where}.", time or TimeSpec(""))
            else:
                for key in sorted(_TIME_KEYS & set(spec)):
                    self.bad(f"{where}.{key}", "only for datetime attributes")
            if kind == "relationship":
                # a Relationship is the entity's current link (a job's drone), not a
                # measurement: it has no unit and no history, like a station's name
                if unit is not None:
                    self.bad(f"{where}.unit", "a relationship has no unit")
                if flags.get("history"):
                    self.bad(f"{where}.history", "a relationship is current state, not history")
                history = False
            history = history and timed
            out.append(Attribute(name, column, kind, unit, required, history, spec_time, template))
        return out

    def object_template(self, spec: dict[str, Any], kind: Any, where: str) -> str | None:
        if "object" not in spec:
            return None
        if kind != "relationship":
            self.bad(f"{where}.object", 'only for relationship attributes (type = "relationship")')
            return None
        template = self.text(spec, "object", f"{where}.")
        if template is not None:
            self.template(template, f"{where}.object")
        return template

    def static(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.bad("static", "must be a table of name = value")
            return {}
        out = {}
        terms = core_term_map()
        for name, value in raw.items():
            where = f"static.{name}"
            self.name(name, where, "attribute name")
            attr = value
            if not (isinstance(value, dict) and value.get("type") in ATTR_TYPES):
                attr = {"type": "Property", "value": value}
            try:
                expand_instance(name, attr, terms, now="2000-01-01T00:00:00Z")
            except BadRequestData as exc:
                self.bad(where, exc.detail)
                continue
            out[name] = attr
        return out


# --- cells to values ------------------------------------------------------------------------
# Each converter takes a cell (text from CSV; a number, date or text from XLSX and GeoJSON)
# and returns the value, None when the cell means "no value", or raises ValueError(reason).


def to_number(cell: Any) -> float | None:
    if type(cell) is str:
        try:
            v = float(cell)  # also Thai digits (๑๒.๕): float() reads any Unicode digit
        except ValueError:
            text = cell.strip()
            if not text:
                return None
            if not _THOUSANDS.match(text):
                raise ValueError("not a number") from None
            v = float(text.replace(",", ""))
    elif type(cell) in (int, float):
        v = float(cell)
    else:
        raise ValueError("not a number")
    if not -_INF < v < _INF:  # NaN fails both comparisons
        raise ValueError("not a finite number")
    return v


def to_integer(cell: Any) -> int | None:
    v = to_number(cell)
    if v is None:
        return None
    if not v.is_integer():
        raise ValueError("not a whole number")
    return int(v)


def to_text(cell: Any) -> str | None:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # a code typed into a spreadsheet: 101, not 101.0
    text = (cell.isoformat() if isinstance(cell, date) else str(cell)).strip()
    return text or None


def to_boolean(cell: Any) -> bool | None:
    if isinstance(cell, bool):
        return cell
    text = str(cell).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("not true/false (true, false, yes, no, 1, 0, จริง, เท็จ)")


def to_json(cell: Any) -> Any:
    if not isinstance(cell, str):
        return cell
    try:
        return orjson.loads(cell)
    except orjson.JSONDecodeError:
        raise ValueError("not valid JSON") from None


def time_parser(spec: TimeSpec) -> Callable[[Any], int]:
    """A function from a cell to epoch seconds (ValueError with the reason if it is not
    a time, or not one within T_MIN..T_MAX). Results are cached: a file repeats the same
    times for every station."""
    cache: dict[Any, int] = {}
    fmt, zone = spec.format, spec.zone

    def parse(cell: Any) -> int:
        if isinstance(cell, datetime):
            t = cell
        elif isinstance(cell, date):
            t = datetime(cell.year, cell.month, cell.day)
        elif fmt in ("unix", "unix_ms"):
            n = to_number(cell)
            if n is None:
                raise ValueError("no time")
            return _in_range(int(n / 1000 if fmt == "unix_ms" else n))
        else:
            text = str(cell).strip()
            if spec.buddhist:
                text = _BE_YEAR.sub(lambda m: str(int(m.group(1)) - 543), text, count=1)
            try:
                if fmt is None:
                    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
                else:
                    t = datetime.strptime(text, fmt)
            except ValueError:
                want = "an ISO 8601 time (2025-01-31T08:00)" if fmt is None else f"format {fmt}"
                raise ValueError(f"not a time in {want}") from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=zone)
        try:
            return _in_range(int(t.timestamp()))
        except OverflowError:  # defensive: no time beyond the calendar gets through
            raise ValueError(OUT_OF_RANGE) from None

    def cached(cell: Any) -> int:
        t = cache.get(cell)
        if t is None:
            t = parse(cell)
            if len(cache) > 100_000:
                cache.clear()
            cache[cell] = t
        return t

    return cached


def _in_range(t: int) -> int:
    if not T_MIN <= t <= T_MAX:
        raise ValueError(OUT_OF_RANGE)
    return t


def datetime_value(spec: TimeSpec) -> Callable[[Any], Any]:
    """The converter of a datetime attribute's cells: a DateTime value in UTC."""
    parse = time_parser(spec)

    def convert(cell: Any) -> Any:
        return {"@type": "DateTime", "@value": iso(parse(cell))}

    return convert


def converter(attr: Attribute) -> Callable[[Any], Any]:
    """The converter of an attribute's cells (not of relationships: their object may take
    several cells of the row, see object_maker)."""
    if attr.kind == "relationship":
        raise TypeError(f"{attr.name}: a relationship's object is made by object_maker")
    if attr.kind == "datetime":
        return datetime_value(attr.time or TimeSpec(attr.column))
    return {
        "number": to_number,
        "integer": to_integer,
        "text": to_text,
        "boolean": to_boolean,
        "json": to_json,
    }[attr.kind]


# --- ids ------------------------------------------------------------------------------------


def slug(value: Any) -> str:
    """A cell as a piece of a URI: letters (any script, with their marks: Thai vowels and
    tones stay), digits and ``- _ . ~`` are kept; every other run becomes one ``-``."""
    text = unicodedata.normalize("NFC", to_text(value) or "")
    out: list[str] = []
    dash = False
    for ch in text:
        if ch in "-_.~" or unicodedata.category(ch)[0] in "LMN":
            out.append(ch)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


class IdError(ValueError):
    """A row that makes no id: the column at fault and its cell (None: nothing to show)."""

    def __init__(self, reason: str, column: str, value: Any) -> None:
        super().__init__(reason)
        self.column = column
        self.value = value


def id_maker(
    template: str, columns: list[str], missing: frozenset[Any] = frozenset(), what: str = "id"
) -> Callable[[tuple[Any, ...]], str]:
    """A function from the cells of ``columns`` (the template's placeholders, in order) to
    the entity id (``what``: or a relationship's object); IdError when a cell is empty
    (None), one of the ``missing`` texts (trimmed: " NA" means no value too) or gives an
    empty slug."""
    pieces = _PLACEHOLDER.split(template)  # literal, column, literal, column, ..., literal

    def make(cells: tuple[Any, ...]) -> str:
        out = [pieces[0]]
        for n, cell in enumerate(cells):
            if cell is None or (
                isinstance(cell, str) and (cell in missing or cell.strip() in missing)
            ):
                shown = cell if cell and cell.strip() else None
                raise IdError(
                    f"no value for the {what} in column {columns[n]!r}", columns[n], shown
                )
            part = slug(cell)
            if not part:
                raise IdError(
                    f"no usable text for the {what} from column {columns[n]!r}", columns[n], cell
                )
            out.append(part)
            out.append(pieces[2 * n + 2])
        return "".join(out)

    return make


def object_maker(
    attr: Attribute, index: dict[str, int], missing: frozenset[Any] = frozenset()
) -> Callable[[Sequence[Any]], str | None]:
    """The converter of a relationship attribute: from a whole row (``index``: column ->
    position in it) to the object's URI. None when the attribute's own cell has no value
    (also " NA": a missing text with spaces around it, as for ids): the attribute is left
    out. IdError (a ValueError naming the column and cell at fault) when the object cannot
    be made: a template cell without a value or a slug, a cell that is not a URI."""
    own = index[attr.column]
    columns = attr.object_columns()
    at = [index[c] for c in columns]
    make = id_maker(attr.object or "", columns, missing, "object")
    cache: dict[Any, str] = {}  # a file names the same few drones and parcels again and again

    def blank(cell: Any) -> bool:
        return cell is None or (
            isinstance(cell, str) and (cell in missing or cell.strip() in missing)
        )

    def scalar(n: int, cell: Any) -> None:
        # a JSON cell of a GeoJSON property (a list, an object) names nothing
        if not isinstance(cell, str | int | float | date) or isinstance(cell, bool):
            raise IdError("not text or a number", columns[n], str(cell))

    def direct(cells: Sequence[Any]) -> str | None:
        cell = cells[own]
        if blank(cell):
            return None
        scalar(0, cell)
        uri = to_text(cell) or ""
        if not is_uri(uri):
            raise IdError(
                "not a URI (write urn:ngsi-ld:Type:code, or give object = "
                '"urn:ngsi-ld:Type:{column}" in the mapping)',
                attr.column,
                cell,
            )
        return uri

    def templated(cells: Sequence[Any]) -> str | None:
        if blank(cells[own]):
            return None
        key = tuple(cells[i] for i in at)
        for n, cell in enumerate(key):  # first: a cached True must not pass for a 1
            if not blank(cell):
                scalar(n, cell)
        uri = cache.get(key)
        if uri is not None:
            return uri
        uri = make(key)
        if not is_uri(uri):  # a template that makes URIs can still make one too long
            raise IdError(f"the object {uri[:80]!r} is not a URI", attr.column, cells[own])
        if len(cache) > 10_000:
            cache.clear()
        cache[key] = uri
        return uri

    return direct if attr.object is None else templated
