"""The kind of product from a title: the demo catalogue's titles in Thai and English,
compound names that would mislead a naive rule, English words kept whole, and (property
based) any text at all gives a known kind, whatever spaces or case surround it."""

from __future__ import annotations

import csv
import time
from datetime import datetime
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isanhub.insight.commerce.kinds import FIT, KINDS, KNOWN, OTHER, PHRASES, kind_of, main_kind

from . import connect, line

#: demo categories that are not kinds of product (OTOP is a label), or titles whose
#: category is the shop's, not the product's
EXPECTED = {
    "ชาใบหม่อน": "coffee",
    "สบู่รังไหม": "beauty",
    "ผ้าฝ้ายย้อมคราม": "crafts",
    "น้ำพริกปลาร้า": "food",
    "เสื้อลายชิโนโปรตุกีส": "fashion",
}


def _catalogue() -> list[dict[str, str]]:
    text = resources.files("isanhub.demo").joinpath("data/economy-products.csv")
    with text.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("row", _catalogue(), ids=lambda r: r["name_en"])
def test_demo_titles_get_their_category(row: dict[str, str]) -> None:
    want = EXPECTED.get(row["name_th"], row["category"])
    assert kind_of(row["name_th"]) == want
    assert kind_of(row["name_en"]) == want
    assert kind_of(f"{row['name_th']} {row['name_en']} ส่งฟรี ของแท้") == want


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("กระติบข้าวเหนียว ไม้ไผ่", "crafts"),  # a basket, not sticky rice
        ("ข้าวเหนียว กข6 5 กก.", "agri"),  # raw rice
        ("ข้าวเหนียวมะม่วง", "food"),  # a dessert, not a mango
        ("ข้าวเหนียวนึ่ง พร้อมทาน", "food"),
        ("ผ้าไหมสีครีม", "silk"),  # the colour cream, not a cream
        ("ปลาร้าบอง แม่บุญ 200 g", "food"),
        ("แจ่วบอง", "food"),
        ("ขนมกง", "food"),
        ("Mango sticky rice", "food"),
        ("Slippers", OTHER),  # "lip" only as a word
        ("Teak table", OTHER),  # "tea" only as a word
        ("Tulip", OTHER),  # nor "lip" at a word's end
        ("SILK SCARF", "silk"),
        ("Hand-woven baskets", "crafts"),  # plural
        ("โคมไฟ จักสาน", "crafts"),  # crafts before home
        ("", OTHER),
        ("   ", OTHER),
        ("xyz 123", OTHER),
    ],
)
def test_rules(title: str, kind: str) -> None:
    assert kind_of(title) == kind


def test_tables_are_consistent() -> None:
    assert set(PHRASES.values()) <= set(KINDS)
    assert set(FIT) == KNOWN
    assert all(0 <= f <= 1 for fits in FIT.values() for f in fits.values())
    for kind, k in KINDS.items():
        assert k.th and k.en and k.keywords, kind
        assert all(w == w.casefold().strip() for w in k.keywords), kind


_WORDS = [w for k in KINDS.values() for w in k.keywords] + list(PHRASES)
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789ABCXYZ กขคไหมผ้าข้าวเหนียว-()"
_PIECE = st.one_of(st.sampled_from(_WORDS), st.text(alphabet=_ALPHABET, max_size=8))
_TITLES = st.lists(_PIECE, max_size=6).map(" ".join)
_SPACE = st.text(alphabet=" \t\n\u00a0\u3000\u200b", max_size=4)


@given(st.text())
def test_any_text_gives_a_known_kind(title: str) -> None:
    assert kind_of(title) in KNOWN


@given(_TITLES, _SPACE, _SPACE)
def test_stable_under_whitespace_and_case(title: str, before: str, after: str) -> None:
    kind = kind_of(title)
    assert kind in KNOWN
    assert kind_of(before + title + after) == kind
    assert kind_of(title.upper()) == kind
    assert kind_of(title.lower()) == kind
    assert kind_of(title.replace(" ", "  ")) == kind


def test_fast() -> None:
    titles = [f"{r['name_th']} {n} {r['name_en']}" for r in _catalogue() for n in range(50)]
    start = time.perf_counter()
    for t in titles:
        kind_of.__wrapped__(t)
    assert (time.perf_counter() - start) / len(titles) < 0.001  # < 1 ms a title


def test_main_kind_is_the_kind_of_the_best_seller_by_gmv() -> None:
    lines = [
        line(order_id="a", sku="S", kind="silk", unit_price=1000.0),
        line(order_id="b", sku="F", product="ปลาร้าบอง", kind="food", unit_price=300.0),
        line(order_id="c", sku="F", product="ปลาร้าบอง", kind="food", unit_price=800.0),
        # a cancelled order is no sale
        line(order_id="d", sku="R", product="ข้าวหอมมะลิ", kind="agri", unit_price=5000.0,
             status="cancelled"),
    ]  # fmt: skip
    assert main_kind(connect(lines)) == "food"  # 1100 > 1000
    assert main_kind(connect(lines[:1])) == "silk"
    assert main_kind(connect([])) is None
    # no kind stored: the title decides
    assert main_kind(connect([line(kind=None, product="Doi arabica coffee")])) == "coffee"
    # the latest line's kind
    late = line(order_id="e", kind="fashion", ordered_at=datetime(2026, 11, 12))
    assert main_kind(connect([line(), late])) == "fashion"
