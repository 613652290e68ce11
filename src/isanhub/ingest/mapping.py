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
(a user fixes a mapping in one round, not one error at a time). What the mapping's
``type`` names mean, cells turned into values and ids, is in cells.py.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from isanhub.core.errors import BadRequestData
from isanhub.core.model import ATTR_TYPES, ENTITY_RESERVED, check_name, expand_instance, is_uri
from isanhub.core.termmap import core_term_map

KINDS = ("number", "integer", "text", "boolean", "datetime", "json", "relationship")
#: Thailand keeps UTC+7 all year (no daylight saving): a fixed offset is exact and fast
BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")
DEFAULT_MISSING = ("", "NA", "N/A", "n/a", "-", "null", "NULL")
_TOP = {"type", "id", "time", "location", "attributes", "static", "context"}
_TOP |= {"encoding", "delimiter", "sheet", "missing"}
_TIME_KEYS = {"format", "timezone", "era"}  #: keys a datetime attribute shares with time
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_UNIT = re.compile(r"^[A-Z0-9]{2,3}$")


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
