"""What the command line and the API both do for sellers: import files into a shop,
publish the shop's entities, and make its report.

Parsing and DuckDB work run in a worker thread, so a server keeps answering other
requests while a large file is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from isanhub.ingest.sellers.places import locate
from isanhub.insight.commerce import entities, report
from isanhub.insight.commerce.imports import FileResult, import_file
from isanhub.insight.commerce.lake import Lake
from isanhub.settings import Settings
from isanhub.store.base import Store


class UnknownShop(LookupError):
    pass


def place_meta(province: str | None, district: str | None) -> dict[str, Any]:
    """The shop's province and district as DOPA codes and names; a name that matches
    nothing is an error (a typo would silently leave the shop out of its market)."""
    if not province:
        return {}
    prov, dist = locate([province], [district] if district else [])
    if prov is None:
        raise ValueError(f"ไม่รู้จักจังหวัด / unknown province {province!r}")
    if district and dist is None:
        raise ValueError(f"ไม่รู้จักอำเภอ / unknown district {district!r} in {prov.name_en}")
    out = {"province_code": prov.code, "province_th": prov.name_th, "province_en": prov.name_en}
    if dist:
        out |= {"district_code": dist.code, "district_th": dist.name_th}
        out["district_en"] = dist.name_en
    return out


@dataclass
class Sellers:
    lake: Lake
    store: Store
    settings: Settings

    @classmethod
    def of(cls, settings: Settings, store: Store) -> Sellers:
        return cls(Lake(settings.lake_dir), store, settings)

    async def import_files(
        self,
        tenant: str,
        shop: str,
        files: list[tuple[IO[bytes], str]],
        *,
        meta: dict[str, Any] | None = None,
        keep_good_rows: bool = False,
        progress: Callable[[int], None] | None = None,
        phase: Callable[[str], None] | None = None,
    ) -> dict[str, Any]:
        """Import each file (each is whole or not at all), then write the shop's
        entities for the days the files touched. The answer is the import report.
        ``progress(n)`` counts lines read; ``phase(name)`` says when a file starts
        ("read NAME") and when the entities are written ("entities")."""
        self.lake.shop_dir(tenant, shop)  # checks the names before any work
        if meta or not self.lake.shop(tenant, shop):
            await asyncio.to_thread(self.lake.set_shop, tenant, shop, **(meta or {}))
        results: list[FileResult] = []
        for file, name in files:
            if phase:
                phase(f"read {name}")
            results.append(
                await asyncio.to_thread(
                    import_file,
                    self.lake,
                    tenant,
                    shop,
                    file,
                    name,
                    keep_good_rows=keep_good_rows,
                    progress=progress,
                )
            )
        out: dict[str, Any] = {"tenant": tenant, "shop": shop}
        out["files"] = [r.as_json() for r in results]
        # every import whose entities are not written yet: this one's, and any an
        # earlier failure (a store that was down) left behind
        pending = self.lake.unpublished(tenant, shop)
        if pending:
            if phase:
                phase("entities")
            since = min(date.fromisoformat(r["firstDay"]) for r in pending)
            own, city = await entities.publish(
                self.lake, self.store, tenant, shop, self.settings.city_tenant, since
            )
            if not own.errors:
                digests = {r["sha256"] for r in pending}
                await asyncio.to_thread(self.lake.mark_published, tenant, shop, digests)
            out["entities"] = {"created": own.created, "updated": own.updated}
            out["entities"]["instances"] = own.instances
            if city is not None:
                out["city"] = {"updated": city.created + city.updated}
        return out

    async def report(
        self, tenant: str, shop: str, *, lang: str = "th", as_of: date | None = None
    ) -> dict[str, Any]:
        meta = self.lake.shop(tenant, shop)
        if meta is None:
            raise UnknownShop(
                f"ไม่พบร้าน {shop!r} / no shop {shop!r} in this tenant: import its files first"
            )
        people = await report.city_people(self.store, self.settings.city_tenant)

        def work() -> dict[str, Any]:
            con = self.lake.connect(tenant, shop)
            try:
                return report.build(
                    con,
                    tenant=tenant,
                    shop=shop,
                    meta=meta,
                    as_of=as_of,
                    lang=lang,
                    people=people,
                    tiers=self.settings.tiers(),
                )
            finally:
                con.close()

        return await asyncio.to_thread(work)

    async def render(self, built: dict[str, Any], fmt: str, lang: str) -> bytes:
        """The report as HTML or PDF bytes."""
        from isanhub.insight.commerce import html, pdf  # only when a page is asked for

        if fmt == "html":
            return html.render_html(built, lang).encode("utf-8")
        font = self.settings.report_font or None
        return await asyncio.to_thread(pdf.render_pdf, built, lang, font)
