"""Insight "rain": how much rain each weather station (district) has had over the last
24 hours, 7 days and 30 days, against normal, and what the forecast says.

Windows: hourly rows are labelled by the start of their hour (the sandbox's and the
importer's convention: the 09:00 row holds the rain of 09:00-10:00), so a window of N
hours "ending at now" takes the N complete hours before the hour now is in:
``end - N h <= at < end`` with ``end`` = now rounded down to the hour. The hour in
progress is left out; it would make every total depend on the minute of the question.

Normal of a window: the mean of the same calendar window in earlier years of the
station's own record (``normalSource`` "station") when at least ``MIN_YEARS`` earlier
years have it complete (>= ``COMPLETE`` of its hours), since a station's own record
knows its local rain better than a provincial table; otherwise the province's
climatological normal from normals.py ("climate"). Categories of the ratio to normal
follow the India Meteorological Department's bands of departure from normal (large
deficient <= -60 %, deficient -59..-20 %, normal -19..+19 %, excess +20..+59 %, large
excess >= +60 %), a widely used monsoon-rain scale; Thailand's TMD publishes no such
bands for windows of days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import duckdb

from isanhub.insight.agri import normals
from isanhub.insight.agri.ask import Ask

WINDOWS = (("24h", 24), ("7d", 168), ("30d", 720))  #: (name, hours)
MAX_YEARS = 30  #: earlier years a station normal looks back (a WMO normal is 30 years)
MIN_YEARS = 3  #: complete earlier years needed for a station normal
COMPLETE = 0.9  #: share of a window's hours an earlier year needs to count
MIN_NORMAL_MM = 1.0  #: below this a ratio to normal means nothing (dry-season days)
RAINY_DAY_MM = 1.0  #: a rainy day has at least this much (WMO's rain-day threshold)
LOOKBACK_DAYS = 366  #: how far back the last rainy day is looked for
OUTLOOK_DAYS = 7
LIKELY = 0.6  #: forecast probability from which a day is "likely rainy"
#: (upper bound of the ratio, inclusive?, category), the IMD bands above
CATEGORIES = ((0.4, True, "dry"), (0.8, True, "belowNormal"), (1.2, False, "normal"),
              (1.6, False, "aboveNormal"))  # fmt: skip


def category(ratio: float | None) -> str | None:
    """The category of a ratio to normal (rounded to 2 decimals, as shown)."""
    if ratio is None:
        return None
    for bound, inclusive, name in CATEGORIES:
        if ratio < bound or (inclusive and ratio == bound):
            return name
    return "wet"


def hour_end(now: datetime) -> datetime:
    """The end of the last complete hour at ``now``."""
    return now.replace(minute=0, second=0, microsecond=0)


_STATIONS = """
SELECT id, arg_max(province, x.at), arg_max(district, x.at), arg_max(lat, x.at),
       arg_max(lon, x.at), max(x.at) FILTER (temp_c IS NOT NULL),
       arg_max(temp_c, x.at) FILTER (temp_c IS NOT NULL)
FROM weather x WHERE {where} AND x.at <= ? GROUP BY id ORDER BY 2, 3, 1"""

# Every window of this year and the MAX_YEARS before, one pass: a cheap day-of-year
# test drops the rows far from any anniversary, an ASOF join finds the nearest window
# end after each row (a range join against 93 windows is ten times slower).
_WINDOWS = """
WITH w AS (
    SELECT s.name, s.span, r.k::INT AS k, ?::TIMESTAMP - to_years(r.k::INT) AS stop,
           ?::TIMESTAMP - to_years(r.k::INT) - to_hours(s.span) AS start
    FROM range(0, {years} + 1) r(k), (VALUES {spans}) s(name, span)),
ends AS (SELECT DISTINCT k, stop FROM w),
x AS (SELECT x.id, x.at, x.rain_mm FROM weather x WHERE {where} AND x.at < ?
      AND x.at >= ?::TIMESTAMP - to_years({years} + 1)
      AND (dayofyear(?::TIMESTAMP) - dayofyear(x.at) + 368) % 366 <= {days}),
y AS (SELECT x.id, w.name, w.span, w.k, count(x.rain_mm) AS n, sum(x.rain_mm) AS mm
      FROM x ASOF JOIN ends e ON x.at < e.stop JOIN w ON w.k = e.k AND x.at >= w.start
      GROUP BY ALL)
SELECT id, name, max(n) FILTER (k = 0), max(mm) FILTER (k = 0),
       count(*) FILTER (k > 0 AND n >= {complete} * span),
       avg(mm) FILTER (k > 0 AND n >= {complete} * span)
FROM y GROUP BY id, name"""

_DAYS = """
SELECT id, max(d) FILTER (mm >= {rainy}), min(d) FROM (
    SELECT id, CAST(x.at AS DATE) AS d, round(sum(rain_mm), 1) AS mm FROM weather x
    WHERE {where} AND x.at >= ? AND x.at < ? AND rain_mm IS NOT NULL GROUP BY ALL)
GROUP BY id"""

# the latest issue of each day's forecast known at now, per district
_OUTLOOK = """
SELECT province, district, valid_from, issued_at, rain_mm, rain_probability FROM (
    SELECT *, row_number() OVER (PARTITION BY province, district, valid_from
                                 ORDER BY issued_at DESC NULLS LAST) AS rn
    FROM forecasts f WHERE {where} AND (f.issued_at IS NULL OR f.issued_at <= ?)
    AND f.valid_from >= ? AND f.valid_from < ?)
WHERE rn = 1 ORDER BY valid_from"""


def _iso(t: datetime | date | None) -> str | None:
    return None if t is None else t.isoformat()


def _window(start: datetime, end: datetime, hours: int, got: tuple[Any, ...] | None,
            province: str | None) -> dict[str, Any]:  # fmt: skip
    n, mm, years, station_mm = got or (0, None, 0, None)
    normal: float | None
    source: str | None
    if years >= MIN_YEARS:
        normal, source = station_mm, "station"
    else:
        normal = normals.window(province, start, end)
        source = None if normal is None else "climate"
    ok = mm is not None and normal is not None and normal >= MIN_NORMAL_MM
    ratio = round(mm / normal, 2) if ok else None
    return {
        "from": _iso(start), "to": _iso(end),
        "rainMm": None if mm is None else round(mm, 1), "hours": n, "expectedHours": hours,
        "normalMm": None if normal is None else round(normal, 1), "normalSource": source,
        "normalYears": years if source == "station" else None,
        "ratio": ratio, "category": category(ratio),
    }  # fmt: skip


def _outlook(rows: list[tuple[Any, ...]]) -> dict[str, Any] | None:
    if not rows:
        return None
    days = []
    for _p, _d, start, _issued, mm, prob in rows:
        # some feeds give percent: a probability above 1 is read as percent
        p = None if prob is None else (prob / 100 if prob > 1 else prob)
        days.append({"date": start.date().isoformat(), "rainMm": None if mm is None else
                     round(mm, 1), "probability": None if p is None else round(p, 2)})  # fmt: skip
    return {
        "issuedAt": _iso(max((r[3] for r in rows if r[3] is not None), default=None)),
        "days": len(days), "rainMm": round(sum(r[4] or 0.0 for r in rows), 1),
        "likelyRainDays": [d["date"] for d in days if (d["probability"] or 0) >= LIKELY],
        "daily": days,
    }  # fmt: skip


def stations(con: duckdb.DuckDBPyConnection, ask: Ask) -> list[dict[str, Any]]:
    """The figures of every station in the asked place (the alerts insight uses them)."""
    where, params = ask.where("x")
    end = hour_end(ask.now)
    found = con.execute(_STATIONS.format(where=where), [*params, ask.now]).fetchall()
    if not found:
        return []
    spans = ", ".join(f"('{name}', {hours})" for name, hours in WINDOWS)
    days = max(h for _, h in WINDOWS) // 24 + 6  # the window plus leap-day slack
    sql = _WINDOWS.format(where=where, years=MAX_YEARS, spans=spans, days=days,
                          complete=COMPLETE)  # fmt: skip
    got = {
        (r[0], r[1]): r[2:] for r in con.execute(sql, [end, end, *params, end, end, end]).fetchall()
    }
    today = ask.now.date()
    since = datetime.combine(today - timedelta(days=LOOKBACK_DAYS), datetime.min.time())
    wet = {r[0]: r[1:] for r in con.execute(
        _DAYS.format(where=where, rainy=RAINY_DAY_MM), [*params, since, end]).fetchall()}  # fmt: skip
    fwhere, fparams = ask.where("f")
    ahead = con.execute(_OUTLOOK.format(where=fwhere), [*fparams, ask.now, ask.now,
                        ask.now + timedelta(days=OUTLOOK_DAYS)]).fetchall()  # fmt: skip
    out = []
    for sid, province, district, lat, lon, temp_at, temp in found:
        last, first = wet.get(sid, (None, None))
        # no rainy day in the look-back: the dry spell is at least the data it has
        dry = (today - (last or first)).days if (last or first) else None
        mine = [r for r in ahead if r[0] == province and r[1] == district]
        out.append({
            "id": sid, "province": province, "district": district, "lat": lat, "lon": lon,
            "rain": {name: _window(end - timedelta(hours=h), end, h, got.get((sid, name)),
                                   province) for name, h in WINDOWS},
            "lastRainyDay": _iso(last), "daysSinceRain": dry,
            "temperature": None if temp_at is None else {"at": _iso(temp_at), "tempC": temp},
            "outlook": _outlook(mine),
        })  # fmt: skip
    return out


def insight(con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
    return {
        "insight": "rain", "now": _iso(ask.now), "until": _iso(hour_end(ask.now)),
        "province": ask.province, "district": ask.district,
        "rainyDayMm": RAINY_DAY_MM, "likelyProbability": LIKELY,
        "stations": stations(con, ask),
    }  # fmt: skip
