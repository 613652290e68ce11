"""buyers(): places and repeat buyers against plain Python."""

from __future__ import annotations

from typing import Any

from isanhub.insight.commerce.buyers import buyers

from . import connect, line


def reference(lines: list[dict[str, Any]]) -> dict[str, Any]:
    orders: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for x in lines:
        orders.setdefault((x["channel"], x["order_id"]), []).append(x)
    sold = {k: xs for k, xs in orders.items() if any(x["status"] != "cancelled" for x in xs)}

    def first(xs: list[dict[str, Any]], field: str) -> str | None:
        values = [x[field] for x in xs if x[field]]
        return min(values) if values else None

    def name(code_field: str, code: str, field: str) -> str:
        return min(x[field] for x in lines if x[code_field] == code)

    prov: dict[str, list[float]] = {}
    dist: dict[str, int] = {}
    per_buyer: dict[str, int] = {}
    unknown = 0
    for xs in sold.values():
        gmv = sum(x["gross"] or 0 for x in xs if x["status"] != "cancelled")
        p, d, b = first(xs, "province_code"), first(xs, "district_code"), first(xs, "buyer")
        if p is None:
            unknown += 1
        else:
            prov.setdefault(p, [0, 0.0])
            prov[p][0] += 1
            prov[p][1] += gmv
        if d is not None:
            dist[d] = dist.get(d, 0) + 1
        if b is not None:
            per_buyer[b] = per_buyer.get(b, 0) + 1
    provinces = [
        {
            "code": p,
            "nameTh": name("province_code", p, "province_th"),
            "nameEn": name("province_code", p, "province_en"),
            "orders": n,
            "gmv": round(g, 2),
            "isan": 30 <= int(p) <= 49,
        }
        for p, (n, g) in sorted(prov.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ]
    districts = [
        {
            "code": d,
            "nameTh": name("district_code", d, "district_th"),
            "nameEn": name("district_code", d, "district_en"),
            "provinceTh": name("district_code", d, "province_th"),
            "orders": n,
        }
        for d, n in sorted(dist.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    ]
    known = sum(p["orders"] for p in provinces)
    isan = sum(p["orders"] for p in provinces if p["isan"])
    repeat = sum(1 for n in per_buyer.values() if n >= 2)
    return {
        "provinces": provinces,
        "districts": districts,
        "isanShare": round(isan / known, 4) if known else None,
        "unknownPlace": unknown,
        "buyers": len(per_buyer),
        "repeatBuyers": repeat,
        "repeatRate": round(repeat / len(per_buyer), 4) if per_buyer else None,
    }


BKK = {
    "province_code": "10",
    "province_th": "กรุงเทพมหานคร",
    "province_en": "Bangkok",
    "district_code": "1001",
    "district_th": "พระนคร",
    "district_en": "Phra Nakhon",
}
UBON = {
    "province_code": "34",
    "province_th": "อุบลราชธานี",
    "province_en": "Ubon Ratchathani",
    "district_code": "3401",
    "district_th": "เมืองอุบลราชธานี",
    "district_en": "Mueang Ubon",
}
NOWHERE = {"province_code": None, "district_code": None}


def shop_lines() -> list[dict[str, Any]]:
    return [
        # Khon Kaen (the default place): b1 twice, once as a two-line order
        line(order_id="k1", line_id="k1a", unit_price=150.0),
        line(order_id="k1", line_id="k1b", unit_price=50.0, order_level=False),
        line(channel="lazada", order_id="k1", line_id="k1c"),  # another order: other channel
        line(order_id="k2", status="cancelled", buyer="b9"),  # cancelled only: not counted
        line(order_id="b1", buyer="b2", **BKK),
        line(order_id="b2", buyer="b2", status="returned", **BKK),
        line(order_id="b3", buyer="b3", unit_price=400.0, **BKK),
        line(order_id="u1", buyer="b4", **UBON),
        line(order_id="n1", buyer=None, **NOWHERE),
        line(order_id="n2", buyer="", **NOWHERE),
    ]


def test_buyers_every_field() -> None:
    lines = shop_lines()
    got = buyers(connect(lines))
    assert got == reference(lines)
    assert got["provinces"] == [
        {
            "code": "10",
            "nameTh": "กรุงเทพมหานคร",
            "nameEn": "Bangkok",
            "orders": 3,
            "gmv": 600.0,
            "isan": False,
        },
        {
            "code": "40",
            "nameTh": "ขอนแก่น",
            "nameEn": "Khon Kaen",
            "orders": 2,
            "gmv": 300.0,
            "isan": True,
        },
        {
            "code": "34",
            "nameTh": "อุบลราชธานี",
            "nameEn": "Ubon Ratchathani",
            "orders": 1,
            "gmv": 100.0,
            "isan": True,
        },
    ]
    assert [d["code"] for d in got["districts"]] == ["1001", "4004", "3401"]
    assert got["districts"][1] == {
        "code": "4004",
        "nameTh": "ชนบท",
        "nameEn": "Chonnabot",
        "provinceTh": "ขอนแก่น",
        "orders": 2,
    }
    assert got["isanShare"] == 0.5
    assert got["unknownPlace"] == 2
    assert (got["buyers"], got["repeatBuyers"], got["repeatRate"]) == (4, 2, 0.5)


def test_ties_and_district_limit() -> None:
    lines = [
        line(
            order_id=f"o{i}", buyer=f"b{i}", province_code=str(30 + i), district_code=f"{30 + i}01"
        )
        for i in range(25)
    ]
    got = buyers(connect(lines))
    assert got == reference(lines)
    assert [p["code"] for p in got["provinces"]][:3] == ["30", "31", "32"]
    assert len(got["districts"]) == 20 and got["districts"][-1]["code"] == "4901"
    assert got["isanShare"] == 0.8 and got["repeatRate"] == 0.0


def test_empty_and_cancelled_only() -> None:
    empty = {
        "provinces": [],
        "districts": [],
        "isanShare": None,
        "unknownPlace": 0,
        "buyers": 0,
        "repeatBuyers": 0,
        "repeatRate": None,
    }
    assert buyers(connect([])) == empty
    assert buyers(connect([line(status="cancelled")])) == empty
    nobody = buyers(connect([line(buyer=None, **NOWHERE)]))
    assert nobody == {**empty, "unknownPlace": 1}
