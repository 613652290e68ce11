"""The seller lake: every shop's order lines as one Parquet file, read with DuckDB.

Layout under the lake folder (setting ``lake``)::

    <tenant>/key                  the tenant's secret for buyer pseudonyms (0600)
    <tenant>/<shop>/lines.parquet the shop's lines, one per line id (schema.LINE)
    <tenant>/<shop>/shop.json     name, province, district, category
    <tenant>/<shop>/imports.json  one record per imported file (digest, counts, time)

Why files and not the NGSI-LD store: insights aggregate a million lines in well under a
second only on a columnar layout, and a Parquet file is read by several server
processes at once, where an embedded database file would allow one. A write builds the
new file beside the old and renames it over, under an exclusive lock per shop: a reader
sees the old lines or the new, never half; two imports of one shop queue.

Dedupe: a line is identified by its line id (stable across overlapping exports); the
latest import of a line id replaces the earlier one, so a later export that turned a
completed order into a return updates it. A file whose bytes were imported before is
recognised by its SHA-256 and changes nothing.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from isanhub.insight.commerce.schema import LINE, SHOP
from isanhub.insight.folders import DEFAULT_TENANT_DIR, BadName, tenant_dir, tenant_of_folder

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: what decides whether a re-imported line changed (not where or when it was imported)
_CONTENT = [c for c in LINE.names if c not in ("tenant", "shop", "source", "imported_at")]


def check_name(value: str, what: str) -> str:
    if not _NAME.match(value) or ".." in value:
        raise BadName(
            f"ชื่อ{'ร้าน' if what == 'shop' else 'ผู้เช่า'}ไม่ถูกต้อง / invalid {what} {value!r}: "
            "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    return value


@dataclass(frozen=True)
class Merge:
    """What writing a file's lines changed."""

    new: int
    updated: int
    unchanged: int
    total: int  #: lines of the shop afterwards


class Lake:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def tenant_dir(self, tenant: str) -> Path:
        return tenant_dir(self.root, tenant)

    def shop_dir(self, tenant: str, shop: str) -> Path:
        return self.tenant_dir(tenant) / check_name(shop, "shop")

    def key(self, tenant: str) -> bytes:
        """The tenant's pseudonym secret, made on first use and never shown."""
        path = self.tenant_dir(tenant) / "key"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        return path.read_bytes()

    @contextmanager
    def locked(self, tenant: str, shop: str) -> Iterator[Path]:
        """The shop's folder, held exclusively (across processes) while the block runs."""
        folder = self.shop_dir(tenant, shop)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield folder
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- metadata ---------------------------------------------------------------------

    def shop(self, tenant: str, shop: str) -> dict[str, Any] | None:
        path = self.shop_dir(tenant, shop) / "shop.json"
        return orjson.loads(path.read_bytes()) if path.exists() else None

    def set_shop(self, tenant: str, shop: str, **meta: Any) -> dict[str, Any]:
        """Record the shop's name and place (only the fields given change)."""
        with self.locked(tenant, shop) as folder:
            current = self.shop(tenant, shop) or {"name": shop}
            current.update({k: v for k, v in meta.items() if v is not None})
            _replace(folder / "shop.json", orjson.dumps(current, option=orjson.OPT_INDENT_2))
            return current

    def imports(self, tenant: str, shop: str) -> list[dict[str, Any]]:
        path = self.shop_dir(tenant, shop) / "imports.json"
        return orjson.loads(path.read_bytes()) if path.exists() else []

    def seen(self, tenant: str, shop: str, digest: str) -> dict[str, Any] | None:
        return next((r for r in self.imports(tenant, shop) if r["sha256"] == digest), None)

    def unpublished(self, tenant: str, shop: str) -> list[dict[str, Any]]:
        """Imports whose entities were not written (yet, or because writing failed)."""
        return [r for r in self.imports(tenant, shop) if r.get("published") is False]

    def mark_published(self, tenant: str, shop: str, digests: set[str]) -> None:
        with self.locked(tenant, shop) as folder:
            log = self.imports_in(folder)
            for record in log:
                if record["sha256"] in digests:
                    record["published"] = True
            _replace(folder / "imports.json", orjson.dumps(log, option=orjson.OPT_INDENT_2))

    def shops(self) -> list[tuple[str, str]]:
        """Every (tenant, shop) with lines, tenant "" for the default tenant."""
        out = []
        for path in sorted(self.root.glob("*/*/lines.parquet")):
            folder = path.parent.parent.name
            tenant = "" if folder == DEFAULT_TENANT_DIR else tenant_of_folder(folder)
            out.append((tenant, path.parent.name))
        return out

    # -- lines ------------------------------------------------------------------------

    def merge(self, folder: Path, table: pa.Table, record: dict[str, Any]) -> Merge:
        """Write ``table`` (schema.LINE) into the shop held by ``locked``: new line ids
        are added, known ones replaced; ``record`` joins the import log."""
        target = folder / "lines.parquet"
        con = duckdb.connect()
        try:
            con.register("incoming", table)
            if target.exists():
                con.execute(
                    f"CREATE VIEW held AS SELECT * FROM read_parquet('{_sql_path(target)}')"
                )
            else:
                con.register("held", LINE.empty_table())
            same = " AND ".join(f"h.{c} IS NOT DISTINCT FROM i.{c}" for c in _CONTENT)
            new, unchanged = table.num_rows, 0  # a shop's first file: all new
            if target.exists():
                new, unchanged = con.execute(
                    f"""SELECT count(*) FILTER (WHERE h.line_id IS NULL),
                               count(*) FILTER (WHERE h.line_id IS NOT NULL AND {same})
                        FROM incoming i LEFT JOIN held h USING (line_id)"""
                ).fetchone() or (0, 0)
            temporary = folder / "lines.parquet.new"
            con.execute(
                f"""COPY (SELECT * FROM held WHERE line_id NOT IN (SELECT line_id FROM incoming)
                          UNION ALL SELECT * FROM incoming)
                    TO '{_sql_path(temporary)}' (FORMAT parquet, COMPRESSION zstd)"""
            )
            total = con.execute("SELECT count(*) FROM read_parquet(?)", [str(temporary)]).fetchone()
        finally:
            con.close()
        _fsync(temporary)
        os.replace(temporary, target)
        merged = Merge(new, table.num_rows - new - unchanged, unchanged, total[0] if total else 0)
        log = self.imports_in(folder) + [record | merged.__dict__]
        _replace(folder / "imports.json", orjson.dumps(log, option=orjson.OPT_INDENT_2))
        return merged

    @staticmethod
    def imports_in(folder: Path) -> list[dict[str, Any]]:
        path = folder / "imports.json"
        return orjson.loads(path.read_bytes()) if path.exists() else []

    def connect(self, tenant: str, shop: str) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with the views every insight reads (schema.py): ``lines``
        (this shop), ``market`` (every shop) and the table ``shops``."""
        con = duckdb.connect()
        own = self.shop_dir(tenant, shop) / "lines.parquet"
        every = [str(self.shop_dir(t, s) / "lines.parquet") for t, s in self.shops()]
        con.register("empty_lines", LINE.empty_table())
        if own.exists():
            con.execute(f"CREATE VIEW lines AS SELECT * FROM read_parquet('{_sql_path(own)}')")
        else:
            con.execute("CREATE VIEW lines AS SELECT * FROM empty_lines")
        if every:
            listed = ", ".join(f"'{_sql_path(Path(p))}'" for p in every)
            con.execute(f"CREATE VIEW market AS SELECT * FROM read_parquet([{listed}])")
        else:
            con.execute("CREATE VIEW market AS SELECT * FROM empty_lines")
        rows = []
        for t, s in self.shops():
            meta = self.shop(t, s) or {}
            rows.append(
                {
                    "tenant": t,
                    "shop": s,
                    "name": meta.get("name", s),
                    "province_code": meta.get("province_code"),
                    "district_code": meta.get("district_code"),
                    "category": meta.get("category"),
                }
            )
        con.register("shops_arrow", pa.Table.from_pylist(rows, schema=SHOP))
        con.execute("CREATE TABLE shops AS SELECT * FROM shops_arrow")
        return con


def _sql_path(path: Path) -> str:
    """A path inside a SQL string literal (COPY and read_parquet lists take no
    parameters): names are checked by check_name, the root is the operator's."""
    return str(path).replace("'", "''")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(path: Path, data: bytes) -> None:
    """Write a small file atomically: a new file beside it, synced, renamed over."""
    temporary = path.with_name(path.name + ".new")
    with open(temporary, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)
