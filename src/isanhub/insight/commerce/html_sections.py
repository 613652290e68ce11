"""The sections of the HTML report, one function each: ``(report, lang) -> HTML``.

Each returns the whole ``<section>``; when its figures are missing the section stays and
says so briefly, so a seller sees what the report could tell with more data.
"""

from __future__ import annotations

from typing import Any

from isanhub.insight.commerce import charts
from isanhub.insight.commerce import texts as tx
from isanhub.insight.commerce.advice import section as sec
from isanhub.insight.commerce.html_parts import figure, h3, p, section, table


def channels(report: dict[str, Any], lang: str) -> str:
    s = sec(report, "channels")
    rows = s.get("rows") or []
    if not rows:
        return section("channels", lang, [])

    def costs(r: dict[str, Any]) -> float:
        keys = ("platformFees", "sellerDiscounts", "shippingSeller", "refunds")
        return sum(r.get(k) or 0 for k in keys)

    def label(r: dict[str, Any]) -> str:
        return tx.channel(r.get("channel"), lang) + ("*" if r.get("feesKnown") is False else "")

    head = [
        tx.t(f"col.{c}", lang)
        for c in (
            "channel",
            "orders",
            "units",
            "gmv",
            "aov",
            "cancel_rate",
            "return_rate",
            "costs",
            "net",
            "net_per_baht",
        )
    ]
    body = [
        [
            label(r),
            tx.num(r.get("orders")),
            tx.num(r.get("units")),
            tx.baht(r.get("gmv")),
            tx.baht(r.get("aov")),
            tx.pct(r.get("cancellationRate")),
            tx.pct(r.get("returnRate")),
            tx.baht(costs(r)),
            tx.baht(r.get("netRevenue")),
            tx.pct(r.get("netPerBaht")),
        ]
        for r in rows
    ]
    parts = [table(head, body, numeric=range(1, 10))]
    if s.get("best"):
        parts.append(p(tx.t("note.best_channel", lang, channel=tx.channel(s["best"], lang))))
    parts.append(p(tx.t("note.net", lang)))
    if any(r.get("feesKnown") is False for r in rows):
        parts.append(p(tx.t("note.fees_unknown", lang)))
    npb = [(label(r), r.get("netPerBaht"), tx.pct(r.get("netPerBaht"))) for r in rows]
    gmv = [(label(r), r.get("gmv"), tx.baht(r.get("gmv"), 0)) for r in rows]
    parts.append(
        '<div class="charts">'
        + figure(charts.bars(npb, tx.t("chart.net_per_baht", lang), "chart-npb"))
        + figure(charts.bars(gmv, tx.t("chart.gmv", lang), "chart-gmv"))
        + "</div>"
    )
    return section("channels", lang, parts)


def products(report: dict[str, Any], lang: str) -> str:
    s = sec(report, "products")
    parts: list[str] = []
    for ch, items in (s.get("ranking") or {}).items():
        if not items:
            continue
        parts.append(h3(tx.t("sub.ranking", lang, channel=tx.channel(ch, lang))))
        head = [tx.t(f"col.{c}", lang) for c in ("product", "units", "orders", "gmv")]
        parts.append(
            table(
                head,
                [
                    [
                        i.get("product") or i.get("sku"),
                        tx.num(i.get("units")),
                        tx.num(i.get("orders")),
                        tx.baht(i.get("gmv")),
                    ]
                    for i in items
                ],
                numeric=(1, 2, 3),
            )
        )
    for key in ("rising", "falling"):
        items = s.get(key) or []
        if items:
            head = [tx.t(f"col.{c}", lang) for c in ("product", "recent", "before", "change")]
            parts.append(h3(tx.t(f"sub.{key}", lang)))
            parts.append(
                table(
                    head,
                    [
                        [
                            i.get("product") or i.get("sku"),
                            tx.num(i.get("unitsRecent")),
                            tx.num(i.get("unitsBefore")),
                            tx.change(i.get("change"), lang),
                        ]
                        for i in items
                    ],
                    numeric=(1, 2, 3),
                )
            )
    missing = s.get("missing") or []
    if missing:
        head = [tx.t(f"col.{c}", lang) for c in ("product", "sold_on", "missing_on", "units")]
        parts.append(h3(tx.t("sub.missing", lang)))
        parts.append(
            table(
                head,
                [
                    [
                        m.get("product") or m.get("sku"),
                        ", ".join(tx.channel(c, lang) for c in m.get("soldOn") or []),
                        ", ".join(tx.channel(c, lang) for c in m.get("missingOn") or []),
                        tx.num(m.get("units")),
                    ]
                    for m in missing
                ],
                numeric=(3,),
            )
        )
    return section("products", lang, parts)


def heatmap_svg(grid: list[list[int]], lang: str) -> str:
    days = [tx.weekday(d, lang, short=True) for d in range(7)]
    titles = [
        [
            tx.t("chart.cell", lang, day=tx.weekday(d, lang), hour=f"{h:02d}", n=v)
            for h, v in enumerate(row)
        ]
        for d, row in enumerate(grid)
    ]
    return charts.heatmap(grid, days, titles, tx.t("sub.heatmap", lang), "chart-heatmap")


def valid_grid(value: Any) -> list[list[int]] | None:
    """The heatmap when it is the documented 7 × 24 grid with at least one order."""
    if not isinstance(value, list) or len(value) != 7:
        return None
    if any(not isinstance(r, list) or len(r) != 24 for r in value):
        return None
    grid = [[int(v or 0) for v in r] for r in value]
    return grid if any(any(r) for r in grid) else None


def time(report: dict[str, Any], lang: str) -> str:
    s = sec(report, "time")
    parts: list[str] = []
    grid = valid_grid(s.get("heatmap"))
    if grid:
        parts += [h3(tx.t("sub.heatmap", lang)), figure(heatmap_svg(grid, lang))]
    slots = s.get("bestSlots") or []
    if slots:
        head = [tx.t("col.slot", lang), tx.t("col.orders", lang)]
        parts.append(h3(tx.t("sub.best_slots", lang)))
        parts.append(
            table(
                head,
                [[tx.slot(x["weekday"], x["hour"], lang), tx.num(x.get("orders"))] for x in slots],
                numeric=(1,),
            )
        )
    campaigns = s.get("campaigns") or []
    if campaigns:
        head = [
            tx.t(f"col.{c}", lang)
            for c in ("campaign", "date", "orders", "gmv", "baseline", "lift")
        ]
        parts.append(h3(tx.t("sub.campaigns", lang)))
        parts.append(
            table(
                head,
                [
                    [
                        c.get("name"),
                        tx.day(c.get("day"), lang),
                        tx.num(c.get("orders")),
                        tx.baht(c.get("gmv")),
                        tx.baht(c.get("baselineGmv")),
                        tx.times(c.get("lift"), lang),
                    ]
                    for c in campaigns
                ],
                numeric=(2, 3, 4, 5),
            )
        )
    pay = s.get("payday") or {}
    if pay.get("gmvPerDay") is not None and pay.get("otherGmvPerDay") is not None:
        parts.append(
            p(
                tx.t(
                    "note.payday",
                    lang,
                    payday=tx.baht(pay["gmvPerDay"]),
                    other=tx.baht(pay["otherGmvPerDay"]),
                    lift=tx.times(pay.get("lift"), lang),
                )
            )
        )
    return section("time", lang, parts)


def buyers(report: dict[str, Any], lang: str) -> str:
    s = sec(report, "buyers")
    parts: list[str] = [p(note) for note in tx.buyer_notes(s, lang)]
    if s.get("unknownPlace"):
        parts.append(p(tx.t("note.unknown_place", lang, n=tx.num(s["unknownPlace"]))))
    name = "nameTh" if lang == "th" else "nameEn"
    provinces = s.get("provinces") or []
    if provinces:
        head = [tx.t(f"col.{c}", lang) for c in ("province", "orders", "gmv")]
        parts.append(h3(tx.t("sub.provinces", lang)))
        parts.append(
            table(
                head,
                [
                    [r.get(name) or r.get("code"), tx.num(r.get("orders")), tx.baht(r.get("gmv"))]
                    for r in provinces[:10]
                ],
                numeric=(1, 2),
            )
        )
    districts = s.get("districts") or []
    if districts:
        head = [tx.t(f"col.{c}", lang) for c in ("district", "province", "orders")]
        parts.append(h3(tx.t("sub.districts", lang)))
        parts.append(
            table(
                head,
                [
                    [d.get(name) or d.get("code"), d.get("provinceTh"), tx.num(d.get("orders"))]
                    for d in districts[:10]
                ],
                numeric=(2,),
            )
        )
    return section("buyers", lang, parts)
