"""The farmer insights: name, module, what each answers (Thai and English). A module
is imported when its insight is first asked, so listing them costs nothing."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from isanhub.insight.agri.ask import Ask


@dataclass(frozen=True)
class Insight:
    """One insight: its name, the module with ``insight(con, ask)``, what it answers."""

    name: str
    module: str
    th: str
    en: str

    def run(self, con: duckdb.DuckDBPyConnection, ask: Ask) -> dict[str, Any]:
        fn: Callable[[duckdb.DuckDBPyConnection, Ask], dict[str, Any]]
        fn = importlib.import_module(self.module).insight
        return fn(con, ask)


_M = "isanhub.insight.agri."
#: the farmer insights, in the order the pages and the CLI show them
INSIGHTS: dict[str, Insight] = {i.name: i for i in (
    Insight("prices", _M + "prices", "ราคาพืชผล เทียบปีก่อน และส่วนต่างราคาหน้าฟาร์มกับราคาขายส่ง",
            "crop prices against last year, farm-gate vs wholesale spread"),
    Insight("outlook", _M + "outlook", "แนวโน้มราคา 4–8 สัปดาห์ พร้อมผลทดสอบย้อนหลัง",
            "price outlook for 4-8 weeks, backtested against a seasonal-naive forecast"),
    Insight("rain", _M + "rain", "ฝน 24 ชม. 7 วัน 30 วัน เทียบค่าปกติ",
            "rainfall over 24 h, 7 and 30 days against normal"),
    Insight("alerts", _M + "alerts", "เตือนภัยแล้งและน้ำท่วม", "drought and flood alerts"),
    Insight("parcels", _M + "parcels", "แปลงตามระยะการเติบโตและปฏิทินเพาะปลูก",
            "parcels by crop stage on the crop calendars"),
    Insight("harvest", _M + "harvest", "ช่วงเก็บเกี่ยวที่คาดและผลผลิตรายอำเภอ",
            "expected harvest windows and yields per district"),
    Insight("drones", _M + "drones", "ชุมชนโดรน: ไร่ที่พ่น งาน รายได้ เวลาที่ประหยัด",
            "drone community: rai sprayed, jobs, revenue, time saved"),
    Insight("plan", _M + "plan", "แผนจัดโดรนให้แปลงที่ถึงกำหนดพ่นสัปดาห์หน้า",
            "plan assigning parcels due next week to drones"),
    Insight("production", _M + "production", "ผลผลิตและรายได้โดยประมาณรายอำเภอ",
            "production and income estimates per district"),
)}  # fmt: skip
