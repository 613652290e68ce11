"""Governance: citizens' issue reports, the way Khon Kaen and Bangkok receive them
through Traffy Fondue (NECTEC's reporting app, used by Bangkok since 2022 and by many
municipalities).

Data model ``IssueReporting`` (SDM dataModel.IssueTracking). Attributes (the KPI engine
reads the starred ones): ``category`` (road, sidewalk, lighting, waste, flooding,
drainage, noise, water, tree, traffic, strayAnimal), ``title`` (Thai),
``description`` (th/en), ``reportId``, ``departmentId``, *``resolutionStatus`` (SDM
values "Open" | "InProgress" | "Closed" at the end of the window), *``dateCreated``
(when the citizen reported; SDM's name, set by the source rather than the store),
``location`` (where the problem is) and address.

Project extensions: *``dateResolved`` (present only once closed; SDM's IssueReporting
has no resolution time, Open311's ``updated_datetime`` means it only for closed
requests), ``reportChannel`` ("traffyFondue" | "lineOfficial" | "phone").

Generation: each local day draws its number of reports (at least one: a city always
has some) and their categories from its own random stream, so a report is the same
whichever window includes it; then each report's time of day (busiest on the morning
commute and the evening), district (the provincial seat most) and resolution time:
log-normal around a median per category (1.5 days for noise to 8 for sidewalks), a long
tail, and 4 % that are never closed. Whether a report is closed depends only on the
end of the window. Rainy-season multipliers: flooding ×6, drainage ×2, trees ×1.4 (storms),
waste ×1.5, roads ×1.3 (potholes); the season from ``energy.rainy`` (TMD). Counts per
90 days (Khon Kaen ~600, the others 150-250, Bangkok most) are the sandbox's choice;
no reporter's identity is generated.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, timedelta

from isanhub.demo.calendar import rainy
from isanhub.demo.item import Item, base, entity_id, names, near, prop, when
from isanhub.demo.patterns import DAY, HOUR, local_date, local_midnight
from isanhub.demo.sandbox import Context

#: reports per 90 days at the year's mean season
PER_90_DAYS = {
    "khon-kaen": 600, "nakhon-ratchasima": 180, "chiang-mai": 170, "phuket": 150,
    "chon-buri": 160, "bangkok": 250,
}  # fmt: skip

#: category: (th, en, share, rainy-season multiplier, median days to resolve, department)
CATEGORIES: dict[str, tuple[str, str, float, float, float, str]] = {
    "road": ("ถนนชำรุด", "Damaged road", 0.16, 1.3, 7, "publicWorks"),
    "sidewalk": ("ทางเท้าชำรุด", "Damaged sidewalk", 0.06, 1.0, 8, "publicWorks"),
    "lighting": ("ไฟฟ้าส่องสว่างดับ", "Streetlight out", 0.12, 1.1, 3, "publicWorks"),
    "waste": ("ขยะตกค้าง", "Uncollected waste", 0.16, 1.5, 2, "publicHealthEnvironment"),
    "flooding": ("น้ำท่วมขัง", "Flooding", 0.06, 6.0, 2, "publicWorks"),
    "drainage": ("ท่อระบายน้ำอุดตัน", "Blocked drain", 0.10, 2.0, 5, "publicWorks"),
    "noise": ("เสียงรบกวน", "Noise", 0.07, 1.0, 1.5, "municipalLawEnforcement"),
    "water": ("น้ำประปาไม่ไหล/รั่ว", "Water supply cut or leak", 0.07, 1.0, 3, "waterworks"),
    "tree": ("ต้นไม้ล้ม/กีดขวาง", "Fallen or overgrown tree", 0.06, 1.4, 5, "publicWorks"),
    "traffic": ("ปัญหาจราจร", "Traffic problem", 0.08, 1.0, 4, "trafficEngineering"),
    "strayAnimal": ("สัตว์จรจัด", "Stray animals", 0.06, 1.0, 6, "publicHealthEnvironment"),
}  # fmt: skip
#: the year's mean of ``rainy`` (a Gaussian bump of width 50-70 days over 365)
MEAN_RAINY = {"phuket": 70 * math.sqrt(2 * math.pi) / 365}
MEAN_RAINY_DEFAULT = 50 * math.sqrt(2 * math.pi) / 365
#: share of reports by local hour: the morning commute and the evening
HOURS = [1, 1, 1, 1, 1, 2, 4, 7, 9, 8, 7, 6, 6, 6, 6, 6, 7, 8, 9, 8, 6, 4, 3, 2]
NEVER_CLOSED = 0.04
SIGMA = 0.9  # spread of log(days to resolve): a long tail


def _poisson(r: random.Random, mean: float) -> int:
    """Knuth's Poisson draw (the means here are small)."""
    limit, k, p = math.exp(-mean), 0, r.random()
    while p > limit:
        k += 1
        p *= r.random()
    return k


def _weights(key: str, day: date) -> list[float]:
    """Each category's expected share of the day's reports, the season included."""
    wet = rainy(key, day.timetuple().tm_yday)
    mean = MEAN_RAINY.get(key, MEAN_RAINY_DEFAULT)
    return [
        share * (1 + (mult - 1) * wet) / (1 + (mult - 1) * mean)
        for _, _, share, mult, _, _ in CATEGORIES.values()
    ]


def generate(ctx: Context) -> Iterator[Item]:
    key = ctx.province.key
    per_day = PER_90_DAYS[key] / 90
    noise = ctx.noise("issues")
    after = int(ctx.clock.after.timestamp())
    codes = list(CATEGORIES)
    districts = ctx.districts
    weights = [4] + [1] * (len(districts) - 1)  # the provincial seat reports most
    day, last = local_date(ctx.clock.start), local_date(after - 1)
    while day <= last:
        r = noise.on(day)
        shares = _weights(key, day)
        count = max(1, _poisson(r, per_day * sum(shares) * (0.9 if day.weekday() >= 5 else 1.04)))
        for k in range(count):
            code = r.choices(codes, shares)[0]
            th, en, _, _, median, department = CATEGORIES[code]
            created = local_midnight(day) + r.choices(range(24), HOURS)[0] * HOUR
            created += r.randrange(HOUR)
            accepted = created + int(r.expovariate(2.0) * DAY)
            days = median * math.exp(SIGMA * r.gauss(0, 1))
            resolved = None if r.random() < NEVER_CLOSED else created + int(days * DAY)
            d = r.choices(districts, weights)[0]
            at = near(r, d, 5.0)
            channel = r.choices(("traffyFondue", "lineOfficial", "phone"), (85, 10, 5))[0]
            if not ctx.clock.start <= created < after:
                continue
            if resolved is not None and resolved <= after:
                status = "Closed"
            else:
                status = "InProgress" if accepted <= after else "Open"
            report_id = f"{ctx.province.code}-{day:%Y%m%d}-{k + 1:02d}"
            e = base("IssueReporting", entity_id("IssueReporting", d, f"{day:%Y%m%d}-{k + 1}"),
                     d, f"{th} ({d.name_th})", f"{en} ({d.name_en})", at)  # fmt: skip
            e.update(
                category=prop(code),
                title=prop(th),
                description=names(f"แจ้งเรื่อง: {th}", f"Citizen report: {en}"),
                reportId=prop(report_id),
                departmentId=prop(department),
                resolutionStatus=prop(status),
                dateCreated=when(created),
                reportChannel=prop(channel),
            )
            if status == "Closed" and resolved is not None:
                e["dateResolved"] = when(resolved)
            yield Item(e)
        day += timedelta(days=1)
