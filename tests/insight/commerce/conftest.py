"""A complete sample seller report following docs/seller-report.md, and an empty one.

Written by hand (not computed) so that the renderers' tests do not depend on the
insight modules, and so that each figure an advice sentence quotes is known here.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest

HOSTILE = '<script>alert("x")</script> ผ้าไหม & "ฝ้าย"'


def _channel(channel: str, orders: int, gmv: float, net: float, **extra: Any) -> dict[str, Any]:
    row = {
        "channel": channel,
        "orders": orders,
        "cancelledOrders": 2,
        "units": orders * 2,
        "gmv": gmv,
        "aov": round(gmv / orders, 2),
        "cancellationRate": 0.04,
        "returnRate": 0.02,
        "platformFees": round(gmv - net - 100, 2),
        "sellerDiscounts": 50.0,
        "shippingSeller": 30.0,
        "refunds": 20.0,
        "netRevenue": net,
        "netPerBaht": round(net / gmv, 4),
        "feesKnown": True,
    }
    row.update(extra)
    return row


def _heatmap() -> list[list[int]]:
    grid = [[0] * 24 for _ in range(7)]
    for d in range(7):
        for h in range(8, 23):
            grid[d][h] = (d + 1) * (h % 5)
    grid[4][20] = 41  # Friday 20:00, the busiest
    grid[5][19] = 37
    grid[6][20] = 33
    return grid


def _weeks(start: date, n: int) -> list[str]:
    return [(start + timedelta(weeks=i)).isoformat() for i in range(n)]


def _series(sku: str, product: str, channel: str, shown: str) -> dict[str, Any]:
    hist = _weeks(date(2026, 5, 18), 26)
    fut = _weeks(date(2026, 11, 16), 8)
    return {
        "sku": sku,
        "product": product,
        "channel": channel,
        "history": [{"weekStart": w, "units": 10 + (i % 4) * 2} for i, w in enumerate(hist)],
        "method": "ets" if shown == "model" else "seasonal-naive",
        "backtest": {
            "weeks": 8,
            "maeModel": 2.0 if shown == "model" else 4.0,
            "maeNaive": 3.0,
            "skill": 0.3333 if shown == "model" else -0.3333,
        },
        "shown": shown,
        "forecast": [{"weekStart": w, "units": 14.0, "low": 10.0, "high": 18.0} for w in fut],
    }


def sample_report() -> dict[str, Any]:
    return {
        "shop": {"tenant": "khonkaen", "id": "baan-mai-silk", "name": "บ้านไหมไทย ขอนแก่น"},
        "asOf": "2026-11-15",
        "period": {"from": "2025-11-01", "to": "2026-11-15"},
        "lang": "th",
        "lines": 4321,
        "currency": "THB",
        "channels": {
            "rows": [
                _channel("shopee", 420, 120000.0, 98800.0),
                _channel("tiktok", 310, 90000.0, 63900.0),
                _channel("line", 9, 3000.0, 2950.0, feesKnown=False),
                _channel("lazada", 8, 4000.0, 2500.0),
            ],
            "best": "shopee",
        },
        "products": {
            "ranking": {
                "shopee": [
                    {
                        "sku": "S1",
                        "product": "ผ้าไหมมัดหมี่ ลายนาคสีแดง",
                        "units": 120,
                        "gmv": 60000.0,
                        "orders": 110,
                    },
                    {"sku": "S2", "product": HOSTILE, "units": 40, "gmv": 8000.0, "orders": 38},
                ],
                "tiktok": [
                    {
                        "sku": "S3",
                        "product": "ผ้าขาวม้าทอมือ",
                        "units": 90,
                        "gmv": 13500.0,
                        "orders": 80,
                    },
                ],
            },
            "rising": [
                {
                    "sku": "S3",
                    "product": "ผ้าขาวม้าทอมือ",
                    "unitsRecent": 30,
                    "unitsBefore": 12,
                    "change": 1.5,
                },
                {
                    "sku": "S4",
                    "product": "กระเป๋าผ้าไหม",
                    "unitsRecent": 9,
                    "unitsBefore": 0,
                    "change": None,
                },
            ],
            "falling": [
                {
                    "sku": "S5",
                    "product": "ผ้าพันคอฝ้าย",
                    "unitsRecent": 6,
                    "unitsBefore": 10,
                    "change": -0.4,
                },
            ],
            "missing": [
                {
                    "sku": "S1",
                    "product": "ผ้าไหมมัดหมี่ ลายนาคสีแดง",
                    "soldOn": ["shopee"],
                    "missingOn": ["lazada"],
                    "units": 25,
                },
            ],
        },
        "time": {
            "heatmap": _heatmap(),
            "bestSlots": [
                {"weekday": 4, "hour": 20, "orders": 41},
                {"weekday": 5, "hour": 19, "orders": 37},
                {"weekday": 6, "hour": 20, "orders": 33},
                {"weekday": 6, "hour": 19, "orders": 28},
                {"weekday": 5, "hour": 20, "orders": 28},
            ],
            "campaigns": [
                {
                    "day": "2026-09-09",
                    "name": "9.9",
                    "orders": 12,
                    "gmv": 3000.0,
                    "baselineGmv": 3100.0,
                    "lift": 0.97,
                },
                {
                    "day": "2026-11-11",
                    "name": "11.11",
                    "orders": 60,
                    "gmv": 18400.0,
                    "baselineGmv": 5750.0,
                    "lift": 3.2,
                },
            ],
            "payday": {"gmvPerDay": 900.0, "otherGmvPerDay": 700.0, "lift": 1.2857},
        },
        "buyers": {
            "provinces": [
                {
                    "code": "40",
                    "nameTh": "ขอนแก่น",
                    "nameEn": "Khon Kaen",
                    "orders": 300,
                    "gmv": 80000.0,
                    "isan": True,
                },
                {
                    "code": "10",
                    "nameTh": "กรุงเทพมหานคร",
                    "nameEn": "Bangkok",
                    "orders": 200,
                    "gmv": 70000.0,
                    "isan": False,
                },
                {
                    "code": "41",
                    "nameTh": "อุดรธานี",
                    "nameEn": "Udon Thani",
                    "orders": 90,
                    "gmv": 20000.0,
                    "isan": True,
                },
            ],
            "districts": [
                {
                    "code": "4001",
                    "nameTh": "เมืองขอนแก่น",
                    "nameEn": "Mueang Khon Kaen",
                    "provinceTh": "ขอนแก่น",
                    "orders": 150,
                },
            ],
            "isanShare": 0.661,
            "unknownPlace": 12,
            "buyers": 640,
            "repeatBuyers": 96,
            "repeatRate": 0.15,
        },
        "price": {
            "minSellers": 5,
            "rows": [
                {
                    "sku": "S1",
                    "product": "ผ้าไหมมัดหมี่ ลายนาคสีแดง",
                    "kind": "silk",
                    "price": 450.0,
                    "market": {
                        "scope": "province",
                        "sellers": 7,
                        "median": 650.0,
                        "p25": 520.0,
                        "p75": 800.0,
                    },
                    "position": "below",
                },
                {
                    "sku": "S3",
                    "product": "ผ้าขาวม้าทอมือ",
                    "kind": "fashion",
                    "price": 150.0,
                    "market": {
                        "scope": "platform",
                        "sellers": 12,
                        "median": 140.0,
                        "p25": 120.0,
                        "p75": 160.0,
                    },
                    "position": "within",
                },
                {
                    "sku": "S2",
                    "product": HOSTILE,
                    "kind": "crafts",
                    "price": 200.0,
                    "market": None,
                    "position": None,
                },
            ],
        },
        "outlook": {
            "horizonWeeks": 8,
            "series": [
                _series("S1", "ผ้าไหมมัดหมี่ ลายนาคสีแดง", "shopee", "model"),
                _series("S3", "ผ้าขาวม้าทอมือ", "tiktok", "naive"),
            ],
        },
        "words": {
            "best": [
                {"word": "ผ้าไหม", "count": 12, "share": 0.6},
                {"word": "มัดหมี่", "count": 8, "share": 0.4},
            ],
            "market": [
                {"word": "ทอมือ", "count": 40, "share": 0.5},
                {"word": "ของขวัญ", "count": 22, "share": 0.3},
            ],
            "missing": ["ของขวัญ"],
            "suggestions": [
                {"sku": "S1", "product": "ผ้าไหมมัดหมี่ ลายนาคสีแดง", "add": ["ของขวัญ", "ทอมือ"]}
            ],
        },
        "creators": {
            "tiers": {"micro": [10000, 100000]},
            "kind": "silk",
            "rows": [
                {
                    "id": "urn:ngsi-ld:Creator:1",
                    "handle": "@khonkaen_style",
                    "name": "น้องฝน",
                    "platform": "tiktok",
                    "followers": 45000,
                    "tier": "micro",
                    "engagementRate": 0.062,
                    "niche": "fashion",
                    "province": "ขอนแก่น",
                    "fit": 0.9,
                    "pastGmv": 52000.0,
                    "typicalFee": 3000.0,
                    "score": 0.81,
                },
                {
                    "id": "urn:ngsi-ld:Creator:2",
                    "handle": "@isan_craft",
                    "name": "พี่ต้น",
                    "platform": "facebook",
                    "followers": 23000,
                    "tier": "micro",
                    "engagementRate": 0.041,
                    "niche": "craft",
                    "province": "มหาสารคาม",
                    "fit": 0.8,
                    "pastGmv": None,
                    "typicalFee": None,
                    "score": 0.66,
                },
            ],
        },
        "advice": [],
    }


def empty_report() -> dict[str, Any]:
    """A shop with no usable figures: nulls and empty lists everywhere."""
    return {
        "shop": {"tenant": "khonkaen", "id": "new-shop", "name": "ร้านใหม่"},
        "asOf": None,
        "period": {"from": None, "to": None},
        "lang": "th",
        "lines": 0,
        "currency": "THB",
        "channels": {"rows": [], "best": None},
        "products": {"ranking": {}, "rising": [], "falling": [], "missing": []},
        "time": {
            "heatmap": [[0] * 24 for _ in range(7)],
            "bestSlots": [],
            "campaigns": [],
            "payday": {"gmvPerDay": None, "otherGmvPerDay": None, "lift": None},
        },
        "buyers": {
            "provinces": [],
            "districts": [],
            "isanShare": None,
            "unknownPlace": 0,
            "buyers": 0,
            "repeatBuyers": 0,
            "repeatRate": None,
        },
        "price": {"minSellers": 5, "rows": []},
        "outlook": {"horizonWeeks": 8, "series": []},
        "words": {"best": [], "market": None, "missing": [], "suggestions": []},
        "creators": {"tiers": {"micro": [10000, 100000]}, "kind": None, "rows": []},
        "advice": [],
    }


@pytest.fixture
def report() -> dict[str, Any]:
    from isanhub.insight.commerce.advice import advice

    r = sample_report()
    r["advice"] = advice(r, "th")
    return r


@pytest.fixture
def empty() -> dict[str, Any]:
    return copy.deepcopy(empty_report())
