"""The HTML sections that look outward and forward: price, outlook, words, creators.

Market figures come from other shops and are shown only when at least ``minSellers``
other shops contribute; where the report withholds one, the page says why instead of
leaving a blank that looks like a bug.
"""

from __future__ import annotations

from typing import Any

from isanhub.insight.commerce import charts
from isanhub.insight.commerce import texts as tx
from isanhub.insight.commerce.advice import section as sec
from isanhub.insight.commerce.html_parts import figure, h3, p, section, table, words
from isanhub.insight.commerce.schema import MIN_SELLERS

CHARTED = 4  #: outlook series drawn as charts (all of them are in the table)


def price(report: dict[str, Any], lang: str) -> str:
    s = sec(report, "price")
    rows = s.get("rows") or []
    n = s.get("minSellers") or MIN_SELLERS
    if not rows:
        return section("price", lang, [])
    head = [
        tx.t(f"col.{c}", lang)
        for c in ("product", "kind", "price", "market", "market_range", "position")
    ]
    body = []
    for r in rows:
        m = r.get("market")
        if m:
            scope = tx.t(
                "note.market_scope",
                lang,
                n=tx.num(m.get("sellers")),
                scope=tx.t(f"scope.{m.get('scope')}", lang)
                if tx.has(f"scope.{m.get('scope')}")
                else m.get("scope"),
            )
            market = [
                f"{tx.baht(m.get('median'))}",
                f"{tx.baht(m.get('p25'))}–{tx.baht(m.get('p75'))} ({scope})",
            ]
        else:
            market = [tx.t("note.market_cell", lang, n=n), tx.DASH]
        position = r.get("position")
        body.append(
            [
                r.get("product") or r.get("sku"),
                tx.kind(r.get("kind"), lang),
                tx.baht(r.get("price")),
                *market,
                tx.t(f"position.{position}", lang) if position else tx.DASH,
            ]
        )
    parts = [table(head, body, numeric=(2, 3))]
    if any(not r.get("market") for r in rows):
        parts.append(p(tx.t("note.market_hidden", lang, n=n)))
    return section("price", lang, parts)


def _chart(s: dict[str, Any], lang: str, i: int) -> str:
    history = [h.get("units") for h in s.get("history") or []]
    forecast = [
        (f["units"], f.get("low"), f.get("high"))
        for f in s.get("forecast") or []
        if f.get("units") is not None
    ]
    title = tx.t(
        "chart.outlook",
        lang,
        product=s.get("product") or s.get("sku"),
        channel=tx.channel(s.get("channel"), lang),
    )
    return figure(charts.outlook(history, forecast, title, f"chart-outlook-{i}"))


def outlook(report: dict[str, Any], lang: str) -> str:
    s = sec(report, "outlook")
    series = s.get("series") or []
    if not series:
        return section("outlook", lang, [])
    weeks = s.get("horizonWeeks") or 8
    head = [
        tx.t("col.product", lang),
        tx.t("col.channel", lang),
        tx.t("col.shown", lang),
        tx.t("col.skill", lang),
        tx.t("col.next_weeks", lang, weeks=weeks),
    ]
    body = []
    for x in series:
        fc = [f for f in x.get("forecast") or [] if f.get("units") is not None]
        per_week = sum(f["units"] for f in fc) / len(fc) if fc else None
        shown = x.get("shown")
        body.append(
            [
                x.get("product") or x.get("sku"),
                tx.channel(x.get("channel"), lang),
                tx.t(f"shown.{shown}", lang) if tx.has(f"shown.{shown}") else tx.DASH,
                tx.pct((x.get("backtest") or {}).get("skill")),
                tx.num(per_week, 1),
            ]
        )
    parts = [table(head, body, numeric=(3, 4))]
    if any(x.get("shown") == "naive" for x in series):
        parts.append(p(tx.t("note.naive", lang)))
    parts.append(p(tx.t("note.forecast", lang)))
    parts.append(
        '<div class="charts">'
        + "".join(_chart(x, lang, i) for i, x in enumerate(series[:CHARTED]))
        + "</div>"
    )
    return section("outlook", lang, parts)


def _word_list(items: list[dict[str, Any]] | None) -> str:
    return words(f"{w.get('word')} · {w.get('count')}" for w in items or [] if w.get("word"))


def words_section(report: dict[str, Any], lang: str) -> str:
    s = sec(report, "words")
    parts: list[str] = []
    if s.get("best"):
        parts += [h3(tx.t("sub.best_words", lang)), _word_list(s["best"])]
    if s.get("market"):
        parts += [h3(tx.t("sub.market_words", lang)), _word_list(s["market"])]
    elif s.get("best"):
        parts.append(p(tx.t("note.words_hidden", lang)))
    if s.get("missing"):
        parts += [h3(tx.t("sub.missing_words", lang)), words(str(w) for w in s["missing"])]
    suggestions = [x for x in s.get("suggestions") or [] if x.get("add")]
    if suggestions:
        head = [tx.t("col.product", lang), tx.t("col.add", lang)]
        parts += [
            h3(tx.t("sub.suggestions", lang)),
            table(
                head, [[x.get("product") or x.get("sku"), ", ".join(x["add"])] for x in suggestions]
            ),
        ]
    return section("words", lang, parts)


def creators(report: dict[str, Any], lang: str) -> str:
    s = sec(report, "creators")
    rows = s.get("rows") or []
    if not rows:
        return section("creators", lang, [])
    parts = []
    if s.get("kind"):
        parts.append(p(tx.t("note.creators_kind", lang, kind=tx.kind(s["kind"], lang))))
    head = [
        tx.t(f"col.{c}", lang)
        for c in (
            "creator",
            "platform",
            "followers",
            "engagement",
            "province",
            "fit",
            "past_gmv",
            "fee",
            "score",
        )
    ]
    body = [
        [
            f"{r.get('handle') or ''} {r.get('name') or ''}".strip() or r.get("id"),
            tx.name("platform", r.get("platform"), lang),
            tx.num(r.get("followers")),
            tx.pct(r.get("engagementRate")),
            r.get("province"),
            tx.pct(r.get("fit"), 0),
            tx.baht(r.get("pastGmv"), 0),
            tx.baht(r.get("typicalFee"), 0),
            tx.num(r.get("score"), 2),
        ]
        for r in rows
    ]
    parts.append(table(head, body, numeric=(2, 3, 5, 6, 7, 8)))
    return section("creators", lang, parts)
