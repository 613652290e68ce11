"""The normalised order line every seller export becomes, and the status vocabulary.

One OrderLine is one product (SKU and variation) of one order. Amounts are baht rounded
to satang; None means the export does not say (not zero). Amounts the platforms give
per order (fees, vouchers, shipping, refunds of the whole order) repeat on every row of
the order in the exports: they are put on one line of the order only (``order_level``
is True there: the first line neither cancelled nor returned, else the first), so
summing lines never counts them twice.

Privacy: a line holds no buyer name, phone or address. The buyer is a keyed pseudonym
(see pseudonym.py) and the place stops at the district (see places.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

CHANNELS = ("shopee", "lazada", "tiktok", "facebook", "line", "chat", "market")
COMPLETED, CANCELLED, RETURNED, IN_PROGRESS = "completed", "cancelled", "returned", "in_progress"
STATUSES = (COMPLETED, CANCELLED, RETURNED, IN_PROGRESS)

# Exact texts first (lower case), then words that decide the rest. Received-by-buyer and
# delivered count as completed: the sale happened, a later return shows as returned.
_EXACT = {
    "สำเร็จแล้ว": COMPLETED,
    "จัดส่งสำเร็จแล้ว": COMPLETED,
    "completed": COMPLETED,
    "complete": COMPLETED,
    "delivered": COMPLETED,
    "ขายแล้ว": COMPLETED,  # what sellers write in the template
    "sold": COMPLETED,
    "ยกเลิกแล้ว": CANCELLED,
    "cancelled": CANCELLED,
    "canceled": CANCELLED,
    "failed": CANCELLED,  # Lazada: delivery failed, the parcel went back unsold
    "คืนสินค้า/คืนเงิน": RETURNED,
    "return/refund": RETURNED,
    "returned": RETURNED,
    "ยังไม่ชำระ": IN_PROGRESS,
    "ที่ต้องจัดส่ง": IN_PROGRESS,
    "การจัดส่ง": IN_PROGRESS,
}
# Shopee's "ผู้ซื้อได้รับสินค้าแล้ว และสามารถขอคืนเงิน/คืนสินค้าได้จนถึง <date>" (and its
# English "The buyer has received the order…") names a return window, not a return: it is
# decided by its start, before the words below.
_RECEIVED = re.compile(r"^(?:ผู้ซื้อได้รับสินค้าแล้ว|(?:the\s+)?buyer\s+has\s+received)")
# Failures and negations before anything else: "การจัดส่งไม่สำเร็จ" holds "สำเร็จ" and
# "Not delivered" holds "delivered". A delivery that failed, or a parcel shipped back to
# the seller, is a sale that did not happen: cancelled. English is matched on words
# ("_" read as a space: Lazada writes failed_delivery, shipped_back_success).
_FAILED = (
    (re.compile(r"ไม่สำเร็จ|ล้มเหลว|ตีกลับ|ส่งไม่ถึง"), CANCELLED),
    (
        re.compile(
            r"\b(?:not|never)\s+(?:delivered|received|completed?)\b|\bundelivered\b|"
            r"\bfail(?:ed|ure|s)?\b|\bshipped\s+back\b|\breturned\s+to\s+(?:seller|sender)\b"
        ),
        CANCELLED,
    ),
)
_WORDS = (
    (re.compile(r"ยกเลิก"), CANCELLED),
    (re.compile(r"\bcancel"), CANCELLED),
    (re.compile(r"คืนสินค้า|คืนเงิน"), RETURNED),
    (re.compile(r"\breturn|\brefund"), RETURNED),
    (re.compile(r"สำเร็จ"), COMPLETED),
    (re.compile(r"\bcompleted?\b|\bdelivered\b"), COMPLETED),
)


def map_status(original: str) -> str:
    """The status vocabulary value of a platform's status text (in_progress if unknown)."""
    key = " ".join(original.split()).lower()
    if key in _EXACT:
        return _EXACT[key]
    if _RECEIVED.match(key):
        return COMPLETED
    words = " ".join(key.replace("_", " ").split())
    for pattern, status in (*_FAILED, *_WORDS):
        if pattern.search(words):
            return status
    return IN_PROGRESS


@dataclass(frozen=True, slots=True)
class Place:
    """A DOPA area: code with its Thai and English names."""

    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True, slots=True)
class OrderLine:
    channel: str  #: one of CHANNELS
    order_id: str
    line_id: str  #: stable across re-imports of overlapping files: the dedupe key
    status: str  #: one of STATUSES
    status_text: str  #: the platform's own words
    ordered_at: datetime  #: aware; +07:00 when the export gives local time
    sku: str
    product: str
    variation: str
    quantity: int
    unit_price: float | None  #: the selling price of one unit
    gross: float | None  #: GMV: quantity × unit_price
    seller_discount: float | None  #: discounts the seller pays
    platform_discount: float | None  #: discounts the platform pays
    platform_fees: float | None  #: commission + transaction + service fees
    shipping_buyer: float | None  #: shipping the buyer paid
    shipping_seller: float | None  #: shipping cost borne by the seller, where known
    returned_quantity: int
    refund: float | None
    buyer: str | None  #: keyed pseudonym; never a name or phone
    province: Place | None
    district: Place | None
    order_level: bool  #: True on the line that carries the order's own amounts
    row: int  #: where the line starts in the file (first row for aggregated lines)


@dataclass(frozen=True, slots=True)
class Problem:
    """A row that was left out, with the row number the seller sees in the file."""

    row: int
    message: str


@dataclass
class Parsed:
    """What parse() found: the format and the lines, streamed; problems fill as you go."""

    format: str
    lines: Iterator[OrderLine]
    problems: list[Problem] = field(default_factory=list)
