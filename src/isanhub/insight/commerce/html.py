"""The seller report as one self-contained, printable HTML page (A4).

Self-contained because sellers open it offline, forward it in LINE and print it at a
copy shop: the CSS and the SVG charts are inline, fonts are the ones installed on the
device (a Thai-capable list), and the page makes no request of any kind. What to do
comes first; the sections follow in the order of the JSON report.
"""

from __future__ import annotations

from typing import Any

from isanhub.insight.commerce import html_market as market
from isanhub.insight.commerce import html_sections as sections
from isanhub.insight.commerce import texts as tx
from isanhub.insight.commerce.advice import advice
from isanhub.insight.commerce.html_parts import CSS, esc, section


def advice_for(report: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """The report's own advice when it is in ``lang``, else advice made in ``lang`` now."""
    given = report.get("advice")
    if report.get("lang") == lang and isinstance(given, list):
        return [a for a in given if isinstance(a, dict) and a.get("text")]
    return advice(report, lang)


def header(report: dict[str, Any], lang: str) -> str:
    shop = report.get("shop") or {}
    title = tx.t("report.title", lang)
    name = shop.get("name") or shop.get("id") or ""
    period = report.get("period") or {}
    lines = [f"<h1>{esc(title)}{' · ' + esc(name) if name else ''}</h1>"]
    if report.get("asOf"):
        lines.append(f"<p>{esc(tx.t('report.as_of', lang, date=tx.day(report['asOf'], lang)))}</p>")
    if period.get("from") or report.get("lines"):
        text = tx.t(
            "report.period",
            lang,
            start=tx.day(period.get("from"), lang),
            end=tx.day(period.get("to"), lang),
            lines=tx.num(report.get("lines")),
        )
        lines.append(f"<p>{esc(text)}</p>")
    return "<header>" + "".join(lines) + "</header>"


def advice_section(report: dict[str, Any], lang: str) -> str:
    items = advice_for(report, lang)
    if not items:
        return section(
            "advice", lang, [f'<p class="empty">{esc(tx.t("report.no_advice", lang))}</p>']
        )
    return section(
        "advice", lang, ["<ol>" + "".join(f"<li>{esc(a['text'])}</li>" for a in items) + "</ol>"]
    )


def render_html(report: dict[str, Any], lang: str) -> str:
    """The whole page for ``report`` (the documented JSON dict) in ``lang`` (th or en)."""
    tx.check_lang(lang)
    shop = report.get("shop") or {}
    title = tx.t("report.title", lang) + (f" · {shop['name']}" if shop.get("name") else "")
    body = [
        header(report, lang),
        "<main>",
        advice_section(report, lang),
        sections.channels(report, lang),
        sections.products(report, lang),
        sections.time(report, lang),
        sections.buyers(report, lang),
        market.price(report, lang),
        market.outlook(report, lang),
        market.words_section(report, lang),
        market.creators(report, lang),
        "</main>",
        f"<footer>{esc(tx.t('report.footer', lang))}</footer>",
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
