"""Crops as the insights know them: the family of a crop (rice, cassava, sugarcane,
maize), told by its species (AgriCrop ``alternateName``, a scientific name) or, failing
that, by its English name; and what the insights assume of each family (yield, growing
days, calendar) with the SQL pieces that select the asked parcels."""

from __future__ import annotations

from dataclasses import dataclass

from isanhub.insight.agri.ask import Ask

#: crop families the calendars, yields and drone schedules know
FAMILIES = ("rice", "cassava", "sugarcane", "maize")

#: lower-case word in a scientific or English name -> family
_WORDS = {
    "oryza": "rice", "rice": "rice", "paddy": "rice",
    "manihot": "cassava", "cassava": "cassava", "tapioca": "cassava",
    "saccharum": "sugarcane", "sugarcane": "sugarcane", "cane": "sugarcane",
    "zea": "maize", "maize": "maize", "corn": "maize",
}  # fmt: skip


def family_of(species: str | None, name_en: str | None = None) -> str | None:
    """The family of a crop from its species, else its English name; None if unknown."""
    for text in (species, name_en):
        if not text:
            continue
        for word in text.lower().replace("'", " ").replace(",", " ").split():
            if word in _WORDS:
                return _WORDS[word]
    return None


# -- crop facts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the insights assume of a crop family in the north-east."""

    family: str
    name_th: str
    name_en: str
    #: fresh weight at harvest (paddy, fresh roots, millable cane, grain), kg per rai
    yield_kg_rai: float
    #: planting to harvest, for a parcel that gives no expectedHarvestAt
    grow_days: int
    plant_months: tuple[int, ...]  #: the planting window, calendar months in order
    harvest_months: tuple[int, ...]  #: the harvest window (may run into the next year)


# Yields: single rounded values inside the Office of Agricultural Economics (OAE)
# north-eastern averages of recent seasons (agricultural statistics yearbook, per rai
# of harvested area): main-season rice 350-400 kg/rai of paddy, cassava 3.3-3.5 t of
# fresh roots, sugarcane 10-12 t of cane, feed maize 650-700 kg of grain.
# Growing days: rice is photoperiod sensitive (KDML105, RD6) and is cut Oct-Dec whatever
# the planting date, so 130 days is the mid-window gap (mid-July to late November);
# cassava 8-12 months (city-facts; the sandbox draws 240-330 days): 300; sugarcane
# planted Apr-May and crushed from December: 300; feed maize 110-125 days (Department
# of Agriculture): 120.
# Calendars: city-facts.md (Agriculture) and the sandbox's CROPS: rice Jun-Aug / Oct-Dec,
# cassava Mar-May / Nov-Apr (8-12 months later), sugarcane Apr-May / Dec-Apr, maize
# Apr-Jun / Aug-Oct.
FACTS: dict[str, Facts] = {f.family: f for f in (
    Facts("rice", "ข้าว", "Rice", 370, 130, (6, 7, 8), (10, 11, 12)),
    Facts("cassava", "มันสำปะหลัง", "Cassava", 3400, 300, (3, 4, 5), (11, 12, 1, 2, 3, 4)),
    Facts("sugarcane", "อ้อย", "Sugarcane", 11000, 300, (4, 5), (12, 1, 2, 3, 4)),
    Facts("maize", "ข้าวโพดเลี้ยงสัตว์", "Feed maize", 680, 120, (4, 5, 6), (8, 9, 10)),
)}  # fmt: skip
YIELD_SOURCE = "Office of Agricultural Economics, north-eastern averages (rounded)"

#: SDM cropStatus in the order a crop goes through them; "fallow" stands for no status
STAGES = ("seeded", "justBorn", "growing", "maturing", "readyForHarvesting")
FALLOW = "fallow"
STAGE_TH = {
    "seeded": "เพาะปลูก", "justBorn": "ต้นกล้า", "growing": "เจริญเติบโต",
    "maturing": "ใกล้เก็บเกี่ยว", "readyForHarvesting": "พร้อมเก็บเกี่ยว", FALLOW: "พักแปลง",
}  # fmt: skip
OTHER = "other"  #: the family of a crop the insights do not know


def facts_sql() -> str:
    """The facts as an inline DuckDB table ``facts(family, yield_kg_rai, grow_days)``, to
    join in the insights' SQL (the values are constants of this module, not input)."""
    rows = ", ".join(f"('{f.family}', {f.yield_kg_rai}, {f.grow_days})" for f in FACTS.values())
    return f"(VALUES {rows}) AS facts(family, yield_kg_rai, grow_days)"


def crop_where(crop: str | None, alias: str = "c") -> tuple[str, list[object]]:
    """SQL condition on crops ``alias`` for an Ask's crop: a family, a crop id, or a
    commodity key (the last part of the sandbox's crop ids, e.g. "kdml105")."""
    if not crop:
        return "TRUE", []
    p = f"{alias}."
    return f"({p}family = ? OR {p}id = ? OR ends_with({p}id, ':' || ?))", [crop, crop, crop]


def parcels_sql(ask: Ask) -> tuple[str, list[object]]:
    """A SELECT of the asked parcels with their crop's family and names, its yield, and
    ``expected_at``: expected_harvest_at, else planted_at + the family's growing days."""
    where, params = ask.where("p")
    crop, crop_params = crop_where(ask.crop)
    sql = f"""
        SELECT p.*, coalesce(c.family, '{OTHER}') AS family, c.name_th, c.name_en,
               facts.yield_kg_rai,
               coalesce(p.expected_harvest_at,
                        p.planted_at + to_days(CAST(facts.grow_days AS INTEGER))) AS expected_at
        FROM parcels p
        LEFT JOIN crops c ON c.id = p.crop_id
        LEFT JOIN {facts_sql()} ON facts.family = c.family
        WHERE {where} AND {crop}"""
    return sql, [*params, *crop_params]


def names(family: str, name_th: str | None = None, name_en: str | None = None) -> dict[str, str]:
    """Thai and English names of a crop, falling back to its family's names."""
    f = FACTS.get(family)
    th = name_th or (f.name_th if f else "อื่น ๆ")
    return {"nameTh": th, "nameEn": name_en or (f.name_en if f else "Other")}
