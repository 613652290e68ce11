"""The kind of product a title names, so that a shop's prices and words can be compared
with other shops selling the same kind of thing, and creators matched to it.

Titles on Thai marketplaces mix Thai and English ("ผ้าไหมมัดหมี่ชนบท (2 เมตร)",
"Doi arabica coffee 250g"), so each kind lists Thai and English keywords. Plain
substring rules over a normalised title (case-folded, spaces collapsed) are enough and
about a hundred times faster than tokenising; English keywords must stand as a word
(an optional plural "s"/"es" allowed), Thai ones may sit anywhere (Thai writes no spaces).

A title's kind is decided in two steps:

1. ``PHRASES``: compound names whose words would mislead the kind table
   ("กระติบข้าวเหนียว" is a basket, not sticky rice; "ข้าวเหนียว กข6" is raw rice);
2. ``KINDS``, in its order: the first kind with a keyword in the title wins, so the more
   specific kinds come first (a "silk scarf" is silk before it is fashion).

A title that matches nothing is ``"other"``. ``kind_of`` is cached: the lake calls it once
per distinct title. ``FIT`` says how well each creator niche (demo/economy.py) suits a
kind, for creators.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import duckdb


@dataclass(frozen=True)
class Kind:
    th: str  #: Thai name of the kind
    en: str  #: English name
    keywords: tuple[str, ...]  #: Thai substrings and English words (lower case)


#: kind -> names and keywords; the order is the order of the rules (first match wins)
KINDS: dict[str, Kind] = {
    "crafts": Kind("หัตถกรรม", "Crafts", (
        "จักสาน", "กระติบ", "กระบุง", "ตะกร้า", "เสื่อ", "หมอนขิด", "ผ้าขาวม้า", "เครื่องปั้น",
        "ดินเผา", "เบญจรงค์", "ศิลาดล", "เซลาดอน", "ไม้แกะสลัก", "แกะสลัก", "ร่มบ่อสร้าง",
        "หัวโขน", "ขันลงหิน", "ผ้าทอ", "ย้อมคราม", "basket", "wickerwork", "mat", "pottery",
        "celadon", "benjarong", "carving", "umbrella", "handicraft", "khit", "khao ma",
        "bronze bowl", "khon mask", "karen", "indigo")),
    "silk": Kind("ผ้าไหม", "Silk", (
        "ผ้าไหม", "มัดหมี่", "ไหมไทย", "ไหมแท้", "ไหมทอมือ", "ซิ่นไหม", "ผ้าพันคอไหม", "เส้นไหม",
        "silk", "mudmee",
        "mudmi")),
    "beauty": Kind("ความงาม", "Beauty", (
        "สบู่", "เซรั่ม", "ลิปสติก", "ลิปทินต์", "ลิป", "โลชั่น", "กันแดด", "ครีมบำรุง",
        "ครีมกันแดด", "แชมพู", "เครื่องสำอาง", "มาสก์หน้า", "soap", "serum", "lipstick",
        "lip", "lip tint", "lotion", "sunscreen", "shampoo", "cosmetic", "skincare",
        "face cream", "moisturizer")),
    "coffee": Kind("กาแฟและชา", "Coffee & tea", (
        "กาแฟ", "อาราบิก้า", "โรบัสต้า", "ดริป", "ชาอู่หลง", "ชาใบหม่อน", "ชาเขียว", "ใบชา",
        "coffee", "arabica", "robusta", "espresso", "drip bag", "drip-bag", "oolong", "tea")),
    "food": Kind("อาหาร", "Food", (
        "ปลาร้า", "แจ่ว", "ไส้กรอก", "ไส้อั่ว", "แหนม", "หมูยอ", "ข้าวเหนียว", "ข้าวหลาม",
        "ขนม", "น้ำพริก", "แคบหมู", "หมี่โคราช", "ผัดหมี่", "อาหาร", "น้ำปลา", "ปลาหมึก",
        "กุ้งแห้ง", "ทองม้วน", "เต้าส้อ", "ข้าวเกรียบ", "หมูแผ่น", "หมูหยอง", "กุนเชียง",
        "sausage", "pla ra", "jaew", "chili paste", "chilli paste", "nam prik", "chili dip",
        "naem", "moo yor",
        "sticky rice", "snack", "dessert", "pastry", "noodle", "fish sauce", "squid",
        "seafood", "wafer", "cracklings", "curry paste", "food")),
    "agri": Kind("ผลผลิตเกษตร", "Farm products", (
        "ข้าวหอมมะลิ", "ข้าวกล้อง", "ไรซ์เบอร์รี่", "ข้าวสาร", "ข้าวเปลือก", "ข้าวหอม",
        "ผลไม้", "ผักสด", "ผักอินทรีย์", "ผัก", "มันสำปะหลัง", "สับปะรด", "มะพร้าว",
        "มะม่วง", "ทุเรียน", "ลำไย", "มังคุด", "เงาะ", "กล้วย", "ปุ๋ย", "เมล็ดพันธุ์", "rice",
        "riceberry", "jasmine", "fruit", "vegetable", "veggie", "tapioca", "cassava",
        "pineapple", "coconut", "mango", "durian", "longan", "banana", "fertiliser",
        "fertilizer", "seed")),
    "fashion": Kind("แฟชั่น", "Fashion", (
        "เสื้อ", "กางเกง", "กระโปรง", "กระเป๋า", "รองเท้า", "หมวก", "ชุดเดรส", "เดรส",
        "shirt", "t-shirt", "tee", "trousers", "pants", "skirt", "dress", "bag", "tote",
        "shoe", "sandal", "hat", "jacket")),
    "home": Kind("ของแต่งบ้าน", "Home", (
        "เทียนหอม", "แก้วเซรามิก", "แก้วน้ำ", "จาน", "ชาม", "หมอน", "ผ้าม่าน", "โคมไฟ",
        "แจกัน", "เคสโทรศัพท์", "ของแต่งบ้าน", "candle", "mug", "plate", "bowl", "cushion",
        "pillow", "curtain", "lamp", "vase", "phone case", "home decor", "diffuser")),
    "souvenir": Kind("ของที่ระลึก", "Souvenirs", (
        "ของที่ระลึก", "ของฝาก", "พวงกุญแจ", "แม่เหล็ก", "ต่างหู", "ไข่มุก", "บาติก",
        "มะม่วงหิมพานต์", "โปสการ์ด", "souvenir", "keychain", "key ring", "magnet", "earring",
        "pearl", "batik", "cashew", "postcard")),
}  # fmt: skip

OTHER = "other"  #: the kind of a title that matches no rule
KNOWN = frozenset([*KINDS, OTHER])

#: compound names decided before KINDS (the kind table alone would get them wrong)
PHRASES: dict[str, str] = {
    "กระติบข้าวเหนียว": "crafts", "sticky-rice basket": "crafts", "rice basket": "crafts",
    "สบู่รังไหม": "beauty", "รังไหม": "beauty", "silk-cocoon": "beauty", "silk cocoon": "beauty",
    "กข6": "agri", "กข 6": "agri", "rd6": "agri", "glutinous rice": "agri",
    "ข้าวเหนียวมะม่วง": "food", "mango sticky rice": "food", "ขนมมะพร้าว": "food",
    "ชาไทย": "coffee", "ชานม": "coffee", "มะม่วงหิมพานต์": "souvenir", "cashew": "souvenir",
    "ice cream": "food", "ไอศกรีม": "food",
}  # fmt: skip

#: how well a creator's niche suits a kind of product, 0-1 (missing niche: 0)
FIT: dict[str, dict[str, float]] = {
    "silk": {"silkFashion": 1.0, "lifestyle": 0.5, "beauty": 0.3},
    "fashion": {"silkFashion": 1.0, "lifestyle": 0.6, "beauty": 0.4},
    "food": {"food": 1.0, "lifestyle": 0.5, "farming": 0.3},
    "coffee": {"food": 0.8, "lifestyle": 0.7, "farming": 0.3},
    "agri": {"farming": 1.0, "food": 0.7, "lifestyle": 0.3},
    "crafts": {"lifestyle": 0.8, "silkFashion": 0.5, "farming": 0.2},
    "beauty": {"beauty": 1.0, "lifestyle": 0.6, "silkFashion": 0.3},
    "home": {"lifestyle": 1.0, "beauty": 0.2, "silkFashion": 0.2},
    "souvenir": {"lifestyle": 0.8, "food": 0.4, "silkFashion": 0.3},
    OTHER: {"lifestyle": 0.5},
}

_SPACES = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")


def _pattern(keywords: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """One regex for keywords: Thai anywhere, English (ASCII) as a word (plural allowed)."""
    parts = []
    for word in sorted(keywords, key=len, reverse=True):
        if word.isascii():
            parts.append(rf"(?<![a-z0-9]){re.escape(word)}(?:e?s)?(?![a-z0-9])")
        else:
            parts.append(re.escape(word))
    return re.compile("|".join(parts))


_PHRASE_RULES = [
    (kind, _pattern([p for p, k in PHRASES.items() if k == kind]))
    for kind in dict.fromkeys(PHRASES.values())
]
_RULES = [(kind, _pattern(k.keywords)) for kind, k in KINDS.items()]


def normalise(title: str) -> str:
    """The title in NFC, case-folded, zero-width characters dropped, spaces collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", title).casefold()).strip()


@cache
def kind_of(title: str) -> str:
    """The kind of product a title names: a key of ``KINDS``, or ``"other"``."""
    text = normalise(title or "")
    for kind, rule in (*_PHRASE_RULES, *_RULES):
        if rule.search(text):
            return kind
    return OTHER


def main_kind(con: duckdb.DuckDBPyConnection) -> str | None:
    """The kind of the shop's best seller: the product (SKU, else title) with the highest
    GMV over the sold lines of ``lines``; its latest line's ``kind``, else the kind of its
    title. None when the shop has no sold line with a GMV."""
    row = con.execute(
        """
        SELECT arg_max(kind, ordered_at), arg_max(product, ordered_at)
        FROM lines
        WHERE status IS DISTINCT FROM 'cancelled' AND gross IS NOT NULL
        GROUP BY coalesce(nullif(sku, ''), product)
        ORDER BY sum(gross) DESC, coalesce(nullif(sku, ''), product)
        LIMIT 1
        """
    ).fetchone()
    if row is None:
        return None
    kind, title = row
    return kind if kind in KNOWN else kind_of(title or "")
