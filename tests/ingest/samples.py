"""One small file per import format, each with its mapping and what it must produce."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

import openpyxl
import orjson

AIR_MAPPING = """
type = "AirQualityObserved"
id = "urn:ngsi-ld:AirQualityObserved:{station}"
time = "time"
[attributes]
pm25 = { type = "number", unit = "GQ" }
temperature = { type = "number", unit = "CEL" }
[static]
dataProvider = "Khon Kaen Municipality"
"""
AIR_CSV = """station,time,pm25,temperature
KKN 01,2025-01-01T07:00,30.5,24
KKN 01,2025-01-01T08:00,32,25.5
KKN 01,2025-01-01T09:00,28.5,27
"""


@dataclass(frozen=True)
class Sample:
    fmt: str
    name: str
    data: bytes
    mapping: str | None
    entity_id: str
    attr: str
    current: float  #: the attribute's value once imported
    history: list[float] | None  #: its recorded values, oldest first (None: no time column)
    instances: int  #: history values in the file (every history attribute)


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "สถานี"
    ws.append(["station", "time", "pm25", "temperature"])
    for h, pm in ((7, 30.5), (8, 32), (9, 28.5)):
        ws.append(["KKN 01", datetime(2025, 1, 1, h), pm, 24])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PARCELS = orjson.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "KK-0001",
                "properties": {"crop": "ข้าวหอมมะลิ", "area": 2.5},
                "geometry": {"type": "Point", "coordinates": [102.83, 16.44]},
            }
        ],
    }
)
PARCEL_MAPPING = """
type = "AgriParcel"
id = "urn:ngsi-ld:AgriParcel:{@id}"
[attributes]
cropName = { column = "crop" }
area = { type = "number", unit = "HAR" }
"""
SHOPS = orjson.dumps(
    [
        {
            "id": "urn:ngsi-ld:Shop:silk-01",
            "type": "Shop",
            "name": {"type": "Property", "value": "ผ้าไหมชนบท"},
            "rating": {"type": "Property", "value": 4.5},
        }
    ]
)

SAMPLES = [
    Sample("csv", "air.csv", AIR_CSV.encode(), AIR_MAPPING,
           "urn:ngsi-ld:AirQualityObserved:KKN-01", "pm25", 28.5, [30.5, 32.0, 28.5], 6),
    Sample("xlsx", "air.xlsx", _xlsx(), AIR_MAPPING + 'sheet = "สถานี"\n',
           "urn:ngsi-ld:AirQualityObserved:KKN-01", "pm25", 28.5, [30.5, 32.0, 28.5], 6),
    Sample("geojson", "parcels.geojson", PARCELS, PARCEL_MAPPING,
           "urn:ngsi-ld:AgriParcel:KK-0001", "area", 2.5, None, 0),
    Sample("ngsild", "shops.json", SHOPS, None, "urn:ngsi-ld:Shop:silk-01", "rating", 4.5, None, 0),
]  # fmt: skip
