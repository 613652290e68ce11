"""People: digital-skills courses (depa, the provinces' universities, community digital
centres, the "1 Tambon 1 Digital" drone pilots).

Data model ``TrainingProgram`` (a project type: Smart Data Models has none for
courses). Attributes (the KPI engine reads the starred ones): *``startDate``,
*``endDate`` (DateTime), *``participants`` (enrolled), *``completed`` (graduates, ≤
participants; only once the course has ended), ``courseStatus`` ("planned" | "ongoing"
| "completed" at the end of the window), ``topic``, ``targetGroup``, ``organizer``
(Thai and English), ``courseMode`` ("onsite" | "online": schema.org's CourseInstance
term), name (th/en) and the venue's location and address.

How many: courses come on a steady schedule, Khon Kaen about 40 in a 90-day window and
the other provinces about 10 each; each slot's details are drawn from its own day, so
a course is the same whichever window includes it. The published schedule of the next
``AHEAD_DAYS`` days is included too (as "planned"), the way training calendars are
announced ahead, so that even a short window shows every province's courses.

Facts: depa (Digital Economy Promotion Agency) runs digital-skills and "1 Tambon 1
Digital" programmes, the latter training community drone pilots (city-facts.md); the
Ministry of Digital Economy and Society runs community digital centres (ศูนย์ดิจิทัลชุมชน)
in every district. Topic mixes follow each province's character (Khon Kaen silk sellers
and farmers, Phuket tourism, Chiang Mai crafts and digital nomads, Chon Buri's EEC
industry, Bangkok's workforce). Class sizes and completion rates are assumptions.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta

from isanhub.demo.calendar import place_th
from isanhub.demo.item import Item, base, entity_id, names, near, prop, when
from isanhub.demo.patterns import DAY, HOUR, local_date, local_midnight
from isanhub.demo.sandbox import Context

AHEAD_DAYS = 14
#: courses per day of the window
RATE = {"khon-kaen": 40 / 90}
LIGHT_RATE = 10 / 90

#: topic: (th, en, target group, (shortest, longest) days, share online)
TOPICS: dict[str, tuple[str, str, str, tuple[int, int], float]] = {
    "onlineSelling": ("การขายของออนไลน์", "Selling online", "sellers", (1, 2), 0.4),
    "liveSelling": ("ไลฟ์สดขายสินค้า", "Live selling", "sellers", (1, 1), 0.3),
    "productPhotography": ("ถ่ายภาพสินค้าด้วยมือถือ", "Product photos with a phone", "sellers",
                           (1, 1), 0.2),
    "dronePilot": ("นักบินโดรนเพื่อการเกษตร", "Agricultural drone pilot", "farmers", (3, 5), 0.0),
    "elderlyDigitalLiteracy": ("ทักษะดิจิทัลสำหรับผู้สูงอายุ", "Digital literacy for older people",
                               "olderPeople", (1, 2), 0.0),
    "dataSkills": ("ทักษะข้อมูลและการวิเคราะห์ข้อมูล", "Data skills and analytics", "workforce",
                   (2, 3), 0.5),
    "cyberSafety": ("ความปลอดภัยไซเบอร์และรู้ทันข่าวปลอม", "Cyber safety and spotting fake news",
                    "public", (1, 1), 0.5),
    "digitalTourism": ("การตลาดดิจิทัลเพื่อการท่องเที่ยว", "Digital marketing for tourism",
                       "tourismBusinesses", (1, 2), 0.3),
}  # fmt: skip

#: topic weights per province, in the order of TOPICS
MIX: dict[str, tuple[int, ...]] = {
    "khon-kaen": (3, 2, 2, 2, 2, 2, 1, 0),
    "nakhon-ratchasima": (2, 1, 1, 3, 2, 1, 1, 0),
    "chiang-mai": (2, 1, 1, 1, 1, 2, 1, 2),
    "phuket": (2, 1, 1, 0, 1, 1, 1, 3),
    "chon-buri": (2, 1, 1, 1, 1, 3, 1, 1),
    "bangkok": (2, 2, 1, 0, 2, 3, 2, 0),
}

#: the province's university that teaches data skills (th, en)
UNIVERSITY = {
    "khon-kaen": ("มหาวิทยาลัยขอนแก่น", "Khon Kaen University"),
    "nakhon-ratchasima": ("มหาวิทยาลัยเทคโนโลยีสุรนารี", "Suranaree University of Technology"),
    "chiang-mai": ("มหาวิทยาลัยเชียงใหม่", "Chiang Mai University"),
    "phuket": ("มหาวิทยาลัยสงขลานครินทร์ วิทยาเขตภูเก็ต", "Prince of Songkla University, Phuket"),
    "chon-buri": ("มหาวิทยาลัยบูรพา", "Burapha University"),
    "bangkok": ("มหาวิทยาลัยเทคโนโลยีพระจอมเกล้าธนบุรี",
                "King Mongkut's University of Technology Thonburi"),
}  # fmt: skip
DEPA = ("สำนักงานส่งเสริมเศรษฐกิจดิจิทัล (depa)", "Digital Economy Promotion Agency (depa)")
ONE_TAMBON = ("โครงการ 1 ตำบล 1 ดิจิทัล (depa)", "1 Tambon 1 Digital programme (depa)")


def _slots(rate: float, offset: float, first: date, last: date) -> Iterator[date]:
    """The days from ``first`` to ``last`` that start a course: a steady cadence of
    ``rate`` a day, anchored to the calendar (not to the window)."""
    day = first
    while day <= last:
        o = day.toordinal()
        if math.floor((o + 1) * rate + offset) > math.floor(o * rate + offset):
            yield day
        day += timedelta(days=1)


def generate(ctx: Context) -> Iterator[Item]:
    key = ctx.province.key
    rate = RATE.get(key, LIGHT_RATE)
    noise = ctx.noise("training")
    offset = noise.rng("offset").random()
    after = int(ctx.clock.after.timestamp())
    first, last = local_date(ctx.clock.start), local_date(after + AHEAD_DAYS * DAY)
    codes = list(TOPICS)
    weights = [3] + [1] * (len(ctx.districts) - 1)  # the seat district hosts more
    for slot in _slots(rate, offset, first - timedelta(days=4), last):
        r = noise.on(slot)
        topic = r.choices(codes, MIX[key])[0]
        th, en, target, (shortest, longest), online_share = TOPICS[topic]
        online = r.random() < online_share
        d = r.choices(ctx.districts, weights)[0]
        day = slot + timedelta(days=r.randint(0, 3))
        if not online and day.weekday() >= 5:  # onsite classes run on weekdays
            day += timedelta(days=7 - day.weekday())
        days = r.randint(shortest, longest)
        start = local_midnight(day) + (19 if online else 9) * HOUR
        end = local_midnight(day + timedelta(days=days - 1)) + (21 if online else 16) * HOUR
        if not ctx.clock.start <= start < after + AHEAD_DAYS * DAY:
            continue
        if topic == "dronePilot":
            organizer, enrolled, completion = ONE_TAMBON, r.randint(10, 20), r.uniform(0.7, 0.9)
        elif topic == "elderlyDigitalLiteracy":
            organizer = (f"ศูนย์ดิจิทัลชุมชน{place_th(d)}", f"{d.name_en} Community Digital Centre")
            enrolled, completion = r.randint(15, 30), r.uniform(0.82, 0.97)
        else:
            organizer = (
                UNIVERSITY[key] if topic == "dataSkills" else r.choice((DEPA, UNIVERSITY[key]))
            )
            enrolled = r.randint(40, 250) if online else r.randint(15, 40)
            completion = r.uniform(0.45, 0.75) if online else r.uniform(0.82, 0.97)
        status = "completed" if end <= after else "ongoing" if start <= after else "planned"
        e = base("TrainingProgram", entity_id("TrainingProgram", d, f"{slot:%Y%m%d}"), d,
                 f"{th} ({d.name_th})", f"{en} ({d.name_en})", near(r, d, 3.0))  # fmt: skip
        e.update(
            topic=prop(topic),
            targetGroup=prop(target),
            organizer=names(*organizer),
            courseMode=prop("online" if online else "onsite"),
            startDate=when(start),
            endDate=when(end),
            participants=prop(enrolled),
            courseStatus=prop(status),
        )
        if status == "completed":
            e["completed"] = prop(min(enrolled, round(enrolled * completion)))
        yield Item(e)
