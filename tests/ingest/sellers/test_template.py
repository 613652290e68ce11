"""The seller template (Facebook, LINE, chat, market), Thai and English headers."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from isanhub.ingest.sellers import parse
from isanhub.ingest.sellers.tables import TEMPLATE_EN, TEMPLATE_TH

from . import KEY, to_csv, to_xlsx

BKK = timezone(timedelta(hours=7))
TH = [str(v) for v in TEMPLATE_TH.values()]
EN = [str(v) for v in TEMPLATE_EN.values()]


def test_thai_template_xlsx() -> None:
    rows = [
        [
            "เฟซบุ๊ก",
            "FB-001",
            "11/11/2569",
            "",
            "SILK-01",
            "ผ้าไหมมัดหมี่",
            "แดง",
            2,
            "1,500",
            100,
            50,
            60,
            "",
            "",
            "",
            "ป้าแดง",
            "081-234-5678",
            "ขอนแก่น",
            "ชนบท",
        ],
        [
            "ตลาด",
            "M-7",
            "2026-11-12 09:00",
            "ยกเลิก",
            "",
            "ผ้าขาวม้า",
            "",
            "1",
            "250",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "ไลน์",
            "L-1",
            "2026-11-12",
            "คืนสินค้า",
            "KHIT",
            "หมอนขิด",
            "",
            1,
            400,
            "",
            "",
            "",
            12,
            1,
            400,
            "Joy",
            "",
            "กรุงเทพ",
            "เขตบางรัก",
        ],
    ]
    parsed = parse(io.BytesIO(to_xlsx(TH, rows)), key=KEY)
    assert parsed.format == "template-th"
    a, b, c = list(parsed.lines)
    assert parsed.problems == []
    assert (a.channel, a.order_id, a.status, a.status_text) == (
        "facebook",
        "FB-001",
        "completed",
        "",
    )
    assert a.ordered_at == datetime(2026, 11, 11, tzinfo=BKK)  # พ.ศ. 2569
    assert (a.quantity, a.unit_price, a.gross, a.seller_discount) == (2, 1500.0, 3000.0, 100.0)
    assert (a.shipping_buyer, a.shipping_seller, a.platform_discount) == (50.0, 60.0, 0.0)
    assert a.district is not None and a.district.code == "4018"
    assert a.line_id == "facebook|FB-001|SILK-01|แดง|1"
    assert (b.channel, b.status, b.line_id) == ("market", "cancelled", "market|M-7|ผ้าขาวม้า||1")
    assert b.buyer is None
    assert (c.channel, c.status, c.returned_quantity, c.refund, c.platform_fees) == (
        "line",
        "returned",
        1,
        400.0,
        12.0,
    )
    assert c.district is not None and c.district.code == "1004"


def test_english_template_csv_and_bad_rows() -> None:
    rows = [
        [
            "chat",
            "C-1",
            "2026-11-01",
            "",
            "",
            "Sticky rice",
            "",
            3,
            20,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "instagram",
            "C-2",
            "2026-11-01",
            "",
            "",
            "x",
            "",
            1,
            1,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        ["chat", "C-3", "sometime", "", "", "x", "", 1, 1, "", "", "", "", "", "", "", "", "", ""],
        [
            "chat",
            "C-4",
            "2026-11-01",
            "",
            "",
            "x",
            "",
            "1.5",
            1,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    parsed = parse(io.BytesIO(to_csv(EN, rows, "utf-8")), key=KEY)
    assert parsed.format == "template-en"
    lines = list(parsed.lines)
    assert [x.order_id for x in lines] == ["C-1"]
    assert [p.row for p in parsed.problems] == [3, 4, 5]
    # the column as the file names it (an English file: "channel")
    assert "market" in parsed.problems[0].message and "channel = " in parsed.problems[0].message
    assert "order_date" in parsed.problems[1].message
