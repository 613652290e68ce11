"""Format detection by columns, and the message when a file is not recognised."""

from __future__ import annotations

import io

import pytest

from isanhub.ingest.sellers import FileProblem, UnknownFormat, parse
from isanhub.ingest.sellers.formats import detect

from . import KEY, LAZADA_CAMEL, LAZADA_TITLE, SHOPEE_EN, SHOPEE_TH, TIKTOK, to_csv, to_xlsx


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (SHOPEE_TH, "shopee-th"),
        (SHOPEE_EN, "shopee-en"),
        (TIKTOK, "tiktok"),
        (LAZADA_CAMEL, "lazada"),
        (LAZADA_TITLE, "lazada-legacy"),
    ],
)
def test_each_real_header_is_recognised(header: list[str], name: str) -> None:
    assert detect(header).variant.name == name
    assert detect([h.upper() for h in header]).variant.name == name  # case does not matter


def test_shipping_address_is_the_first_of_repeated_columns() -> None:
    layout = detect(SHOPEE_TH)
    assert layout.positions["province"] == SHOPEE_TH.index("จังหวัด")
    assert layout.positions["province"] < len(SHOPEE_TH) - 10


def test_older_shopee_headers() -> None:
    older = [
        "Returned quantity" if h == "จำนวนที่ส่งคืน" else h
        for h in SHOPEE_TH
        if not h.startswith("โค้ดส่วนลดชำระโดย Shopee")
    ]
    older.append("โค้ดส่วนลดชำระโดย Shopee")
    layout = detect(older)
    assert layout.variant.name == "shopee-th"
    assert {"returned_quantity", "shopee_voucher"} <= set(layout.positions)


def test_missing_columns_are_named_and_nothing_is_read() -> None:
    header = [h for h in SHOPEE_TH if h not in ("ราคาขาย", "วันที่ทำการสั่งซื้อ")]
    data = to_csv(header, [["1"] * len(header)])
    with pytest.raises(UnknownFormat) as caught:
        parse(io.BytesIO(data), key=KEY)
    exc = caught.value
    assert exc.closest.name == "shopee-th"
    assert exc.missing == ["วันที่ทำการสั่งซื้อ", "ราคาขาย"]
    message = str(exc)
    assert "ขาดคอลัมน์ วันที่ทำการสั่งซื้อ, ราคาขาย" in message
    assert "missing columns: วันที่ทำการสั่งซื้อ, ราคาขาย" in message


def test_lazada_without_seller_sku() -> None:
    header = [h for h in LAZADA_CAMEL if h != "sellerSku"]
    with pytest.raises(UnknownFormat, match="Lazada \\(camelCase\\).*sellerSku"):
        detect(header)


def test_unrelated_file_points_to_the_template() -> None:
    with pytest.raises(UnknownFormat) as caught:
        parse(io.BytesIO(to_xlsx(["a", "b"], [[1, 2]])), key=KEY)
    assert caught.value.closest.channel == "template"
    assert len(caught.value.missing) == 6


def test_empty_file_and_bad_key() -> None:
    with pytest.raises(FileProblem):
        parse(io.BytesIO(b""), key=KEY)
    with pytest.raises(ValueError, match="key"):
        parse(io.BytesIO(to_csv(TIKTOK, [])), key=b"")


def test_file_path_is_closed_after_the_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "orders.csv"
    path.write_bytes(to_csv(TIKTOK, []))
    parsed = parse(str(path), key=KEY)
    assert parsed.format == "tiktok" and list(parsed.lines) == []
