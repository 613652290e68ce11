"""What the PDF shows, section by section, in the order of the HTML page.

The PDF is the printout a seller pins on the wall: fewer rows than the HTML (top items
only) so that it stays on one or two A4 pages; a section with no figures says so in one
line instead of disappearing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from isanhub.insight.commerce import texts as tx
from isanhub.insight.commerce.advice import last_year
from isanhub.insight.commerce.advice import section as sec
from isanhub.insight.commerce.charts import shade
from isanhub.insight.commerce.html import advice_for
from isanhub.insight.commerce.html_sections import valid_grid

if TYPE_CHECKING:
    from isanhub.insight.commerce.pdf import ReportPDF

MUTED = (107, 114, 128)


ADVICE = 6  #: sentences of advice on paper (the most important come first)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def _none(pdf: ReportPDF, lang: str) -> None:
    pdf.text_line(tx.t("report.no_data", lang), 8, colour=MUTED)


def header(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    shop = report.get("shop") or {}
    name = shop.get("name") or shop.get("id") or ""
    pdf.text_line(tx.t("report.title", lang) + (f" · {name}" if name else ""), 16, True, h=8)
    period = report.get("period") or {}
    bits = []
    if report.get("asOf"):
        bits.append(tx.t("report.as_of", lang, date=tx.day(report["asOf"], lang)))
    if period.get("from"):
        bits.append(
            tx.t(
                "report.period",
                lang,
                start=tx.day(period["from"], lang),
                end=tx.day(period.get("to"), lang),
                lines=tx.num(report.get("lines")),
            )
        )
    if bits:
        pdf.text_line(" · ".join(bits), 8, colour=MUTED)


def advice(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    pdf.heading(tx.t("section.advice", lang))
    items = advice_for(report, lang)
    if not items:
        pdf.text_line(tx.t("report.no_advice", lang), 8, colour=MUTED)
    for a in items[:ADVICE]:
        pdf.text_line("• " + a["text"], 8, h=4)


def bars(
    pdf: ReportPDF, items: list[tuple[str, float | None, str]], x: float, w: float, title: str
) -> float:
    """Horizontal bars from ``x`` over width ``w``; returns the y below the chart."""
    y = pdf.get_y()
    pdf.font(8, True)
    pdf.set_xy(x, y)
    pdf.cell(w, 4.5, title)
    pdf.texts.append(title)
    label_w, value_w, row = 24.0, 20.0, 4.2
    top = max([abs(v) for _, v, _ in items if v is not None] or [0.0]) or 1.0
    for i, (label, value, shown) in enumerate(items):
        ry = y + 5 + i * row
        pdf.set_xy(x, ry)
        pdf.cell_text(label_w, row, label)
        if value is not None:
            length = (w - label_w - value_w) * abs(value) / top
            pdf.set_fill_color(*((185, 28, 28) if value < 0 else (15, 118, 110)))
            pdf.rect(x + label_w, ry + 1, max(length, 0.3), row - 2, style="F")
        pdf.set_xy(x + w - value_w, ry)
        pdf.cell_text(value_w, row, shown, "R")
    return y + 5 + len(items) * row + 2


def channels(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    pdf.heading(tx.t("section.channels", lang))
    s = sec(report, "channels")
    rows = s.get("rows") or []
    if not rows:
        return _none(pdf, lang)

    def label(r: dict[str, Any]) -> str:
        return tx.channel(r.get("channel"), lang) + ("*" if r.get("feesKnown") is False else "")

    head = [
        tx.t(f"col.{c}", lang)
        for c in ("channel", "orders", "gmv", "aov", "cancel_rate", "net", "net_per_baht")
    ]
    pdf.data_table(
        head,
        [
            [
                label(r),
                tx.num(r.get("orders")),
                tx.baht(r.get("gmv")),
                tx.baht(r.get("aov")),
                tx.pct(r.get("cancellationRate")),
                tx.baht(r.get("netRevenue")),
                tx.pct(r.get("netPerBaht")),
            ]
            for r in rows
        ],
        [36, 20, 30, 26, 20, 30, 24],
        numeric=range(1, 7),
    )
    notes = [tx.t("note.net", lang)]
    if any(r.get("feesKnown") is False for r in rows):
        notes.append(tx.t("note.fees_unknown", lang))
    for n in notes:
        pdf.text_line(n, 7, colour=MUTED, h=3.6)
    pdf.ln(1)
    half = (pdf.w - pdf.l_margin - pdf.r_margin - 6) / 2
    npb = [(label(r), r.get("netPerBaht"), tx.pct(r.get("netPerBaht"))) for r in rows]
    gmv = [(label(r), r.get("gmv"), tx.baht(r.get("gmv"), 0)) for r in rows]
    y0 = pdf.get_y()
    y1 = bars(pdf, npb, pdf.l_margin, half, tx.t("chart.net_per_baht", lang))
    pdf.set_y(y0)
    y2 = bars(pdf, gmv, pdf.l_margin + half + 6, half, tx.t("chart.gmv", lang))
    pdf.set_xy(pdf.l_margin, max(y1, y2))


def heatmap(pdf: ReportPDF, grid: list[list[int]], lang: str) -> None:
    """The 7 × 24 grid as coloured cells, weekday labels left, every third hour on top."""
    cw, ch, left = 5.6, 3.4, 12.0
    if pdf.get_y() + 8 * ch + 6 > pdf.h - 12:
        pdf.add_page()
    x0, y0 = pdf.l_margin + left, pdf.get_y() + 4
    top = max(max(r) for r in grid)
    pdf.font(6.5)
    pdf.set_text_color(*MUTED)
    for hour in range(0, 24, 3):
        pdf.set_xy(x0 + hour * cw, y0 - 4)
        pdf.cell(cw, 4, f"{hour:02d}")
    pdf.set_text_color(31, 41, 55)
    for d, row in enumerate(grid):
        pdf.set_xy(pdf.l_margin, y0 + d * ch)
        pdf.cell_text(left, ch, tx.weekday(d, lang, short=True))
        for h, value in enumerate(row):
            pdf.set_fill_color(*_rgb(shade(value, top)))
            pdf.rect(x0 + h * cw, y0 + d * ch, cw - 0.4, ch - 0.4, style="F")
    pdf.set_xy(pdf.l_margin, y0 + 7 * ch + 1)


def time(pdf: ReportPDF, report: dict[str, Any], lang: str) -> None:
    pdf.heading(tx.t("section.time", lang))
    s = sec(report, "time")
    grid = valid_grid(s.get("heatmap"))
    slots = s.get("bestSlots") or []
    # the twelve months up to the report's day, as the advice reads them
    campaigns = [
        c for c in last_year(s.get("campaigns") or [], report) if c.get("lift") is not None
    ]
    if not grid and not slots and not campaigns:
        return _none(pdf, lang)
    if grid:
        heatmap(pdf, grid, lang)
    if slots:
        text = ", ".join(
            f"{tx.slot(x['weekday'], x['hour'], lang)} ({tx.num(x.get('orders'))})" for x in slots
        )
        pdf.text_line(f"{tx.t('sub.best_slots', lang)}: {text}", 8, h=4.2)
    if campaigns:
        text = ", ".join(f"{c.get('name')} {tx.times(c['lift'], lang)}" for c in campaigns)
        pdf.text_line(f"{tx.t('sub.campaigns', lang)}: {text}", 8, h=4.2)
