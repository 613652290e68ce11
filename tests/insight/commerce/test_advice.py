"""Advice sentences follow the figures, and say nothing where the figures are missing."""

from __future__ import annotations

from typing import Any

from isanhub.insight.commerce.advice import advice


def _texts(report: dict[str, Any], lang: str, section: str | None = None) -> list[str]:
    return [a["text"] for a in advice(report, lang) if section in (None, a["section"])]


def test_best_channel_against_the_worst_with_thai_percentages(report: dict[str, Any]) -> None:
    (best, *_rest) = _texts(report, "th", "channels")
    assert best.startswith("ขายผ่านช้อปปี้")
    assert "82.3%" in best and "ติ๊กต็อก ช็อป (71.0%)" in best
    assert "฿11.33" in best  # 82.34 % − 71.00 % = ฿11.33 more per ฿100 sold
    assert "lazada" not in best and "ลาซาด้า" not in best  # 8 orders: below the 10 needed
    en = _texts(report, "en", "channels")[0]
    assert "Shopee" in en and "82.3%" in en and "TikTok Shop (71.0%)" in en


def test_channel_without_fees_is_flagged(report: dict[str, Any]) -> None:
    assert any("ไลน์" in x and "ค่าธรรมเนียม" in x for x in _texts(report, "th", "channels"))


def test_time_campaigns_and_slots(report: dict[str, Any]) -> None:
    th = _texts(report, "th", "time")
    assert any("วันศุกร์ 20:00–21:00 น." in x for x in th)
    assert any(x.startswith("11.11 ขายได้ 3.2 เท่า") and "฿18,400" in x for x in th)
    assert any(x.startswith("9.9") and "ไม่ต่างจากวันปกติ" in x for x in th)
    assert any("1.3×" in x for x in _texts(report, "en", "time"))  # payday


def test_products_buyers_price_words_creators(report: dict[str, Any]) -> None:
    th = _texts(report, "th")
    assert "ลง “ผ้าไหมมัดหมี่ ลายนาคสีแดง” บนลาซาด้าด้วย: ขายบนช้อปปี้ได้ 25 ชิ้นใน 90 วัน" in th
    assert any("“ผ้าขาวม้าทอมือ” ขายดีขึ้น +150%" in x for x in th)
    assert any("สินค้าใหม่ “กระเป๋าผ้าไหม”" in x for x in th)
    assert any("“ผ้าพันคอฝ้าย” ขายลดลง 40%" in x for x in th)
    assert any("ซื้อซ้ำ 15.0% (96 จาก 640 คน)" in x for x in th)
    assert any("฿450.00 ต่ำกว่าตลาด (ราคากลาง ฿650.00" in x for x in th)
    assert not any("ผ้าขาวม้าทอมือ” ขาย ฿150.00" in x for x in th)  # within the market
    assert any("“ของขวัญ”, “ทอมือ”" in x for x in _texts(report, "th", "words"))
    (creators,) = _texts(report, "en", "creators")
    assert "@khonkaen_style (TikTok, 45,000 followers)" in creators
    assert "review of your silk" in creators
    assert any("รีวิวผ้าไหม" in x for x in _texts(report, "th", "creators"))


def test_model_forecast_only_when_the_model_is_shown(report: dict[str, Any]) -> None:
    th = _texts(report, "th", "outlook")
    assert any(x.startswith("คาดว่า “ผ้าไหมมัดหมี่ ลายนาคสีแดง” บนช้อปปี้") and "14" in x for x in th)
    assert any("ผ้าขาวม้าทอมือ" in x and "ไม่ได้แม่นกว่า" in x for x in th)
    assert not any(x.startswith("คาดว่า “ผ้าขาวม้าทอมือ”") for x in th)


def test_a_naive_outlook_never_claims_the_model(report: dict[str, Any]) -> None:
    for s in report["outlook"]["series"]:
        s["shown"] = "naive"
    for lang, claim in (("th", "คาดว่า"), ("en", "model expects")):
        texts = _texts(report, lang, "outlook")
        assert texts and not any(claim in x for x in texts)
    assert "last year" in _texts(report, "en", "outlook")[0]


def test_empty_report_gives_no_advice(empty: dict[str, Any]) -> None:
    assert advice(empty, "th") == []
    assert advice(empty, "en") == []


def test_null_sections_are_skipped(report: dict[str, Any]) -> None:
    report["channels"]["best"] = None
    report["buyers"]["repeatRate"] = None
    report["time"] = None
    sections = {a["section"] for a in advice(report, "th")}
    assert "buyers" not in sections and "time" not in sections
    assert not any(x.startswith("ขายผ่าน") for x in _texts(report, "th", "channels"))


def test_campaign_without_baseline_is_skipped(report: dict[str, Any]) -> None:
    for c in report["time"]["campaigns"]:
        c["lift"] = None
    assert not any("11.11" in x for x in _texts(report, "th", "time"))


def test_advice_entries_have_the_documented_shape(report: dict[str, Any]) -> None:
    known = {"channels", "products", "time", "buyers", "price", "outlook", "words", "creators"}
    for a in advice(report, "en"):
        assert set(a) == {"section", "text"} and a["section"] in known and a["text"]


def test_campaign_advice_keeps_to_the_last_year_best_and_worst(report: dict[str, Any]) -> None:
    def campaign(day: str, lift: float) -> dict[str, Any]:
        name = f"{int(day[5:7])}.{int(day[8:10])}"
        return {"day": day, "name": name, "orders": 9, "gmv": 900.0 * lift,
                "baselineGmv": 900.0, "lift": lift}  # fmt: skip

    report["time"]["campaigns"] = [
        campaign("2025-11-11", 9.0),  # more than a year before asOf: left out
        campaign("2025-12-12", 2.5),
        campaign("2026-09-09", 1.6),
        campaign("2026-10-10", 0.7),
        campaign("2026-11-11", 1.0),
    ]
    texts = [a["text"] for a in advice(report, "en") if a["section"] == "time"]
    named = [t for t in texts if any(n in t for n in ("11.11", "12.12", "9.9", "10.10"))]
    assert len(named) == 2
    assert any("12.12" in t and "2.5" in t for t in named)
    assert any("10.10" in t and "0.7" in t for t in named)
    assert not any("9.0" in t for t in texts)
