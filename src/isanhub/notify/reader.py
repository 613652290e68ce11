"""Reading the outbox on PostgreSQL, where other processes write it too.

The delivering process reads the rows with an id above a low-water mark, without
writing anything (a flag set on every row would leave a dead row version behind each
notification, and every read would wade through them). Ids come from a sequence at
insert time, so a row can commit after a higher id is already read: the ids missing
below the highest one read are *gaps*, transactions still under way or rolled back.
The mark stays below the oldest gap; a gap older than ``GAP_WAIT`` is given up (its
transaction rolled back, or is very long), and a sweep every ``SWEEP_EVERY`` seconds
picks up any row at or below the mark that is neither pending nor delivered, so a
long transaction's notifications are late, never lost.

For one entity, ids follow the order of commits (the writes hold the entity's row
lock until they commit), so reading what is committed keeps each entity's
notifications in order, whichever process wrote them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from isanhub.store.outbox import OutboxItem, SubscriptionTable

GAP_WAIT = 30.0
SWEEP_EVERY = 10.0


class OutboxReader:
    def __init__(self, table: SubscriptionTable, known: Callable[[int], bool]) -> None:
        """``known(id)``: whether the dispatcher holds the row or delivered it."""
        self._table = table
        self._known = known
        self._low = 0  # every id up to here was read, or given up as a gap
        self._top = 0  # the highest id read
        self._read: set[int] = set()  # ids above _low already read
        self._gaps: dict[int, float] = {}  # missing id -> when first missed
        self._swept = time.monotonic()

    def reset(self) -> None:
        """Read everything again (this process just became the one that delivers)."""
        self._low = self._top = 0
        self._read.clear()
        self._gaps.clear()

    async def new_rows(self) -> list[OutboxItem]:
        """The committed rows not read before, in id order."""
        # above the highest id read, and the gaps below it: nothing is read twice
        fresh = await self._table.pending(after=self._top, also=sorted(self._gaps))
        rows = [r for r in fresh if r.id not in self._read]
        if rows and not self._top:  # the first read: nothing below its first row is due
            self._low = self._top = rows[0].id - 1
        self._read.update(r.id for r in rows)
        now = time.monotonic()
        if now - self._swept > SWEEP_EVERY:
            self._swept = now
            rows += await self._sweep()
        self._advance(now)
        rows.sort(key=lambda r: r.id)
        return rows

    def _advance(self, now: float) -> None:
        if not self._read:
            return
        top = max(self._read)
        for missing in range(self._top + 1, top):  # only the span new this time
            if missing not in self._read:
                self._gaps[missing] = now
        self._top = max(self._top, top)
        for gap, since in list(self._gaps.items()):
            if gap in self._read or now - since > GAP_WAIT:
                del self._gaps[gap]
        self._low = min(self._gaps) - 1 if self._gaps else self._top
        self._read = {i for i in self._read if i > self._low}

    async def _sweep(self) -> list[OutboxItem]:
        """Rows at or below the mark the dispatcher does not know: given-up gaps whose
        transaction committed after all."""
        if not self._low:
            return []
        late = [
            r for r in await self._table.pending(after=0, upto=self._low) if not self._known(r.id)
        ]
        self._read.update(r.id for r in late)
        return late
