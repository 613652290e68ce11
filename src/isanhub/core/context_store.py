"""Where hosted, implicitly created and cached @context documents are kept (clause 5.13)."""

from __future__ import annotations

import builtins
from typing import NamedTuple, Protocol

KINDS = ("Hosted", "Cached", "ImplicitlyCreated")


class ContextRecord(NamedTuple):
    id: str
    url: str
    body: bytes  # the JSON document, {"@context": ...}
    kind: str  # one of KINDS
    created_at: str  # ISO 8601 UTC


class ContextStoreBackend(Protocol):
    """Persistence for hosted, implicitly created and cached contexts (put is an upsert)."""

    def put(self, id: str, url: str, body: bytes, kind: str, created_at: str) -> None: ...
    def get(self, id: str) -> ContextRecord | None: ...
    def delete(self, id: str) -> bool: ...
    def list(self) -> builtins.list[ContextRecord]: ...


class InMemoryContextStore:
    """A ContextStoreBackend in a dict (default; tests and single-process use)."""

    def __init__(self) -> None:
        self._rows: dict[str, ContextRecord] = {}

    def put(self, id: str, url: str, body: bytes, kind: str, created_at: str) -> None:
        self._rows[id] = ContextRecord(id, url, body, kind, created_at)

    def get(self, id: str) -> ContextRecord | None:
        return self._rows.get(id)

    def delete(self, id: str) -> bool:
        return self._rows.pop(id, None) is not None

    def list(self) -> builtins.list[ContextRecord]:
        return builtins.list(self._rows.values())
