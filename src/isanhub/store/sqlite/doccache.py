"""Recently read entity documents, so that repeated reads of the same entities skip SQLite.

Reading one entity by id is the broker's most frequent request, and dashboards and
sensors' clients read the same entities over and over. A read from SQLite costs a read
transaction on the write-ahead log each time (several µs in a busy server, most of what
is left of a ``GET /entities/{id}`` besides HTTP); this cache answers repeated reads from
memory and stays exactly as fresh as the file:

- every commit of this process's writer bumps the store's epoch, and a read that finds
  another epoch than its cache's empties the cache first (no acknowledged write of this
  process is ever followed by an older document, not even in the same turn of the loop);
- other processes (the CLI, an import) are seen through SQLite's ``PRAGMA data_version``,
  which changes when any other connection commits. It is asked once per turn of the event
  loop, by the turn's first read: every request read in that turn arrived before the
  question was asked, so none can miss a commit that completed before it arrived.

One cache per reading thread (its versions belong to that thread's connection); reads
outside an event loop ask data_version every time. Documents are kept up to a byte budget
(``MAX_BYTES``), large ones not at all; when full the cache starts again empty.
"""

from __future__ import annotations

import asyncio
import sqlite3

MAX_BYTES = 16 * 1024 * 1024  #: what one thread's cache holds at most (texts' lengths)
MAX_DOC = 64 * 1024  #: larger documents are read from the file every time


class DocCache:
    __slots__ = ("docs", "_bytes", "_epoch", "_version", "_asked")

    def __init__(self) -> None:
        self.docs: dict[tuple[int, str], str] = {}
        self._bytes = 0
        self._epoch = -1
        self._version: int | None = None
        self._asked: object = None  # the loop in whose current turn data_version was asked

    def current(self, conn: sqlite3.Connection, epoch: int) -> dict[tuple[int, str], str]:
        """The documents still valid: none from before ``epoch`` (the store's count of
        its own commits) or from before another connection's commit."""
        if epoch != self._epoch:
            self._clear()
            self._epoch = epoch
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # no loop: ask on every read
            loop = None
        if loop is None or self._asked is not loop:
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                self._clear()
                self._version = version
            if loop is not None:
                # the loop, not a flag: a loop closed before this callback ran must not
                # leave the question unasked in the next one
                self._asked = loop
                loop.call_soon(self._next_turn)
        return self.docs

    def keep(self, key: tuple[int, str], doc: str) -> None:
        size = len(doc)
        if size > MAX_DOC:
            return
        if self._bytes + size > MAX_BYTES:
            self._clear()
        self.docs[key] = doc
        self._bytes += size

    def _clear(self) -> None:
        self.docs.clear()
        self._bytes = 0

    def _next_turn(self) -> None:
        self._asked = None
