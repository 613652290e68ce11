"""The ``creators`` section: local micro-influencers who fit what the shop sells, for a
seller looking for someone to host a live-selling session or a post.

Creators and their past live-selling sessions are NGSI-LD entities (``Creator``,
``LiveSellingSession``, see demo/economy.py), read here in keyValues form; attributes in
normalised form (``{"type": "Property", "value": ...}``) are unwrapped too, and a missing
attribute never fails: it counts as unknown (0 in the score).

Score, 0-1, a weighted sum of four parts each 0-1 (``WEIGHTS``):

- ``fit`` (0.40): how well the creator's niche suits the kind of product (kinds.FIT);
- engagement (0.25): engagement rate ÷ the highest among the candidates;
- local (0.20): 1 when the creator is in the shop's province (buyers and delivery
  nearby, the same dialect), else 0;
- past GMV (0.15): log(1 + GMV of the creator's live sessions) ÷ the same for the best
  candidate (log, so one very large seller does not flatten everyone else).

Fit weighs most: a creator whose audience does not buy the kind sells little however
engaged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from isanhub.insight.commerce.kinds import FIT, OTHER

WEIGHTS = {"fit": 0.40, "engagement": 0.25, "local": 0.20, "gmv": 0.15}
TIERS: dict[str, tuple[int, int]] = {"micro": (10_000, 100_000)}  #: followers, [low, high)
TOP = 10


def value(entity: dict[str, Any], name: str) -> Any:
    """An attribute's value in keyValues or normalised form (None when missing)."""
    got = entity.get(name)
    if isinstance(got, dict) and got.get("type") in ("Property", "Relationship"):
        return got.get("object", got.get("value"))
    return got


def _number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def name_of(entity: dict[str, Any], lang: str) -> str | None:
    """The name in ``lang`` (then English, Thai, any): a string, or a LanguageProperty
    (keyValues gives its language map; normalised form wraps it in ``languageMap``)."""
    name = entity.get("name")
    if isinstance(name, dict):
        name = name.get("languageMap", name.get("value", name))
    if isinstance(name, dict):
        for key in (lang, "en", "th", *name):
            if isinstance(name.get(key), str):
                return str(name[key])
        return None
    return name if isinstance(name, str) else None


def province_of(entity: dict[str, Any]) -> str | None:
    """The creator's DOPA province code: the first two digits of ``address.districtCode``,
    else the code of the province ``address.addressRegion`` names."""
    address = value(entity, "address")
    if not isinstance(address, dict):
        return None
    code = address.get("districtCode")
    if isinstance(code, str) and len(code) >= 2 and code[:2].isdigit():
        return code[:2]
    region = address.get("addressRegion")
    if isinstance(region, str) and region:
        from isanhub.ingest.sellers.places import province

        found = province([region])
        return found.code if found is not None else None
    return None


def tier_of(followers: float | None, tiers: dict[str, tuple[int, int]]) -> str | None:
    """The first tier with low <= followers < high."""
    if followers is None:
        return None
    return next((t for t, (low, high) in tiers.items() if low <= followers < high), None)


def past_gmv(sessions: list[dict[str, Any]]) -> dict[str, float]:
    """Creator id -> summed ``gmv`` of its sessions (sessions without a known gmv skipped)."""
    out: dict[str, float] = defaultdict(float)
    for s in sessions:
        who, gmv = value(s, "refCreator"), _number(value(s, "gmv"))
        if isinstance(who, str) and gmv is not None:
            out[who] += gmv
    return out


def creators(
    entities: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    *,
    kind: str,
    province_code: str | None,
    tiers: dict[str, tuple[int, int]] | None = None,
    lang: str = "th",
) -> dict[str, Any]:
    """The ``creators`` section (docs/seller-report.md) for a kind of product.

    Candidates: ``Creator`` entities whose followers fall in one of ``tiers`` (default
    ``TIERS``; low inclusive, high exclusive). Each gets ``score`` = sum of
    ``WEIGHTS[part] × part`` (module docstring), rounded to 4 decimals; rows are the 10
    best by score, then id. ``pastGmv`` is None for a creator without a session with a
    gmv; ``province`` is a DOPA code; ``name`` in ``lang``. Raises ValueError for a tier
    whose range is not 0 <= low < high.
    """
    chosen = dict(TIERS if tiers is None else tiers)
    for t, (low, high) in chosen.items():
        if not 0 <= low < high:
            raise ValueError(f"tier {t!r}: need 0 <= low < high, got {low}, {high}")
    gmv_of = past_gmv(sessions)
    fits = FIT.get(kind, FIT[OTHER])
    found = []
    for e in entities:
        if e.get("type", "Creator") != "Creator" or not isinstance(e.get("id"), str):
            continue
        followers = _number(value(e, "followers"))
        tier = tier_of(followers, chosen)
        if tier is None:
            continue
        niche = value(e, "niche")
        rate = _number(value(e, "engagementRate"))
        handle, platform = value(e, "alternateName"), value(e, "platform")
        found.append(
            {
                "id": e["id"],
                "handle": handle if isinstance(handle, str) else None,
                "name": name_of(e, lang),
                "platform": platform if isinstance(platform, str) else None,
                "followers": int(followers) if followers is not None else None,
                "tier": tier,
                "engagementRate": rate,
                "niche": niche if isinstance(niche, str) else None,
                "province": province_of(e),
                "fit": fits.get(niche, 0.0) if isinstance(niche, str) else 0.0,
                "pastGmv": round(gmv_of[e["id"]], 2) if e["id"] in gmv_of else None,
                "typicalFee": _number(value(e, "typicalFee")),
            }
        )
    top_rate = max((r["engagementRate"] or 0.0 for r in found), default=0.0)
    top_gmv = max((math.log1p(max(r["pastGmv"] or 0.0, 0.0)) for r in found), default=0.0)
    for r in found:
        parts = {
            "fit": r["fit"],
            "engagement": max(r["engagementRate"] or 0.0, 0.0) / top_rate if top_rate > 0 else 0,
            "local": 1.0 if province_code and r["province"] == province_code else 0.0,
            "gmv": math.log1p(max(r["pastGmv"] or 0.0, 0.0)) / top_gmv if top_gmv > 0 else 0,
        }
        r["score"] = round(sum(WEIGHTS[p] * x for p, x in parts.items()), 4)
    found.sort(key=lambda r: (-r["score"], r["id"]))
    return {"tiers": {t: list(r) for t, r in chosen.items()}, "kind": kind, "rows": found[:TOP]}
