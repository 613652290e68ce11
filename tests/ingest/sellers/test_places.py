"""Provinces and districts to DOPA codes through geothai; unknown names give None."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from isanhub.ingest.sellers import places


@pytest.mark.parametrize(
    ("province", "district", "codes"),
    [
        ("จังหวัดขอนแก่น", "อำเภอชนบท", ("40", "4018")),
        ("ขอนแก่น", "อ.ชนบท", ("40", "4018")),
        ("Khon Kaen", "Chonnabot", ("40", "4018")),
        ("KHON KAEN", "อ.เมือง", ("40", "4001")),
        ("จ.ขอนแก่น", "Mueang Khon Kaen", ("40", "4001")),
        ("กรุงเทพมหานคร", "เขตบางรัก", ("10", "1004")),
        ("กทม.", "Bang Rak", ("10", "1004")),
        ("Nakhon Ratchasima/ นครราชสีมา", "Pak Chong/ ปากช่อง", ("30", "3021")),
        ("ขอนแก่น", "ไม่มีอำเภอนี้", ("40", None)),
        ("Atlantis", "ชนบท", (None, None)),
        ("", "", (None, None)),
    ],
)
def test_locate(province: str, district: str, codes: tuple[str | None, str | None]) -> None:
    p, d = places.locate([province], [district])
    assert (p.code if p else None, d.code if d else None) == codes


def test_names_in_both_languages() -> None:
    p, d = places.locate(["จังหวัดขอนแก่น"], ["อำเภอชนบท"])
    assert p is not None and (p.name_th, p.name_en) == ("ขอนแก่น", "Khon Kaen")
    assert d is not None and (d.name_th, d.name_en) == ("ชนบท", "Chonnabot")


def test_later_candidates_are_tried() -> None:
    p, d = places.locate(["", "ขอนแก่น"], ["Nai Mueang", "ชนบท"])
    assert (p and p.code, d and d.code) == ("40", "4018")


@given(st.text(max_size=30), st.text(max_size=30))
def test_never_raises(province: str, district: str) -> None:
    places.locate([province], [district])
