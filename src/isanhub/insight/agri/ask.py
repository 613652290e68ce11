"""What an insight is asked: where, which crop, and when "now" is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Ask:
    """The question every farmer insight answers (``insight(con, ask) -> dict``).

    ``now`` is local Asia/Bangkok time (naive), by default the time the snapshot was
    taken; ``province`` and ``district`` are English names as in ``address`` (None:
    all); ``crop`` is a crop family (crops.FAMILIES) or a commodity key (None: all);
    ``weeks`` the horizon of outlooks and plans."""

    now: datetime
    province: str | None = None
    district: str | None = None
    crop: str | None = None
    weeks: int = 8

    def where(self, alias: str = "") -> tuple[str, list[object]]:
        """SQL condition and parameters selecting the asked province and district."""
        p = f"{alias}." if alias else ""
        parts: list[str] = ["TRUE"]
        params: list[object] = []
        if self.province:
            parts.append(f"{p}province = ?")
            params.append(self.province)
        if self.district:
            parts.append(f"{p}district = ?")
            params.append(self.district)
        return " AND ".join(parts), params
