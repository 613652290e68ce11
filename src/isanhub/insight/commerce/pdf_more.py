"""The second half of the PDF: products, buyers, price, outlook, creators; and the order
in which all sections are drawn (:func:`draw`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isanhub.insight.commerce import pdf_sections as first
from isanhub.insight.commerce import texts as tx
from isanhub.insight.commerce.advice import section as sec
from isanhub.insight.commerce.schema import MIN_SELLERS

if TYPE_CHECKING:
    from isanhub.insight.commerce.pdf import ReportPDF

TOP = 4  #: rows per table on paper (two columns of one A4 page)


def products(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    pdf.heading(tx.t("section.products", lang))
    s = sec(report, "products")
    top = [(ch, i) for ch, items in (s.get("ranking") or {}).items() for i in items or []]
    top.sort(key=lambda x: -(x[1].get("gmv") or 0))
    if top:
        head = [tx.t(f"col.{c}", lang) for c in ("product", "channel", "units", "gmv")]
        pdf.data_table(
            head,
            [
                [
                    i.get("product") or i.get("sku") or "",
                    tx.channel(ch, lang),
                    tx.num(i.get("units")),
                    tx.baht(i.get("gmv")),
                ]
                for ch, i in top[:TOP]
            ],
            [96, 34, 22, 34],
            numeric=(2, 3),
        )
    moves = [(i, "rising") for i in (s.get("rising") or [])[:3]]
    moves += [(i, "falling") for i in (s.get("falling") or [])[:3]]
    if moves:
        head = [tx.t(f"col.{c}", lang) for c in ("product", "recent", "before", "change")]
        pdf.data_table(
            head,
            [
                [
                    f"{i.get('product') or i.get('sku')} ({tx.t(f'sub.{k}', lang)})",
                    tx.num(i.get("unitsRecent")),
                    tx.num(i.get("unitsBefore")),
                    tx.change(i.get("change"), lang),
                ]
                for i, k in moves
            ],
            [96, 30, 30, 30],
            numeric=(1, 2, 3),
        )
    if not top and not moves:
        first._none(pdf, lang)


def buyers(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    pdf.heading(tx.t("section.buyers", lang))
    s = sec(report, "buyers")
    provinces = s.get("provinces") or []
    if not provinces and not s.get("buyers"):
        return first._none(pdf, lang)
    notes = tx.buyer_notes(s, lang)
    if notes:
        pdf.text_line(" · ".join(notes), 8, h=4.2)
    if provinces:
        name = "nameTh" if lang == "th" else "nameEn"
        head = [tx.t(f"col.{c}", lang) for c in ("province", "orders", "gmv")]
        pdf.data_table(
            head,
            [
                [p.get(name) or p.get("code") or "", tx.num(p.get("orders")), tx.baht(p.get("gmv"))]
                for p in provinces[:5]
            ],
            [70, 30, 40],
            numeric=(1, 2),
        )


def price(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    pdf.heading(tx.t("section.price", lang))
    s = sec(report, "price")
    rows = s.get("rows") or []
    if not rows:
        return first._none(pdf, lang)
    n = s.get("minSellers") or MIN_SELLERS
    # the page's half width holds four columns: the market's median is left to the
    # HTML page and the JSON, its usual range (p25-p75) stays
    head = [tx.t(f"col.{c}", lang) for c in ("product", "price", "market_range", "position")]
    body = []
    for r in rows[:TOP]:
        m = r.get("market")
        market = (
            [f"{tx.baht(m.get('p25'), 0)}–{tx.num(m.get('p75'))}"]
            if m
            else [tx.t("note.market_cell", lang, n=n)]
        )
        pos = r.get("position")
        body.append(
            [
                r.get("product") or r.get("sku") or "",
                tx.baht(r.get("price"), 0),
                *market,
                tx.t(f"position.{pos}", lang) if pos else tx.DASH,
            ]
        )
    pdf.data_table(head, body, [34, 16, 24, 20], numeric=(1, 2))
    if any(not r.get("market") for r in rows[:TOP]):
        pdf.text_line(tx.t("note.market_hidden", lang, n=n), 7, colour=first.MUTED, h=3.6)


def outlook(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    pdf.heading(tx.t("section.outlook", lang))
    s = sec(report, "outlook")
    series = s.get("series") or []
    if not series:
        return first._none(pdf, lang)
    head = [
        tx.t("col.product", lang),
        tx.t("col.channel", lang),
        tx.t("col.shown", lang),
        tx.t("col.next_weeks", lang, weeks=s.get("horizonWeeks") or 8),
    ]
    body = []
    for x in series[:TOP]:
        fc = [f for f in x.get("forecast") or [] if f.get("units") is not None]
        units = sum(f["units"] for f in fc) / len(fc) if fc else None
        shown = x.get("shown")
        body.append(
            [
                x.get("product") or x.get("sku") or "",
                tx.channel(x.get("channel"), lang),
                tx.t(f"shown.{shown}", lang) if tx.has(f"shown.{shown}") else tx.DASH,
                tx.num(units, 1),
            ]
        )
    pdf.data_table(head, body, [80, 34, 36, 36], numeric=(3,))
    if any(x.get("shown") == "naive" for x in series[:TOP]):
        pdf.text_line(tx.t("note.naive", lang), 7, colour=first.MUTED, h=3.6)


def creators(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    pdf.heading(tx.t("section.creators", lang))
    s = sec(report, "creators")
    rows = s.get("rows") or []
    if not rows:
        return first._none(pdf, lang)
    head = [
        tx.t(f"col.{c}", lang) for c in ("creator", "platform", "followers", "fit", "fee", "score")
    ]
    pdf.data_table(
        head,
        [
            [
                f"{r.get('handle') or ''} {r.get('name') or ''}".strip(),
                tx.name("platform", r.get("platform"), lang),
                tx.num(r.get("followers")),
                tx.pct(r.get("fit"), 0),
                tx.baht(r.get("typicalFee"), 0),
                tx.num(r.get("score"), 2),
            ]
            for r in rows[:5]
        ],
        [66, 28, 26, 20, 26, 20],
        numeric=(2, 3, 4, 5),
    )


def draw(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    """Every section on one page, in the order of the HTML page: the header, the advice,
    channels and time across the page, then two columns (products and buyers; price,
    outlook and creators)."""
    first.header(pdf, report, lang)
    first.advice(pdf, report, lang)
    first.channels(pdf, report, lang)
    first.time(pdf, report, lang)
    gap = 6.0
    width = (pdf.w - pdf.l_margin - pdf.r_margin - gap) / 2
    top, page = pdf.get_y(), pdf.page_no()
    with pdf.column(pdf.l_margin, width, top):
        products(pdf, report, lang)
        buyers(pdf, report, lang)
    left = (pdf.page_no(), pdf.get_y())
    pdf.page = page
    with pdf.column(pdf.l_margin + width + gap, width, top):
        price(pdf, report, lang)
        outlook(pdf, report, lang)
        creators(pdf, report, lang)
    right = (pdf.page_no(), pdf.get_y())
    pdf.page, end = max(left, right)
    pdf.set_xy(pdf.l_margin, end)
    pdf.ln(2)
    pdf.text_line(tx.t("report.footer", lang), 7, colour=first.MUTED, h=3.6)
