"""Keyed pseudonyms of buyers: the same buyer gets the same token, nobody can go back.

HMAC-SHA256 with the seller's secret key over a normalised identity (a platform
username, or a name with a phone), truncated to 16 hex digits (64 bits: collisions are
negligible for one seller's buyers). Without the key the token cannot be recomputed
from a guessed phone number, which a plain hash would allow. The raw name, phone and
address are read only here and never leave this module.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_DIGITS = re.compile(r"\D")
_LENGTH = 16


def phone_key(phone: str) -> str:
    """A Thai phone in one form: digits only, +66/66 → 0, and the leading 0 that Excel
    drops from a number cell put back (812345678 → 0812345678)."""
    digits = _DIGITS.sub("", phone.removesuffix(".0"))
    if digits.startswith("66") and len(digits) == 11:
        digits = "0" + digits[2:]
    if len(digits) in (8, 9) and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def pseudonym(
    key: bytes, *, username: str = "", name: str = "", phone: str = "", channel: str = ""
) -> str | None:
    """The buyer's token; None when the row names no buyer. A username is scoped by its
    channel (the same handle on two platforms may be two people); a phone is not."""
    if not key:
        raise ValueError("ต้องมีกุญแจลับ / a non-empty secret key is required")
    if user := name_key(username):
        identity = f"user:{channel}:{user}"
    elif (tel := phone_key(phone)) or name_key(name):
        identity = f"person:{name_key(name)}:{tel}"
    else:
        return None
    return hmac.new(key, identity.encode("utf-8"), hashlib.sha256).hexdigest()[:_LENGTH]
