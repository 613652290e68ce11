"""Reading attributes of entities in normal form by their short names, and times as
naive Asia/Bangkok local time (the calendar farmers count in: UTC+7, no daylight saving)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shapely.geometry import shape

from isanhub.core.model import Entity
from isanhub.core.termmap import TermMap, core_term_map

BANGKOK = timedelta(hours=7)
EPOCH = datetime(1970, 1, 1)


class Fields:
    """Reading attributes of entities in normal form by their short names."""

    def __init__(self, terms: TermMap | None = None) -> None:
        self.terms = terms or core_term_map()
        self._iri: dict[str, str] = {}

    def iri(self, name: str) -> str:
        got = self._iri.get(name)
        if got is None:
            got = self._iri[name] = self.terms.expand_attr(name)
        return got

    def inst(self, e: Entity, name: str) -> dict[str, Any] | None:
        for inst in e["attrs"].get(self.iri(name), ()):
            if "datasetId" not in inst:
                return inst  # type: ignore[no-any-return]
        return None

    def value(self, e: Entity, name: str) -> Any:
        inst = self.inst(e, name)
        if inst is None:
            return None
        if "object" in inst:
            return inst["object"]
        if "languageMap" in inst:
            return inst["languageMap"]
        value = inst.get("value", inst.get("vocab"))
        if isinstance(value, dict) and value.get("@type") == "DateTime":
            return value.get("@value")
        return value

    def text(self, e: Entity, name: str) -> str | None:
        value = self.value(e, name)
        return value if isinstance(value, str) else None

    def number(self, e: Entity, name: str) -> float | None:
        value = self.value(e, name)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if ok else None

    def time(self, e: Entity, name: str) -> datetime | None:
        return local(self.value(e, name))

    def names(self, e: Entity) -> tuple[str | None, str | None]:
        """The entity's name in Thai and English (either falls back to the other)."""
        value = self.value(e, "name")
        if isinstance(value, dict):
            th, en = value.get("th"), value.get("en")
            th = th if isinstance(th, str) else None
            en = en if isinstance(en, str) else None
            return th or en, en or th
        return (value, value) if isinstance(value, str) else (None, None)

    def english(self, e: Entity, name: str) -> str | None:
        """A text, or the English (else Thai) text of a LanguageProperty."""
        value = self.value(e, name)
        if isinstance(value, dict):
            value = value.get("en") or value.get("th")
        return value if isinstance(value, str) else None

    def place(self, e: Entity) -> dict[str, Any]:
        """province, district, lat, lon: the address and a point of the location."""
        addr = self.value(e, "address")
        addr = addr if isinstance(addr, dict) else {}
        out: dict[str, Any] = {
            "province": _str(addr.get("addressRegion")),
            "district": _str(addr.get("addressLocality")),
            "lat": None, "lon": None,
        }  # fmt: skip
        geo = self.value(e, "location")
        if isinstance(geo, dict):
            try:
                if geo.get("type") == "Point":
                    lon, lat = geo["coordinates"][:2]
                else:
                    c = shape(geo).representative_point()
                    lon, lat = c.x, c.y
                out["lat"], out["lon"] = float(lat), float(lon)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass
        return out


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def local(value: Any) -> datetime | None:
    """ISO 8601 text (UTC or with an offset) as naive Asia/Bangkok time."""
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    if t.tzinfo is not None:
        t = t.replace(tzinfo=None) - (t.utcoffset() or timedelta(0))
    return t + BANGKOK


def asked(value: str) -> datetime:
    """A time someone asks about: naive text is already Bangkok time, text with an offset
    is converted to it. ValueError when it is no ISO 8601 date or time."""
    t = datetime.fromisoformat(value)
    if t.tzinfo is None:
        return t
    return t.replace(tzinfo=None) - (t.utcoffset() or timedelta(0)) + BANGKOK


def local_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us) + BANGKOK
