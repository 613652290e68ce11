"""Seller files into the lake: whole or nothing, dedupe, duplicates, privacy."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.sellers import LAZADA_CAMEL, SHOPEE_EN, SHOPEE_TH, TIKTOK, row, to_csv, to_xlsx
from isanhub.insight.commerce.imports import DUPLICATE, IMPORTED, REJECTED, import_file
from isanhub.insight.commerce.lake import BadName, Lake

TEMPLATE = [
    "channel", "order_id", "order_date", "status", "sku", "product", "variation", "quantity",
    "unit_price", "discount", "shipping_paid_by_buyer", "shipping_cost", "fees",
    "returned_quantity", "refund", "customer", "phone", "province", "district",
]  # fmt: skip


def template_row(order: str, **given: Any) -> list[Any]:
    values = {
        "channel": "facebook",
        "order_id": order,
        "order_date": "2026-11-11 20:15",
        "sku": "SILK-01",
        "product": "ผ้าไหมมัดหมี่",
        "quantity": 1,
        "unit_price": "1,250",
        "customer": "สมหญิง ทองดี",
        "phone": "081-234-5678",
        "province": "ขอนแก่น",
        "district": "ชนบท",
    }
    values.update(given)
    return row(TEMPLATE, values)


def shopee_row(order: str, status: str = "สำเร็จแล้ว", **given: Any) -> list[Any]:
    values = {
        "หมายเลขคำสั่งซื้อ": order,
        "สถานะการสั่งซื้อ": status,
        "ชื่อผู้ใช้ (ผู้ซื้อ)": "somchai.silk",
        "วันที่ทำการสั่งซื้อ": "2026-11-11 00:05",
        "ชื่อสินค้า": "ผ้าไหมมัดหมี่ลายนาค",
        "เลขอ้างอิง SKU (SKU Reference No.)": "SILK-01",
        "ชื่อตัวเลือก": "สีแดง",
        "ราคาขาย": "1,250.00",
        "จำนวน": 2,
        "ค่าคอมมิชชั่น": "64.20",
        "Transaction Fee": "32.10",
        "ชื่อผู้รับ": "สมชาย ใจดี",
        "หมายเลขโทรศัพท์": "0812345678",
        "ที่อยู่ในการจัดส่ง": "99/1 หมู่ 3 ถนนมิตรภาพ",
        ("จังหวัด", 1): "จังหวัดขอนแก่น",
        ("เขต/อำเภอ", 1): "อำเภอชนบท",
    }
    values.update(given)
    return row(SHOPEE_TH, values)


def lines_of(lake: Lake, tenant: str = "t1", shop: str = "shop1") -> list[tuple[Any, ...]]:
    con = lake.connect(tenant, shop)
    return con.execute(
        "SELECT line_id, status, quantity, gross FROM lines ORDER BY line_id"
    ).fetchall()


def load(lake: Lake, data: bytes, name: str, **kw: Any) -> Any:
    return import_file(lake, "t1", "shop1", io.BytesIO(data), name, **kw)


def test_files_of_several_channels_join_one_shop(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    shopee = to_xlsx(SHOPEE_TH, [shopee_row("A1"), shopee_row("A2", "ยกเลิกแล้ว")])
    tiktok = to_csv(
        TIKTOK,
        [
            row(
                TIKTOK,
                {
                    "Order ID": "T1",
                    "Order Status": "Completed",
                    "Seller SKU": "SILK-01",
                    "Product Name": "ผ้าไหม",
                    "Quantity": 3,
                    "SKU Unit Original Price": "900",
                    "Created Time": "11/11/2026 20:00:00",
                },
            )
        ],
    )
    first = load(lake, shopee, "Order.all.xlsx")
    second = load(lake, tiktok, "tiktok.csv")
    assert (first.status, first.format, first.lines) == (IMPORTED, "shopee-th", 2)
    assert (second.status, second.format, second.merge.total) == (IMPORTED, "tiktok", 3)
    got = {(r[0].split("|")[0], r[1], r[2], r[3]) for r in lines_of(lake)}
    assert got == {
        ("shopee", "completed", 2, 2500.0),
        ("shopee", "cancelled", 2, 2500.0),
        ("tiktok", "completed", 3, 2700.0),
    }


def test_overlapping_export_updates_and_adds_without_duplicates(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    load(lake, to_csv(TEMPLATE, [template_row("F1"), template_row("F2")]), "nov-a.csv")
    later = to_csv(
        TEMPLATE,
        [template_row("F2", status="ยกเลิก"), template_row("F3"), template_row("F1")],
    )
    result = load(lake, later, "nov-b.csv")
    assert result.status == IMPORTED
    assert (result.merge.new, result.merge.updated, result.merge.unchanged) == (1, 1, 1)
    statuses = {r[0].split("|")[1]: r[1] for r in lines_of(lake)}
    assert statuses == {"F1": "completed", "F2": "cancelled", "F3": "completed"}
    assert [r["file"] for r in lake.imports("t1", "shop1")] == ["nov-a.csv", "nov-b.csv"]


def test_the_same_file_twice_changes_nothing_and_says_so(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    data = to_csv(TEMPLATE, [template_row("F1")])
    assert load(lake, data, "a.csv").status == IMPORTED
    parquet = tmp_path / "t1" / "shop1" / "lines.parquet"
    before = (parquet.read_bytes(), parquet.stat().st_mtime_ns)
    again = load(lake, data, "renamed.csv")
    assert again.status == DUPLICATE
    assert "already imported" in again.message and "นำเข้าแล้ว" in again.message
    assert (parquet.read_bytes(), parquet.stat().st_mtime_ns) == before
    assert len(lake.imports("t1", "shop1")) == 1


def test_an_unknown_file_names_the_missing_columns_and_writes_nothing(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    header = [h for h in TEMPLATE if h not in ("unit_price", "quantity")]
    result = load(lake, to_csv(header, [["facebook"] + [""] * (len(header) - 1)]), "x.csv")
    assert result.status == REJECTED
    assert "unit_price" in result.message and "quantity" in result.message
    assert "ไม่รู้จักรูปแบบไฟล์" in result.message
    assert not (tmp_path / "t1" / "shop1" / "lines.parquet").exists()
    assert lake.imports("t1", "shop1") == []


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02\xff\xfe garbage \x00" * 50, b"PK\x03\x04 not really a workbook"],
    ids=["binary", "broken-xlsx"],
)
def test_an_unreadable_file_is_rejected_with_a_message(tmp_path: Path, data: bytes) -> None:
    lake = Lake(tmp_path)
    load(lake, to_csv(TEMPLATE, [template_row("F1")]), "good.csv")
    before = lines_of(lake)
    result = load(lake, data, "orders.xlsx")
    assert result.status == REJECTED and result.message
    assert lines_of(lake) == before


def test_a_file_with_bad_rows_is_rejected_whole_unless_asked(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    data = to_csv(TEMPLATE, [template_row("F1"), template_row("F2", unit_price="ห้าร้อย")])
    result = load(lake, data, "bad.csv")
    assert result.status == REJECTED
    assert result.problems and "row 3" in result.problems[0]
    assert "nothing from this file was saved" in result.message
    assert not (tmp_path / "t1" / "shop1" / "lines.parquet").exists()
    kept = load(lake, data, "bad.csv", keep_good_rows=True)
    assert kept.status == IMPORTED and kept.lines == 1 and len(kept.problems) == 1


def test_no_buyer_name_phone_or_address_reaches_the_lake(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    load(lake, to_xlsx(SHOPEE_TH, [shopee_row("A1")]), "o.xlsx")
    load(lake, to_csv(TEMPLATE, [template_row("F1")]), "f.csv")
    raw = (tmp_path / "t1" / "shop1" / "lines.parquet").read_bytes()
    table = duckdb.sql(f"SELECT * FROM read_parquet('{tmp_path}/t1/shop1/lines.parquet')")
    cells = " ".join(str(v) for r in table.fetchall() for v in r)
    for secret in ("สมชาย", "ใจดี", "สมหญิง", "0812345678", "081-234-5678", "มิตรภาพ", "99/1"):
        assert secret not in cells
        assert secret.encode() not in raw
    buyers = duckdb.sql(
        f"SELECT DISTINCT buyer FROM read_parquet('{tmp_path}/t1/shop1/lines.parquet')"
    ).fetchall()
    assert all(b[0] and len(b[0]) == 16 for b in buyers)
    assert (tmp_path / "t1" / "key").stat().st_mode & 0o777 == 0o600


def test_pseudonyms_are_stable_across_imports_and_differ_between_tenants(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    data = to_csv(TEMPLATE, [template_row("F1")])
    import_file(lake, "t1", "a", io.BytesIO(data), "f.csv")
    import_file(lake, "t1", "b", io.BytesIO(data), "f.csv")
    import_file(lake, "t2", "a", io.BytesIO(data), "f.csv")

    def buyer(tenant: str, shop: str) -> str:
        return str(lake.connect(tenant, shop).execute("SELECT buyer FROM lines").fetchone()[0])

    assert buyer("t1", "a") == buyer("t1", "b") != buyer("t2", "a")


@pytest.mark.parametrize("name", ["../x", "a/b", "", ".hidden", "x" * 65, "a b"])
def test_shop_names_cannot_escape_the_lake(tmp_path: Path, name: str) -> None:
    with pytest.raises(BadName):
        Lake(tmp_path).shop_dir("t1", name)


def test_market_view_spans_every_shop_of_every_tenant(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    for tenant, shop in (("t1", "a"), ("t1", "b"), ("", "c")):
        import_file(lake, tenant, shop, io.BytesIO(to_csv(TEMPLATE, [template_row("F1")])), "f")
    con = lake.connect("t1", "a")
    assert con.execute("SELECT count(*) FROM lines").fetchone() == (1,)
    shops = con.execute("SELECT DISTINCT tenant, shop FROM market ORDER BY 1, 2").fetchall()
    assert shops == [("", "c"), ("t1", "a"), ("t1", "b")]
    assert lake.shops() == [("", "c"), ("t1", "a"), ("t1", "b")]


def lazada_unit(item: int, order: str, status: str = "delivered") -> list[Any]:
    return row(
        LAZADA_CAMEL,
        {
            "orderItemId": item,
            "orderNumber": order,
            "sellerSku": "PLARA-S",
            "createTime": "11 Nov 2026 09:30",
            "shippingName": "มาลี ศรีสุข",
            "shippingPhone": 812345678.0,
            "shippingCity": "Chonnabot/ ชนบท",
            "shippingRegion": "Khon Kaen/ ขอนแก่น",
            "unitPrice": "350.00",
            "itemName": "ปลาร้าบอง",
            "status": status,
        },
    )


def test_lazada_units_and_windows_874_shopee_become_lines(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    units = [
        lazada_unit(1, "300111"),
        lazada_unit(2, "300111"),
        lazada_unit(3, "300222", "canceled"),
    ]
    assert load(lake, to_csv(LAZADA_CAMEL, units), "lazada.csv").lines == 2
    english = [
        row(
            SHOPEE_EN,
            {"Order ID": "S9", "Order Status": "Completed", "Order Creation Date": "2026-11-12 10:00",
             "Product Name": "ผ้าไหมแพรวา", "SKU Reference No.": "PRAEWA", "Variation Name": "",
             "Deal Price": "2,900", "Quantity": 1, "Province": "ขอนแก่น", "District": "ชนบท"},
        )
    ]  # fmt: skip
    result = load(lake, to_csv(SHOPEE_EN, english, encoding="cp874"), "shopee.csv")
    assert (result.status, result.format) == (IMPORTED, "shopee-en")
    con = lake.connect("t1", "shop1")
    got = con.execute(
        "SELECT channel, status, quantity, gross, product, kind, district_th FROM lines ORDER BY 1, 2"
    ).fetchall()
    assert got == [
        ("lazada", "cancelled", 1, 350.0, "ปลาร้าบอง", "food", "ชนบท"),
        ("lazada", "completed", 2, 700.0, "ปลาร้าบอง", "food", "ชนบท"),
        ("shopee", "completed", 1, 2900.0, "ผ้าไหมแพรวา", "silk", "ชนบท"),
    ]


@pytest.mark.parametrize(
    "data", [b"channel,order_id\n\xdb\xdc\xdd\xde\n", b""], ids=["not-thai-text", "empty"]
)
def test_broken_encoding_is_explained_in_thai_and_english(tmp_path: Path, data: bytes) -> None:
    result = load(Lake(tmp_path), data, "orders.csv")
    assert result.status == REJECTED
    assert "อ่านไฟล์ไม่ได้" in result.message and "cannot be read" in result.message
    assert "mapping" not in result.message
    assert not (tmp_path / "t1" / "shop1" / "lines.parquet").exists()


def test_a_large_shopee_csv_takes_the_fast_path_to_the_same_lake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import isanhub.insight.commerce.imports as imports

    rows = [shopee_row(f"A{n // 2}", "ยกเลิกแล้ว" if n % 7 == 0 else "สำเร็จแล้ว",
                       **{"เลขอ้างอิง SKU (SKU Reference No.)": f"S{n % 5}"})
            for n in range(400)]  # fmt: skip
    data = to_csv(SHOPEE_TH, rows)
    lake = Lake(tmp_path)
    used = []
    real = imports.parse_fast

    def spy(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        used.append(found is not None)
        return found

    monkeypatch.setattr(imports, "parse_fast", spy)
    fast_result = import_file(lake, "t1", "fast", io.BytesIO(data), "o.csv")
    monkeypatch.setattr(imports, "parse_fast", lambda *a, **k: None)
    row_result = import_file(lake, "t1", "rows", io.BytesIO(data), "o.csv")
    assert used == [True]
    assert (fast_result.lines, fast_result.first_day) == (row_result.lines, row_result.first_day)

    def table(shop: str) -> list[tuple[Any, ...]]:
        con = lake.connect("t1", shop)
        return con.execute(
            "SELECT * EXCLUDE (shop, imported_at) FROM lines ORDER BY line_id"
        ).fetchall()

    assert table("fast") == table("rows") and len(table("fast")) == 400


def test_a_quantity_beyond_the_lake_is_refused_clearly(tmp_path: Path) -> None:
    data = to_csv(TEMPLATE, [template_row("F1", quantity="3,000,000,000")])
    result = load(Lake(tmp_path), data, "big.csv")
    assert result.status == REJECTED and "too large" in result.message
    assert not (tmp_path / "t1" / "shop1" / "lines.parquet").exists()


@pytest.mark.parametrize(
    "tenant", ["city", "urn:ngsi-ld:tenant/khonkaen", "_default", ".", "..", "a.b_c-d", "ขอนแก่น"]
)
def test_any_tenant_name_gets_its_own_folder_and_comes_back(tmp_path: Path, tenant: str) -> None:
    lake = Lake(tmp_path)
    import_file(lake, tenant, "s1", io.BytesIO(to_csv(TEMPLATE, [template_row("F1")])), "f.csv")
    folder = lake.tenant_dir(tenant)
    assert folder.parent == tmp_path and folder.name not in (".", "..", "_default")
    assert lake.shops() == [(tenant, "s1")]
