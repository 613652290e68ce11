"""Readers of JSON import files: GeoJSON FeatureCollections and NGSI-LD entities.

Both stream: the features (or entities) of the top-level array are decoded one at a time
from a buffer of about a megabyte, so a file of any size is read in bounded memory (an
element is held whole: a single huge polygon still needs its own size). The standard
library's C decoder (``raw_decode``) does the parsing; this module only walks the
top level.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from isanhub.core import geo
from isanhub.core.errors import BadRequestData
from isanhub.ingest.mapping import Mapping
from isanhub.ingest.readers import BadRow, FileProblem, Reader

_WS = re.compile(r"[ \t\n\r]*")
_BLOCK = 1 << 20
#: pseudo-columns of a feature, next to the names of its properties
FEATURE_ID = "@id"
GEOMETRY = "@geometry"


class JsonStream:
    """Top-level walking of a JSON text: values decoded one by one from a buffer."""

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        """Read more text into the buffer (at least as much as it holds: a large value
        is re-parsed a logarithmic number of times, not once per block)."""
        if self.eof:
            return False
        chunk = self.text.read(max(_BLOCK, len(self.buf) - self.pos))
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def expect(self, chars: str) -> str:
        ch = self.peek()
        if ch == "" or ch not in chars:
            found = repr(ch) if ch else "the end of the file"
            raise FileProblem(f"invalid JSON: expected {' or '.join(chars)}, found {found}")
        self.pos += 1
        return ch

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # cut off by the end of the buffer (not broken): read on and decode again
                cut = exc.pos >= len(self.buf) - 8 or exc.msg.startswith("Unterminated")
                if cut and self._more():
                    continue
                raise FileProblem(f"invalid JSON: {exc.msg}") from None
            if end == len(self.buf) and self._more():
                continue  # a number may go on in the next block
            self.pos = end
            return value

    def elements(self) -> Iterator[Any]:
        """The elements of the array that starts here."""
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.expect(",]") == "]":
                return


class _JsonReader(Reader):
    def _stream(self) -> JsonStream:
        self.file.seek(0)
        self._text = io.TextIOWrapper(self.file, encoding="utf-8-sig")  # type: ignore[type-var]
        return JsonStream(self._text)

    def _decoded(self, items: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
        """``items`` with the position of a problem (the element where it was met)."""
        n = 0
        try:
            for n, item in items:
                yield n, item
                n += 1
        except UnicodeDecodeError as exc:
            raise FileProblem(f"not UTF-8 text ({exc.reason}): JSON is UTF-8", n) from None
        except FileProblem as exc:
            exc.position = n if exc.position is None else exc.position
            raise
        finally:
            self._text.detach()


class GeoJsonReader(_JsonReader):
    """A FeatureCollection (or one Feature): a row per feature, its properties as
    columns, plus ``@id`` (the feature's id) and ``@geometry`` (its geometry)."""

    format = "geojson"
    locator = "feature"

    def __init__(self, file: IO[bytes], mapping: Mapping, sheet: str | None = None) -> None:
        super().__init__(file, mapping, sheet)
        self.wanted: list[str] = []
        self.seen: set[str] = set()

    def select(self, columns: list[str]) -> list[int]:
        self.wanted = list(columns)
        return list(range(len(columns)))

    def unseen(self) -> list[str]:
        return [c for c in self.wanted if c not in self.seen]

    def _features(self) -> Iterator[tuple[int, Any]]:
        stream = self._stream()
        stream.expect("{")
        top: dict[str, Any] = {}
        n = 0
        if stream.peek() == "}":
            stream.pos += 1
        else:
            while True:
                key = stream.value()
                stream.expect(":")
                if key == "features" and stream.peek() == "[":
                    for feature in stream.elements():
                        yield n, feature
                        n += 1
                else:
                    top[key] = stream.value()
                if stream.expect(",}") == "}":
                    break
        if top.get("type") == "Feature" and n == 0:
            yield 0, top  # a file holding one Feature
        elif top.get("type") != "FeatureCollection":
            raise FileProblem('not GeoJSON: the top-level "type" must be FeatureCollection')

    def rows(self) -> Iterator[tuple[int, Any]]:
        wanted, seen = self.wanted, self.seen
        for n, feature in self._decoded(self._features()):
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                yield n, BadRow("not a GeoJSON Feature")
                continue
            props = feature.get("properties") or {}
            if not isinstance(props, dict):
                yield n, BadRow("its properties are not an object")
                continue
            cells = []
            for c in wanted:
                if c == GEOMETRY:
                    v = feature.get("geometry")
                elif c == FEATURE_ID:
                    v = feature.get("id")
                else:
                    v = props.get(c)
                if v is not None:
                    seen.add(c)
                cells.append(v)
            yield n, cells


def geometry(value: Any) -> dict[str, Any]:
    """A feature's geometry as a location (ValueError with the reason if invalid)."""
    try:
        geo.validate_geometry(value)
    except BadRequestData as exc:
        raise ValueError(exc.detail) from None
    return value  # type: ignore[no-any-return]


class NgsiLdReader(_JsonReader):
    """NGSI-LD entities: an array of entities, or one entity (normalized or concise,
    each with its @context or none). A row is one entity, yielded as a dict."""

    format = "ngsild"
    locator = "entity"

    def select(self, columns: list[str]) -> list[int]:
        return []

    def _entities(self) -> Iterator[tuple[int, Any]]:
        stream = self._stream()
        if stream.peek() == "[":
            yield from enumerate(stream.elements())
        else:
            yield 0, stream.value()
            if stream.peek():
                raise FileProblem("invalid JSON: more after the entity")

    def rows(self) -> Iterator[tuple[int, Any]]:
        for n, entity in self._decoded(self._entities()):
            if not isinstance(entity, dict):
                yield n, BadRow("an entity must be a JSON object")
            else:
                yield n, entity
