"""No buyer name, phone or address in parsed output; keyed, stable pseudonyms."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from isanhub.ingest.sellers import parse
from isanhub.ingest.sellers.pseudonym import phone_key, pseudonym

from . import KEY, SHOPEE_TH, row, to_csv

SECRETS = ("สมศรี มีสุข", "0898765432", "898765432", "77/7 ซอยลับ", "somsri_k", "ซอยลับ")


def _file() -> bytes:
    values = {
        "หมายเลขคำสั่งซื้อ": "1",
        "สถานะการสั่งซื้อ": "สำเร็จแล้ว",
        "ชื่อผู้ใช้ (ผู้ซื้อ)": "somsri_k",
        "วันที่ทำการสั่งซื้อ": "2026-11-11 10:00",
        "ชื่อสินค้า": "ผ้าไหม",
        "เลขอ้างอิง SKU (SKU Reference No.)": "S1",
        "ชื่อตัวเลือก": "",
        "ราคาขาย": "100",
        "จำนวน": "1",
        "ชื่อผู้รับ": "สมศรี มีสุข",
        "หมายเลขโทรศัพท์": "0898765432",
        "ที่อยู่ในการจัดส่ง": "77/7 ซอยลับ",
        "จังหวัด": "ขอนแก่น",
        "เขต/อำเภอ": "เมืองขอนแก่น",
        ("จังหวัด", 2): "ขอนแก่น",
    }
    return to_csv(SHOPEE_TH, [row(SHOPEE_TH, values)])


def test_no_raw_buyer_data_in_output() -> None:
    parsed = parse(io.BytesIO(_file()), key=KEY)
    lines = list(parsed.lines)
    text = repr(lines) + repr(parsed)
    for secret in SECRETS:
        assert secret not in text
    assert lines[0].buyer is not None and lines[0].district is not None


def test_pseudonym_keyed_and_stable() -> None:
    one = list(parse(io.BytesIO(_file()), key=KEY).lines)[0].buyer
    again = list(parse(io.BytesIO(_file()), key=KEY).lines)[0].buyer
    other = list(parse(io.BytesIO(_file()), key=b"another key").lines)[0].buyer
    assert one == again
    assert one != other


def test_name_and_phone_identity() -> None:
    a = pseudonym(KEY, name="  Somsri   MEESUK ", phone="089-876-5432")
    b = pseudonym(KEY, name="somsri meesuk", phone="+66898765432")
    assert a == b and a is not None and len(a) == 16
    assert pseudonym(KEY) is None
    assert pseudonym(KEY, username="x", channel="shopee") != pseudonym(
        KEY, username="x", channel="tiktok"
    )


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[0] != "0"))
def test_phone_forms_agree(rest: str) -> None:
    local = "0" + rest
    assert phone_key(local) == phone_key(f"+66 {rest}") == phone_key(f"{rest}.0") == local
