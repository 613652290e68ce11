"""The @context resolver: client @context values to cached TermMaps; hosted contexts (5.13).

Store expanded, answer compacted, never run JSON-LD per request: every distinct
``@context`` value is resolved once (remote documents fetched asynchronously, then pyld
processes the whole context offline, see :mod:`isanhub.core.termmap`) into a
:class:`TermMap`, whose expansions and compactions are dictionary look-ups. The NGSI-LD
core context is built in and always applied last, so no user context can change a core
term. The resolver also keeps the documents behind ``/jsonldContexts``
(:mod:`isanhub.core.context_store`).
"""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import logging
import math
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import orjson

from isanhub.core.context_fetch import FetchError, download
from isanhub.core.context_store import (
    KINDS,
    ContextRecord,
    ContextStoreBackend,
    InMemoryContextStore,
)
from isanhub.core.errors import (
    BadRequestData,
    InvalidRequest,
    LdContextNotAvailable,
    ResourceNotFound,
)
from isanhub.core.termmap import (
    CORE_CONTEXT_URLS,
    CORE_DOCUMENT,
    CORE_LOCAL_ID,
    CORE_TERMS,
    DEFAULT_CORE_URL,
    EMPTY_DOC,
    STUB_URLS,
    TermMap,
    check_url,
    clone,
    context_entries,
    core_term_map,
    process_context,
    referenced_urls,
)

__all__ = [  # the names other modules import from here
    "CORE_CONTEXT_URLS",
    "CORE_DOCUMENT",
    "CORE_LOCAL_ID",
    "CORE_TERMS",
    "DEFAULT_CORE_URL",
    "HOSTED_PATH",
    "KINDS",
    "ContextRecord",
    "ContextResolver",
    "ContextStoreBackend",
    "InMemoryContextStore",
    "TermMap",
    "core_term_map",
]

HOSTED_PATH = "/ngsi-ld/v1/jsonldContexts/"
log = logging.getLogger(__name__)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _cached_id(url: str) -> str:
    return hashlib.sha256(b"cached\0" + url.encode()).hexdigest()[:32]


class ContextResolver:
    """Resolves @context values into cached TermMaps; hosts and caches context documents."""

    def __init__(
        self,
        backend: ContextStoreBackend | None = None,
        *,
        public_base: str = "http://localhost:9090",
        core_url: str = DEFAULT_CORE_URL,
        timeout: float = 3.0,
        max_bytes: int = 1 << 20,
        max_redirects: int = 3,
        max_depth: int = 8,
        max_urls: int = 32,
        ttl: float = 3600.0,
        cache_size: int = 512,
        allow_private: bool = False,
    ) -> None:
        self.backend: ContextStoreBackend = (
            backend if backend is not None else InMemoryContextStore()
        )
        self.public_base = public_base.rstrip("/")
        self.core_url = core_url
        self._timeout, self._max_bytes, self._max_redirects = timeout, max_bytes, max_redirects
        self._max_depth, self._max_urls, self._ttl = max_depth, max_urls, ttl
        self._cache_size, self._allow_private = cache_size, allow_private
        self._maps: OrderedDict[bytes, TermMap] = OrderedDict()
        self._remote: OrderedDict[str, tuple[Any, float]] = OrderedDict()  # url -> (doc, fetched)
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._building: dict[bytes, asyncio.Future[TermMap]] = {}
        self._usage: dict[str, list[float]] = {}  # usage key -> [hits, last use]
        self._started = _iso(time.time())
        self._client: httpx.AsyncClient | None = None

    # -- resolution ------------------------------------------------------------------------

    async def resolve(self, context: Any = None, *, record_use: bool = True) -> TermMap:
        """The TermMap of a @context (None, a URL, an inline object or a list of them)."""
        try:
            key = orjson.dumps(context, option=orjson.OPT_SORT_KEYS)
        except TypeError as exc:
            raise BadRequestData("@context is not JSON") from exc
        now = time.time()
        tm = self._maps.get(key)
        if tm is None or tm.expires_at <= now:
            tm = await self._build_once(key, context)
        else:
            self._maps.move_to_end(key)
        if record_use:
            self._record_use(tm.sources, now)
        return tm

    async def _build_once(self, key: bytes, context: Any) -> TermMap:
        """Build a term map; concurrent requests for the same context share one build
        (a burst of first requests must not run pyld once each)."""
        pending = self._building.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[TermMap] = asyncio.get_running_loop().create_future()
        self._building[key] = fut
        try:
            tm = await self._build(context)
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: a failure nobody else awaited is not "unhandled"
            raise
        finally:
            del self._building[key]
        fut.set_result(tm)
        self._maps[key] = tm
        while len(self._maps) > self._cache_size:
            self._maps.popitem(last=False)
        return tm

    async def _build(self, context: Any) -> TermMap:
        entries = context_entries(context)
        has_core = any(isinstance(e, str) and e in CORE_CONTEXT_URLS for e in entries)
        full = entries if has_core else [*entries, self.core_url]
        docs: dict[str, Any] = {}
        meta: dict[str, tuple[float, str]] = {}  # url -> (expires, usage key)
        await self._collect(full, None, docs, meta, 0)
        active = process_context(full, docs, self._max_urls + len(STUB_URLS) + 1)
        urls = (
            tuple(e for e in entries if isinstance(e, str))
            if context is not None
            else (self.core_url,)
        )
        return TermMap(
            active,
            context=self.core_url if context is None else context,
            urls=urls,
            sources=frozenset(key for url, (_, key) in meta.items() if url not in STUB_URLS),
            expires_at=min((exp for exp, _ in meta.values()), default=math.inf),
        )

    async def _collect(
        self,
        value: Any,
        base: str | None,
        docs: dict[str, Any],
        meta: dict[str, tuple[float, str]],
        depth: int,
    ) -> None:
        todo = [u for u in dict.fromkeys(referenced_urls(value, base)) if u not in docs]
        if not todo:
            return
        if depth > self._max_depth or len(docs) + len(todo) > self._max_urls:
            raise LdContextNotAvailable(
                f"@context {todo[0]}: too many or too deeply nested @contexts"
            )
        docs.update(dict.fromkeys(todo))  # reserve, so that cycles end here
        try:
            got = await asyncio.gather(*(self._document(u) for u in todo))
        except LdContextNotAvailable as exc:
            if base is None:
                raise
            raise LdContextNotAvailable(f"{exc.detail} (referenced by {base})") from None
        for url, (doc, expires, key) in zip(todo, got, strict=True):
            docs[url], meta[url] = doc, (expires, key)
        await asyncio.gather(
            *(
                self._collect(d.get("@context"), u, docs, meta, depth + 1)
                for u, (d, _, _) in zip(todo, got, strict=True)
            )
        )

    async def _document(self, url: str) -> tuple[Any, float, str]:
        """(document, expiry, usage key) of one context URL."""
        if url in CORE_CONTEXT_URLS:
            return CORE_DOCUMENT, math.inf, CORE_LOCAL_ID
        if url in STUB_URLS:
            return EMPTY_DOC, math.inf, url
        rec = self._local_record(url)
        if rec is not None:
            return orjson.loads(rec.body), math.inf, rec.url
        if url.startswith(self.public_base + HOSTED_PATH):
            raise LdContextNotAvailable(f"@context {url}: no such @context on this broker")
        now = time.time()
        entry = self._remote.get(url)
        if entry is None:
            rec = self.backend.get(_cached_id(url))
            if rec is not None and rec.kind == "Cached":
                entry = self._remember(url, orjson.loads(rec.body), _epoch(rec.created_at))
        if entry is not None and entry[1] + self._ttl > now:
            return entry[0], entry[1] + self._ttl, url
        try:
            doc = await self._fetch_shared(url)
        except LdContextNotAvailable:
            if entry is None:
                raise
            return entry[0], now + min(self._ttl, 60.0), url  # stale copy; retry soon
        return doc, time.time() + self._ttl, url

    def _local_record(self, url: str) -> ContextRecord | None:
        """A hosted or implicitly created context named by a .../jsonldContexts/{id} URL."""
        try:
            path = urlsplit(url).path
        except ValueError:
            return None  # not a URL of this broker; fetching it fails cleanly
        if "/jsonldContexts/" not in path:
            return None
        local_id = unquote(path.rsplit("/jsonldContexts/", 1)[1])
        rec = self.backend.get(local_id) if local_id else None
        return rec if rec is not None and rec.kind != "Cached" else None

    def _remember(self, url: str, doc: Any, fetched: float) -> tuple[Any, float]:
        self._remote[url] = entry = (doc, fetched)
        self._remote.move_to_end(url)
        while len(self._remote) > 4 * self._cache_size:
            self._remote.popitem(last=False)
        return entry

    def _record_use(self, keys: Iterable[str], now: float) -> None:
        for key in keys:
            usage = self._usage.get(key)
            if usage is None:
                self._usage[key] = [1, now]
            else:
                usage[0] += 1
                usage[1] = now

    def _evict(self, key: str) -> None:
        for k in [k for k, tm in self._maps.items() if key in tm.sources]:
            del self._maps[k]

    # -- remote documents ---------------------------------------------------------------------

    async def _fetch_shared(self, url: str) -> Any:
        """Fetch, check and cache one remote document; concurrent callers share one request."""
        fut = self._inflight.get(url)
        if fut is None:
            fut = asyncio.ensure_future(self._fetch_and_store(url))
            self._inflight[url] = fut
            fut.add_done_callback(
                lambda f: (self._inflight.pop(url, None), f.cancelled() or f.exception())
            )
        return await asyncio.shield(fut)

    async def _fetch_and_store(self, url: str) -> Any:
        try:
            async with asyncio.timeout(self._timeout):
                body = await self._download(url)
            doc = orjson.loads(body)
        except TimeoutError:
            raise LdContextNotAvailable(
                f"@context {url} could not be retrieved: timed out after {self._timeout:g} s"
            ) from None
        except orjson.JSONDecodeError:
            raise LdContextNotAvailable(
                f"@context {url} could not be retrieved: not valid JSON"
            ) from None
        except (FetchError, httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            reason = str(exc) or type(exc).__name__
            raise LdContextNotAvailable(
                f"@context {url} could not be retrieved: {reason}"
            ) from None
        except Exception as exc:  # whatever else the network stack raises: still unavailable
            log.warning("fetching @context %s failed unexpectedly", url, exc_info=True)
            raise LdContextNotAvailable(
                f"@context {url} could not be retrieved: {type(exc).__name__}"
            ) from None
        if not isinstance(doc, dict) or "@context" not in doc:
            raise LdContextNotAvailable(
                f"@context {url} could not be retrieved: not a JSON-LD context document (no @context member)"
            )
        now = time.time()
        self._remember(url, doc, now)
        self.backend.put(_cached_id(url), url, body, "Cached", _iso(now))
        return doc

    async def _download(self, url: str) -> bytes:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, follow_redirects=False, trust_env=False
            )
        return await download(
            self._client,
            url,
            max_bytes=self._max_bytes,
            max_redirects=self._max_redirects,
            allow_private=self._allow_private,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- the /jsonldContexts API (clause 5.13) -------------------------------------------------

    def hosted_url(self, local_id: str) -> str:
        return f"{self.public_base}{HOSTED_PATH}{local_id}"

    def add_hosted(self, document: Any) -> tuple[str, str]:
        """Host a context document ``{"@context": ...}``; returns (localId, URL)."""
        if not isinstance(document, dict) or "@context" not in document:
            raise InvalidRequest("A hosted @context must be a JSON object with an @context member")
        context = document["@context"]
        if not isinstance(context, (str, dict, list)):
            raise InvalidRequest("@context must be a URL, an object or an array")
        self._validate_offline(context)
        local_id = uuid.uuid4().hex
        url = self.hosted_url(local_id)
        self.backend.put(local_id, url, orjson.dumps(document), "Hosted", _iso(time.time()))
        return local_id, url

    def add_implicit(self, context: Any) -> tuple[str, str]:
        """An ImplicitlyCreated context holding ``context`` (same value, same id); (localId, URL)."""
        context_entries(context)
        canonical = orjson.dumps(context, option=orjson.OPT_SORT_KEYS)
        local_id = hashlib.sha256(b"implicit\0" + canonical).hexdigest()[:32]
        url = self.hosted_url(local_id)
        if self.backend.get(local_id) is None:
            self.backend.put(
                local_id,
                url,
                orjson.dumps({"@context": context}),
                "ImplicitlyCreated",
                _iso(time.time()),
            )
        return local_id, url

    def _validate_offline(self, context: Any) -> None:
        """Check a context with pyld without network: unknown remote URLs count as empty."""
        entries = context_entries(context)
        docs: dict[str, Any] = {}
        pending = referenced_urls(entries, None)
        while pending:
            url = pending.pop()
            if url in docs or len(docs) > self._max_urls:
                continue
            if url in CORE_CONTEXT_URLS:
                docs[url] = CORE_DOCUMENT
            elif (rec := self._local_record(url)) is not None:
                docs[url] = orjson.loads(rec.body)
            else:
                docs[url] = self._remote.get(url, (EMPTY_DOC, 0.0))[0]
            pending.extend(referenced_urls(docs[url].get("@context"), url))
        process_context(entries, docs, self._max_urls + 2)

    def list_contexts(self, details: bool = False, kind: str | None = None) -> builtins.list[Any]:
        """Clause 5.13.3: the URLs of the available contexts, or their details."""
        if kind is not None and kind not in KINDS:
            raise BadRequestData(f"kind must be one of {', '.join(KINDS)}")
        rows = [self._core_details(self.core_url)] if kind in (None, "Cached") else []
        rows += [self._details(r) for r in self.backend.list() if kind is None or r.kind == kind]
        return rows if details else [row["URL"] for row in rows]

    def serve(self, ident: str, details: bool = False) -> dict[str, Any]:
        """Clause 5.13.4: a context document (or its details) by localId or URL."""
        found = self._find(ident)
        if found is None:
            raise ResourceNotFound(f"No @context {ident!r}")
        if isinstance(found, str):
            body = self._core_details(found) if details else clone(CORE_DOCUMENT)
            key = CORE_LOCAL_ID
        else:
            body = self._details(found) if details else orjson.loads(found.body)
            key = found.url
        self._record_use((key,), time.time())  # serving a context is a use of it
        return body

    async def delete(self, ident: str, reload: bool = False) -> None:
        """Clause 5.13.5: delete a context, or with ``reload`` re-fetch a cached one."""
        found = self._find(ident)
        if isinstance(found, str):
            if not reload:
                raise BadRequestData("The core @context cannot be deleted (reload=true reloads it)")
            return  # the core context is built in: reloading it changes nothing
        if found is None:
            if reload:
                raise BadRequestData(f"No cached @context {ident!r} to reload")
            raise ResourceNotFound(f"No @context {ident!r}")
        if reload:
            if found.kind != "Cached":
                raise BadRequestData(
                    f"Only Cached @contexts can be reloaded; {ident!r} is {found.kind}"
                )
            await self._fetch_and_store(found.url)
        else:
            self.backend.delete(found.id)
            self._remote.pop(found.url, None)
            self._usage.pop(found.url, None)
        self._evict(found.url)

    def _find(self, ident: str) -> ContextRecord | str | None:
        """A record, a core URL (str) or None, for a localId or a URL."""
        if ident in CORE_CONTEXT_URLS:
            return ident
        if ident == CORE_LOCAL_ID:
            return self.core_url
        rec = self.backend.get(ident)
        if rec is None and ("://" in ident or ident.startswith("/")):
            rec = self._local_record(ident)
            if rec is None:
                rec = self.backend.get(_cached_id(ident))
                if rec is None and "://" in ident:
                    try:
                        rec = self.backend.get(_cached_id(check_url(ident)))
                    except BadRequestData:
                        rec = None
        return rec

    def _usage_fields(self, key: str) -> dict[str, Any]:
        hits, last = self._usage.get(key, (0, 0.0))
        return {"numberOfHits": int(hits), **({"lastUsage": _iso(last)} if last else {})}

    def _core_details(self, url: str) -> dict[str, Any]:
        row = {"URL": url, "localId": CORE_LOCAL_ID, "kind": "Cached", "createdAt": self._started}
        return row | self._usage_fields(CORE_LOCAL_ID)

    def _details(self, rec: ContextRecord) -> dict[str, Any]:
        row = {"URL": rec.url, "localId": rec.id, "kind": rec.kind, "createdAt": rec.created_at}
        # Usage statistics are defined for cached (and implicitly created) contexts only.
        return row if rec.kind == "Hosted" else row | self._usage_fields(rec.url)
