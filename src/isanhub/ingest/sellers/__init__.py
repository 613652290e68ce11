"""Seller order exports (Shopee, Lazada, TikTok Shop, and a template for Facebook, LINE,
chat and market sales) read into normalised order lines, buyers pseudonymised.

Modules: lines (OrderLine, statuses), values (cells), tables and formats (columns and
detection), places (geothai), pseudonym (keyed buyer tokens), cells (a file's cells
read, conversions remembered for that file), build (shared parsing), shopee / lazada /
tiktok / template (one per export), parse (the entry point).
"""

from isanhub.ingest.readers import FileProblem
from isanhub.ingest.sellers.formats import UnknownFormat
from isanhub.ingest.sellers.lines import STATUSES, OrderLine, Parsed, Place, Problem, map_status
from isanhub.ingest.sellers.parse import parse

__all__ = [
    "STATUSES",
    "FileProblem",
    "OrderLine",
    "Parsed",
    "Place",
    "Problem",
    "UnknownFormat",
    "map_status",
    "parse",
]
