"""The handler context: settings, the store and the @context resolver, plus the one way
entities are rendered into responses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.core.context import ContextResolver, TermMap
from isanhub.core.errors import NonexistentTenant
from isanhub.core.model import Entity
from isanhub.core.render import View, geojson_feature, render_entity
from isanhub.security.guard import OPEN_ACCESS, Access, Guard
from isanhub.settings import Settings
from isanhub.store.base import Store

if TYPE_CHECKING:
    from isanhub.insight.agri.service import Agri
    from isanhub.notify.service import Notifier
    from isanhub.security.personal import Privacy

BASE = "/ngsi-ld/v1"


@dataclass
class Hub:
    settings: Settings
    store: Store
    contexts: ContextResolver
    guard: Guard | None = None  # None: no access control (tests of parts)
    notifier: Notifier | None = None  # started with the application (api.app)
    privacy: Privacy | None = None  # personal data (security.personal), loaded at start
    agri: Agri | None = None  # farmer insight (insight.agri.service), made on first use

    @staticmethod
    def access(request: Request) -> Access:
        """What the request may see and do (security.guard, set by the dispatcher)."""
        access: Access = request.scope.get("access", OPEN_ACCESS)
        return access

    async def terms(self, context: Any) -> TermMap:
        return await self.contexts.resolve(context)

    async def read_terms(self, request: Request) -> tuple[Any, TermMap]:
        """The @context of a read request (Link header) and its term map."""
        ctx = http.link_context(request)
        return ctx, await self.contexts.resolve(ctx)

    async def read_tenant(self, request: Request) -> str:
        tenant = http.tenant_of(request)
        if tenant and not await self.store.tenant_exists(tenant):
            raise NonexistentTenant(f"tenant {tenant!r} does not exist")
        return tenant

    def response_context(self, context: Any) -> Any:
        """What a JSON-LD response names as its @context: the request's, else the core."""
        if context is None:
            return self.settings.core_context
        return context

    def link_url(self, context: Any) -> str:
        """The @context a response's Link header names: the request's URL, else the core."""
        return context if isinstance(context, str) else self.settings.core_context

    def link_for(self, context: Any) -> str:
        return http.link_header(self.link_url(context))

    def link_raw(self, context: Any) -> tuple[bytes, bytes]:
        """link_for as the raw header pair (for http.JSONBody's raw_headers)."""
        return http.link_raw(self.link_url(context))

    def entities_response(
        self,
        request: Request,
        entities: list[Entity],
        terms: TermMap,
        context: Any,
        view: View,
        *,
        single: bool,
        headers: dict[str, str] | None = None,
        geoproperty: str | None = None,
        status: int = 200,
        rendered: list[dict[str, Any]] | None = None,
    ) -> Response:
        """Entities as JSON, JSON-LD or GeoJSON (by Accept). ``rendered``, when given, is
        the JSON body already built (joins); GeoJSON is always built from ``entities``."""
        media = http.accept(request, (http.JSON, http.JSONLD, http.GEOJSON))
        headers = dict(headers or {})
        if media == http.GEOJSON:
            geo_iri = terms.expand_attr(geoproperty or "location")
            features = [geojson_feature(e, terms, view, geo_iri) for e in entities]
            body: Any = (
                features[0] if single else {"type": "FeatureCollection", "features": features}
            )
            body["@context"] = self.response_context(context)
            return http.json_response(body, status, media=http.GEOJSON, headers=headers)
        if rendered is None:
            rendered = [render_entity(e, terms, view) for e in entities]
        if media == http.JSONLD:
            ctx = self.response_context(context)
            for r in rendered:
                r["@context"] = ctx
        else:
            headers["Link"] = self.link_for(context)
        body = rendered[0] if single else rendered
        return http.json_response(body, status, media=media, headers=headers)
