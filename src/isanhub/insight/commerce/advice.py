"""Short sentences that tell the seller what to do, derived from the report's figures.

Each rule reads one section and says nothing when its figures are null or empty: a
sentence built on a missing figure would be a guess. The outlook only ever speaks of the
model's forecast when the backtest chose it (``shown == "model"``); otherwise it says
that the forecast is no better than repeating last year.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from statistics import fmean
from typing import Any

from isanhub.insight.commerce import texts as tx

MIN_ORDERS = 10  #: a channel's rate is trusted from this many sold orders (as ``best``)
HIGH_CANCEL = 0.10  #: a cancellation rate worth acting on
CAMPAIGN_UP = 1.2  #: a campaign lift worth preparing for
CAMPAIGN_FLAT = 1.05  #: at or below: the campaign did nothing
PAYDAY_UP = 1.15
LOW_REPEAT = 0.20
PER_RULE = 3  #: at most this many sentences per rule, the most important first

Advice = dict[str, str]


def section(report: dict[str, Any], key: str) -> dict[str, Any]:
    """A section of the report as a dict, ``{}`` when it is null or absent."""
    value = report.get(key)
    return value if isinstance(value, dict) else {}


def _channels(report: dict[str, Any], lang: str) -> list[str]:
    sec = section(report, "channels")
    rows = [r for r in sec.get("rows") or [] if isinstance(r, dict)]
    out: list[str] = []
    best = next((r for r in rows if r.get("channel") == sec.get("best")), None)
    if best is not None and best.get("netPerBaht") is not None:
        rated = [
            r
            for r in rows
            if r is not best
            and r.get("netPerBaht") is not None
            and (r.get("orders") or 0) >= MIN_ORDERS
        ]
        rate = tx.pct(best["netPerBaht"])
        name = tx.channel(best["channel"], lang)
        if rated:
            worst = min(rated, key=lambda r: r["netPerBaht"])
            diff = (best["netPerBaht"] - worst["netPerBaht"]) * 100
            out.append(
                tx.t(
                    "advice.best_channel",
                    lang,
                    best=name,
                    rate=rate,
                    worst=tx.channel(worst["channel"], lang),
                    worst_rate=tx.pct(worst["netPerBaht"]),
                    diff=tx.baht(diff),
                )
            )
        else:
            out.append(tx.t("advice.best_only", lang, best=name, rate=rate))
    for r in rows:
        if r.get("feesKnown") is False:
            out.append(tx.t("advice.fees_unknown", lang, channel=tx.channel(r["channel"], lang)))
    cancelling = [
        r
        for r in rows
        if (r.get("cancellationRate") or 0) >= HIGH_CANCEL and (r.get("orders") or 0) >= MIN_ORDERS
    ]
    for r in sorted(cancelling, key=lambda r: -r["cancellationRate"])[:PER_RULE]:
        out.append(
            tx.t(
                "advice.cancellations",
                lang,
                channel=tx.channel(r["channel"], lang),
                rate=tx.pct(r["cancellationRate"]),
            )
        )
    return out


def _products(report: dict[str, Any], lang: str) -> list[str]:
    sec = section(report, "products")
    out: list[str] = []
    for m in (sec.get("missing") or [])[:PER_RULE]:
        if not m.get("missingOn") or not m.get("soldOn"):
            continue
        out.append(
            tx.t(
                "advice.missing",
                lang,
                product=m.get("product") or m.get("sku"),
                missing=tx.join((tx.channel(c, lang) for c in m["missingOn"]), lang),
                sold=tx.join((tx.channel(c, lang) for c in m["soldOn"]), lang),
                units=tx.num(m.get("units")),
            )
        )
    for p in (sec.get("rising") or [])[:2]:
        values = {
            "product": p.get("product") or p.get("sku"),
            "recent": tx.num(p.get("unitsRecent")),
            "before": tx.num(p.get("unitsBefore")),
        }
        if p.get("change") is None:
            out.append(tx.t("advice.new", lang, **values))
        else:
            out.append(tx.t("advice.rising", lang, change=tx.change(p["change"], lang), **values))
    for p in (sec.get("falling") or [])[:2]:
        if p.get("change") is None:
            continue
        out.append(
            tx.t(
                "advice.falling",
                lang,
                product=p.get("product") or p.get("sku"),
                change=tx.change(p["change"], lang, signed=False),
                recent=tx.num(p.get("unitsRecent")),
                before=tx.num(p.get("unitsBefore")),
            )
        )
    return out


def last_year(campaigns: list[dict[str, Any]], report: dict[str, Any]) -> list[dict[str, Any]]:
    """The campaigns of the twelve months up to the report's day."""
    try:
        end = date.fromisoformat(str(report.get("asOf")))
    except ValueError:
        return campaigns
    start = end - timedelta(days=365)
    out = []
    for c in campaigns:
        try:
            day = date.fromisoformat(str(c.get("day")))
        except ValueError:
            continue
        if start < day <= end:
            out.append(c)
    return out


def _time(report: dict[str, Any], lang: str) -> list[str]:
    sec = section(report, "time")
    out: list[str] = []
    slots = [s for s in sec.get("bestSlots") or [] if (s.get("orders") or 0) > 0][:PER_RULE]
    if slots:
        out.append(
            tx.t(
                "advice.live_slots",
                lang,
                slots=tx.join((tx.slot(s["weekday"], s["hour"], lang) for s in slots), lang),
            )
        )
    # Only the last twelve months, and one sentence each for the campaign that lifted
    # sales most and the one that did least: two years of exports hold eight campaigns.
    recent = [c for c in last_year(sec.get("campaigns") or [], report) if c.get("lift") is not None]
    best = max(recent, key=lambda c: c["lift"], default=None)
    worst = min(recent, key=lambda c: c["lift"], default=None)
    if best is not None and best["lift"] >= CAMPAIGN_UP:
        out.append(
            tx.t(
                "advice.campaign_up",
                lang,
                name=best.get("name") or tx.day(best.get("day"), lang),
                lift=tx.times(best["lift"], lang),
                gmv=tx.baht(best.get("gmv"), 0),
                baseline=tx.baht(best.get("baselineGmv"), 0),
            )
        )
    if worst is not None and worst["lift"] <= CAMPAIGN_FLAT:
        name = worst.get("name") or tx.day(worst.get("day"), lang)
        out.append(
            tx.t("advice.campaign_flat", lang, name=name, lift=tx.times(worst["lift"], lang))
        )
    payday = sec.get("payday") or {}
    if (payday.get("lift") or 0) >= PAYDAY_UP:
        out.append(tx.t("advice.payday", lang, lift=tx.times(payday["lift"], lang)))
    return out


def _buyers(report: dict[str, Any], lang: str) -> list[str]:
    sec = section(report, "buyers")
    rate = sec.get("repeatRate")
    if rate is None:
        return []
    key = "advice.repeat_low" if rate < LOW_REPEAT else "advice.repeat_ok"
    return [
        tx.t(
            key,
            lang,
            rate=tx.pct(rate),
            repeat=tx.num(sec.get("repeatBuyers")),
            buyers=tx.num(sec.get("buyers")),
        )
    ]


def _price(report: dict[str, Any], lang: str) -> list[str]:
    out: list[str] = []
    for position in ("below", "above"):
        rows = [
            r
            for r in section(report, "price").get("rows") or []
            if r.get("position") == position and r.get("market") and r.get("price") is not None
        ]
        for r in rows[:PER_RULE]:
            m = r["market"]
            out.append(
                tx.t(
                    f"advice.price_{position}",
                    lang,
                    product=r.get("product") or r.get("sku"),
                    price=tx.baht(r["price"]),
                    median=tx.baht(m.get("median")),
                    p25=tx.baht(m.get("p25")),
                    p75=tx.baht(m.get("p75")),
                )
            )
    return out


def _outlook(report: dict[str, Any], lang: str) -> list[str]:
    sec = section(report, "outlook")
    weeks = sec.get("horizonWeeks") or 8
    out: list[str] = []
    naive: list[str] = []
    for s in sec.get("series") or []:
        label = f"“{s.get('product') or s.get('sku')}” ({tx.channel(s.get('channel'), lang)})"
        forecast = [f for f in s.get("forecast") or [] if f.get("units") is not None]
        if s.get("shown") == "model" and forecast:
            if len(out) >= PER_RULE:
                continue
            out.append(
                tx.t(
                    "advice.forecast_model",
                    lang,
                    product=s.get("product") or s.get("sku"),
                    channel=tx.channel(s.get("channel"), lang),
                    weeks=weeks,
                    units=tx.num(fmean(f["units"] for f in forecast)),
                    low=tx.num(fmean(f.get("low") or f["units"] for f in forecast)),
                    high=tx.num(fmean(f.get("high") or f["units"] for f in forecast)),
                )
            )
        elif s.get("shown") is not None:
            naive.append(label)
    if naive:
        out.append(tx.t("advice.forecast_naive", lang, products=tx.join(naive[:PER_RULE], lang)))
    return out


def _words(report: dict[str, Any], lang: str) -> list[str]:
    out: list[str] = []
    for s in (section(report, "words").get("suggestions") or [])[:PER_RULE]:
        words = [w for w in s.get("add") or [] if w]
        if words:
            out.append(
                tx.t(
                    "advice.words",
                    lang,
                    product=s.get("product") or s.get("sku"),
                    words=", ".join(f"“{w}”" for w in words[:4]),
                )
            )
    return out


def _creators(report: dict[str, Any], lang: str) -> list[str]:
    sec = section(report, "creators")
    rows = (sec.get("rows") or [])[:PER_RULE]
    if not rows:
        return []
    names = [
        tx.t(
            "advice.creator",
            lang,
            handle=r.get("handle") or r.get("name") or r.get("id"),
            platform=tx.name("platform", r.get("platform"), lang),
            followers=tx.num(r.get("followers")),
        )
        for r in rows
    ]
    named = tx.kind(sec.get("kind"), lang)
    known = sec.get("kind") and named != sec["kind"]
    kind = (
        (named.lower() if lang == "en" else named) if known else tx.t("advice.products_kind", lang)
    )
    return [tx.t("advice.creators", lang, creators=tx.join(names, lang), kind=kind)]


RULES: tuple[tuple[str, Callable[[dict[str, Any], str], list[str]]], ...] = (
    ("channels", _channels),
    ("time", _time),
    ("products", _products),
    ("price", _price),
    ("buyers", _buyers),
    ("outlook", _outlook),
    ("words", _words),
    ("creators", _creators),
)


def advice(report: dict[str, Any], lang: str) -> list[Advice]:
    """The report's ``advice`` list, ``[{section, text}]`` in ``lang``, money matters first."""
    tx.check_lang(lang)
    return [{"section": key, "text": text} for key, rule in RULES for text in rule(report, lang)]
