"""The ``words`` section: the words in the titles of what sells, the shop's and the
market's, so that a seller sees which words buyers meet in best-selling titles of the same
kind of product and which of them the shop's own titles lack.

Thai writes no spaces between words, so titles are cut with pythainlp's dictionary
tokeniser (``newmm``, offline). Only distinct titles are tokenised, each once per process
(cached): a million lines carry a few thousand titles. DuckDB finds the best sellers; the
Python side only counts words.

Privacy: market words come only from kinds that at least ``MIN_SELLERS`` other shops
sell, are counted in shops (a shop with many products using a word counts once), and a
word is listed only when the best sellers of at least ``MIN_WORD_SHOPS`` other shops use
it, so that no listed word points at one shop's best seller.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import date
from functools import cache, lru_cache
from typing import Any

import duckdb

from isanhub.insight.commerce.price import check_min_sellers, window
from isanhub.insight.commerce.schema import MIN_SELLERS

BEST_SHARE = 0.8  #: best sellers: the products making up the top 80 % of GMV
MIN_WORD_SHOPS = 3  #: a market word is listed only when this many other shops use it
TOP_WORDS = 20  #: words listed in ``best`` and ``market``
TOP_PRODUCTS, TOP_ADD = 10, 5  #: suggestions: products, words per product

_EDGES = "".join(chr(c) for c in range(0x21, 0x80) if not chr(c).isalnum()) + "“”‘’«»…–—•·฿๏"
_LETTER = re.compile(r"[a-z\u0e01-\u0e2e]")
_NUMBER = re.compile(r"(?=.*[\d๐-๙])[\d๐-๙.,x×/%+-]+")


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UNITS = _set(
    "g gr gram grams kg kgs mg ml l cl cm mm m yd yard yards inch in oz lb lbs pc pcs piece pieces"
    " pack packs size xs s xl xxl xxxl 2xl 3xl 4xl free-size freesize"
    " กรัม กก กิโล กิโลกรัม ก มล มิลลิลิตร ลิตร ซม เซน เซนติเมตร มม เมตร หลา นิ้ว ชิ้น ซอง"
    " ถุง ขวด กล่อง แพ็ค แพ็ก แพค ลูก ใบ ไซส์ ไซซ์ ไซด์ ฟรีไซส์ คู่ ตัว ผืน กระปุก โหล หลอด"
    " ห่อ แผ่น ม้วน เส้น"
)
_SIZED = re.compile(
    r"[\d๐-๙][\d๐-๙.,x×]*(" + "|".join(sorted(map(re.escape, _UNITS), key=len)[::-1]) + ")"
)
_ENGLISH_STOP = _set("a an the and or of for with in on to by from at as is are this that new")

_BEST = """
WITH products AS (
    SELECT {who} coalesce(nullif(sku, ''), product) AS key, sum(gross) AS gmv,
           arg_max(nullif(sku, ''), ordered_at) AS sku, arg_max(product, ordered_at) AS title,
           arg_max(kind, ordered_at) AS kind, list(DISTINCT product) AS titles
    FROM {source}
    WHERE status IS DISTINCT FROM 'cancelled' AND ordered_at >= $start AND ordered_at < $end
      AND product IS NOT NULL {where}
    GROUP BY ALL
    HAVING sum(gross) > 0
),
ranked AS (
    SELECT *, coalesce(sum(gmv) OVER (PARTITION BY {by} ORDER BY gmv DESC, key
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS above,
           sum(gmv) OVER (PARTITION BY {by}) AS total
    FROM products
)
SELECT {who} sku, title, kind, titles FROM ranked WHERE above < {share} * total
ORDER BY gmv DESC, key
"""
_OWN = _BEST.format(who="", source="lines", where="", by="true", share=BEST_SHARE)
_PEERS = """
WITH peers AS (
    SELECT * FROM market
    WHERE kind IN (SELECT unnest($kinds::VARCHAR[])) AND shop IS NOT NULL
      AND (tenant IS DISTINCT FROM $tenant OR shop IS DISTINCT FROM $shop)
      AND status IS DISTINCT FROM 'cancelled' AND ordered_at >= $start AND ordered_at < $end
),
pool AS (
    SELECT kind FROM peers GROUP BY kind HAVING count(DISTINCT (tenant, shop)) >= $min
)
SELECT kind, count(DISTINCT (tenant, shop)) FROM peers WHERE kind IN (SELECT kind FROM pool)
GROUP BY kind
"""
_MARKET = _BEST.format(
    who="tenant, shop,",
    source="market",
    where="AND kind IN (SELECT unnest($kinds::VARCHAR[])) "
    "AND (tenant IS DISTINCT FROM $tenant OR shop IS DISTINCT FROM $shop) AND shop IS NOT NULL",
    by="tenant, shop",
    share=BEST_SHARE,
)


@cache
def _stop() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords()) | _ENGLISH_STOP


def keep(token: str) -> str | None:
    """The word a token counts as, or None: trimmed of punctuation, English lower-cased;
    stop words, numbers, single characters and sizes/units ("500g", "กก", "xl") dropped."""
    word = token.strip().casefold().strip(_EDGES).strip()
    if len(word) < 2 or not _LETTER.search(word) or _NUMBER.fullmatch(word):
        return None
    if word in _UNITS or _SIZED.fullmatch(word) or word in _stop():
        return None
    return word


@lru_cache(maxsize=1 << 16)
def words_of(title: str) -> frozenset[str]:
    """The distinct words of a title (pythainlp ``newmm`` tokens kept by ``keep``)."""
    from pythainlp.tokenize import word_tokenize

    text = unicodedata.normalize("NFC", title)
    tokens = word_tokenize(text, engine="newmm", keep_whitespace=False)
    return frozenset(w for w in map(keep, tokens) if w is not None)


def _union(titles: list[str]) -> frozenset[str]:
    return frozenset().union(*(words_of(t) for t in titles if t))


def _ranked(counts: dict[str, int], total: int, least: int = 1) -> list[dict[str, Any]]:
    """Words used at least ``least`` times, most used first (ties by word), top 20."""
    top = sorted((w for w, n in counts.items() if n >= least), key=lambda w: (-counts[w], w))
    return [
        {"word": w, "count": counts[w], "share": round(counts[w] / total, 4)}
        for w in top[:TOP_WORDS]
    ]


def words(
    con: duckdb.DuckDBPyConnection,
    *,
    tenant: str,
    shop: str,
    as_of: date,
    min_sellers: int = MIN_SELLERS,
) -> dict[str, Any]:
    """The ``words`` section (docs/seller-report.md), over the 90 days ending ``as_of``.

    - A product (SKU, else title) is a *best seller* of a shop when the products ranked
      above it by GMV (ties by key) make less than 80 % of the shop's GMV; its words are
      those of all its titles in the window.
    - ``best``: words of the shop's best sellers; ``count`` = best sellers using the word,
      ``share`` = count ÷ best sellers.
    - ``market``: the kinds of the shop's best sellers that at least ``min_sellers`` other
      shops sell (a sold line in the window); the best sellers of each such shop (within
      those kinds); ``count`` = shops whose best sellers use the word (at least
      ``MIN_WORD_SHOPS``), ``share`` = count ÷ other shops with a best seller there; top 20.
      None when no kind qualifies, ``missing`` and ``suggestions`` then empty.
    - ``missing``: the words (strings) of ``market`` that no title of the shop (any line)
      uses.
    - ``suggestions``: per best seller (up to 10), up to 5 market words of its own kind
      (counted as above within the kind) that its titles do not use.
    """
    check_min_sellers(min_sellers)
    start, end = window(as_of)
    own = con.execute(_OWN, {"start": start, "end": end}).fetchall()
    best_counts: dict[str, int] = defaultdict(int)
    own_words = []
    for sku, title, kind, titles in own:
        used = _union(titles)
        own_words.append((sku, title, kind, used))
        for w in used:
            best_counts[w] += 1
    out: dict[str, Any] = {
        "best": _ranked(best_counts, len(own)),
        "market": None,
        "missing": [],
        "suggestions": [],
    }
    kinds = sorted({kind for _, _, kind, _ in own_words if kind is not None})
    params = {"tenant": tenant, "shop": shop, "kinds": kinds, "start": start, "end": end}
    pool = dict(con.execute(_PEERS, params | {"min": min_sellers}).fetchall()) if kinds else {}
    if not pool:
        return out
    params["kinds"] = sorted(pool)
    shops_of: dict[str, set[tuple[str, str]]] = defaultdict(set)
    by_kind: dict[str, dict[str, set[tuple[str, str]]]] = defaultdict(lambda: defaultdict(set))
    rows = con.execute(_MARKET, params).fetchall()
    sellers = len({(t, s) for t, s, *_ in rows})
    for t, s, _sku, _title, kind, titles in rows:
        for w in _union(titles):
            shops_of[w].add((t, s))
            by_kind[kind][w].add((t, s))
    market = _ranked({w: len(v) for w, v in shops_of.items()}, max(sellers, 1), MIN_WORD_SHOPS)
    out["market"] = market
    mine = _union([r[0] for r in con.execute("SELECT DISTINCT product FROM lines").fetchall()])
    out["missing"] = [m["word"] for m in market if m["word"] not in mine]
    for sku, title, kind, used in own_words[:TOP_PRODUCTS]:
        if kind not in pool:
            continue
        counts = {w: len(v) for w, v in by_kind[kind].items()}
        add = [m["word"] for m in _ranked(counts, pool[kind], MIN_WORD_SHOPS)]
        add = [w for w in add if w not in used][:TOP_ADD]
        if add:
            out["suggestions"].append({"sku": sku, "product": title, "add": add})
    return out
