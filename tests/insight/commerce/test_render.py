"""The HTML page and the PDF: both languages, escaping, no outside request, Thai text."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from isanhub.insight.commerce import texts as tx
from isanhub.insight.commerce.html import render_html
from isanhub.insight.commerce.pdf import FontNotFoundError, build_pdf, find_font, render_pdf

SECTIONS = (
    "advice",
    "channels",
    "products",
    "time",
    "buyers",
    "price",
    "outlook",
    "words",
    "creators",
)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_html_has_the_section_titles_in_its_language(report: dict[str, Any], lang: str) -> None:
    page = render_html(report, lang)
    assert f'<html lang="{lang}">' in page
    other = "en" if lang == "th" else "th"
    for key in SECTIONS:
        assert f">{tx.t(f'section.{key}', lang)}</h2>" in page
        assert f">{tx.t(f'section.{key}', other)}</h2>" not in page


def test_html_escapes_sellers_titles(report: dict[str, Any]) -> None:
    page = render_html(report, "th")
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; ผ้าไหม &amp; &quot;ฝ้าย&quot;" in page


def test_html_makes_no_outside_request(report: dict[str, Any]) -> None:
    page = render_html(report, "en")
    assert not re.search(r"""(src|href)\s*=\s*["']?[^"'>]*http""", page, re.I)
    assert "http" not in page
    assert "@import" not in page and "url(" not in page and "<link" not in page
    assert "<script" not in page


def test_html_is_self_contained_and_accessible(report: dict[str, Any]) -> None:
    page = render_html(report, "th")
    assert "<style>" in page and "@media print" in page and "size: A4" in page
    assert '"Sarabun", "Noto Sans Thai", "Loma", "Garuda"' in page
    assert page.count('<th scope="col"') > 20 and '<th scope="row"' in page
    assert page.count("<svg") == page.count("<title id=") >= 4
    assert "ข้อมูลถึงวันที่ 15 พ.ย. 2569" in page
    assert page.index('id="advice"') < page.index('id="channels"')


def test_heatmap_has_168_cells(report: dict[str, Any]) -> None:
    page = render_html(report, "th")
    assert page.count('class="hm-cell"') == 168
    assert "ศุกร์ 20:00 น. – 41 คำสั่งซื้อ" in page


def test_null_market_price_says_why(report: dict[str, Any]) -> None:
    th = render_html(report, "th")
    assert "ไม่แสดงราคาตลาดเมื่อมีร้านอื่นขายสินค้าประเภทนี้น้อยกว่า 5 ร้าน" in th
    assert "ร้านอื่นน้อยกว่า 5 ร้าน" in th
    en = render_html(report, "en")
    assert "fewer than 5 other sellers" in en
    for row in report["price"]["rows"]:
        row["market"] = row["market"] or {
            "scope": "platform",
            "sellers": 6,
            "median": 1.0,
            "p25": 1.0,
            "p75": 1.0,
        }
    assert "fewer than 5 other sellers" not in render_html(report, "en")


def test_html_shows_figures(report: dict[str, Any]) -> None:
    page = render_html(report, "th")
    for text in (
        "฿98,800.00",
        "82.3%",
        "ช้อปปี้",
        "ขอนแก่น",
        "@khonkaen_style",
        "ของขวัญ",
        "3.2 เท่า",
        "ต่ำกว่าตลาด",
        "ขายดีขึ้น",
    ):
        assert text in page, text
    assert "Khon Kaen" in render_html(report, "en")


def test_html_advice_in_another_language_is_made_anew(report: dict[str, Any]) -> None:
    en = render_html(report, "en")  # the report's advice is Thai
    assert "Sell more through Shopee" in en and "ขายผ่านช้อปปี้" not in en


def test_empty_report_keeps_every_section(empty: dict[str, Any]) -> None:
    page = render_html(empty, "th")
    for key in SECTIONS:
        assert f'id="{key}"' in page
    assert page.count(tx.t("report.no_data", "th")) == len(SECTIONS) - 1
    assert tx.t("report.no_advice", "th") in page
    assert "hm-cell" not in page


def test_html_survives_missing_sections(empty: dict[str, Any]) -> None:
    for key in ("channels", "time", "price", "creators"):
        empty[key] = None
    assert "ร้านใหม่" in render_html(empty, "en")


# -- PDF ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def font() -> Path:
    try:
        return find_font(None)
    except FontNotFoundError:
        pytest.skip("no Thai font installed (fonts-thai-tlwg)")


def _text(report: dict[str, Any], lang: str, tmp_path: Path) -> str:
    data = render_pdf(report, lang)
    assert data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(data)
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    return "\n".join(build_pdf(report, lang).texts)


def test_pdf_contains_the_thai_report(report: dict[str, Any], font: Path, tmp_path: Path) -> None:
    text = _text(report, "th", tmp_path)
    for word in (
        "บ้านไหมไทย ขอนแก่น",
        "รายงานร้านค้า",
        "สิ่งที่ควรทำ",
        "ช่องทางขาย",
        "ช้อปปี้",
        "82.3%",
        "ราคาเทียบตลาด",
        "กรุงเทพมหานคร",
        "@khonkaen_style",
    ):
        assert word in text, word


def test_pdf_in_english(report: dict[str, Any], font: Path, tmp_path: Path) -> None:
    text = _text(report, "en", tmp_path)
    assert "Sales channels" in text and "บ้านไหมไทย ขอนแก่น" in text and "Shopee" in text


def test_pdf_of_the_empty_report(empty: dict[str, Any], font: Path, tmp_path: Path) -> None:
    text = _text(empty, "th", tmp_path)
    assert "ร้านใหม่" in text and "ช่องทางขาย" in text


def test_pdf_records_what_it_wrote(report: dict[str, Any], font: Path) -> None:
    texts = build_pdf(report, "th").texts
    assert any("ขายผ่านช้อปปี้" in x for x in texts)
    assert any("<script>" in x for x in texts)  # plain text in a PDF: nothing to escape


def test_missing_font_gives_a_clear_error(report: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(FontNotFoundError) as err:
        render_pdf(report, "th", font=str(tmp_path / "nope.ttf"))
    message = str(err.value)
    assert "fonts-thai-tlwg" in message and "ISANHUB_REPORT_FONT" in message
    assert "ไม่พบฟอนต์ภาษาไทย" in message and "nope.ttf" in message
    with pytest.raises(FontNotFoundError, match="fonts-thai-tlwg"):
        find_font(None, dirs=[tmp_path])


def test_font_search_prefers_known_thai_fonts(tmp_path: Path) -> None:
    for name in ("Waree.ttf", "Garuda.ttf", "Loma.ttf", "Loma-Bold.ttf"):
        (tmp_path / "tlwg").mkdir(exist_ok=True)
        (tmp_path / "tlwg" / name).write_bytes(b"")
    assert find_font(None, dirs=[tmp_path]).name == "Loma.ttf"
    explicit = tmp_path / "tlwg" / "Garuda.ttf"
    assert find_font(str(explicit), dirs=[tmp_path]) == explicit


def _at_most(items: list[Any], n: int) -> list[Any]:
    """The list repeated up to ``n`` items (what the JSON allows at most)."""
    return [copy.deepcopy(items[i % len(items)]) for i in range(n)] if items else items


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_pdf_is_one_page_even_when_every_list_is_full(
    report: dict[str, Any], font: Path, lang: str
) -> None:
    assert build_pdf(report, lang, str(font)).page_no() == 1
    full = copy.deepcopy(report)
    full["advice"] = _at_most(full["advice"], 30)
    products = full["products"]
    products["ranking"] = {ch: _at_most(v, 10) for ch, v in products["ranking"].items()}
    products["rising"] = _at_most(products["rising"], 10)
    products["falling"] = _at_most(products["falling"], 10)
    full["price"]["rows"] = _at_most(full["price"]["rows"], 20)
    full["outlook"]["series"] = _at_most(full["outlook"]["series"], 10)
    full["creators"]["rows"] = _at_most(full["creators"]["rows"], 10)
    full["buyers"]["provinces"] = _at_most(full["buyers"]["provinces"], 77)
    full["buyers"]["districts"] = _at_most(full["buyers"]["districts"], 20)
    full["time"]["campaigns"] = _at_most(full["time"]["campaigns"], 8)
    assert build_pdf(full, lang, str(font)).page_no() == 1
