"""JSON-LD ``@context`` handling: term maps, the context resolver, hosted contexts (5.13).

Store expanded, answer compacted, never run JSON-LD per request: every distinct
``@context`` value is resolved once (remote documents fetched asynchronously, then pyld
processes the whole context offline) into a :class:`TermMap`, whose expansions and
compactions are dictionary look-ups. The NGSI-LD core context is built in and always
applied last, so no user context can change a core term.
"""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import ipaddress
import math
import socket
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple, Protocol
from urllib.parse import unquote, urlsplit

import httpx
import orjson
from pyld import jsonld
from pyld.context_resolver import ContextResolver as _PyldContextResolver
from pyld.iri_resolver import resolve as _resolve_iri

from isanhub.core.errors import (
    BadRequestData,
    InvalidRequest,
    LdContextNotAvailable,
    ResourceNotFound,
)

CORE_CONTEXT_URLS = frozenset(
    f"{scheme}://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context{version}.jsonld"
    for scheme in ("https", "http")
    for version in ("", *(f"-v1.{n}" for n in range(10)))
)
DEFAULT_CORE_URL = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
CORE_LOCAL_ID = "ngsi-ld-core-context"
KINDS = ("Hosted", "Cached", "ImplicitlyCreated")
HOSTED_PATH = "/ngsi-ld/v1/jsonldContexts/"

CORE_DOCUMENT: dict[str, Any] = orjson.loads(
    resources.files("isanhub.core")
    .joinpath("contexts/ngsi-ld-core-context-v1.9.jsonld")
    .read_bytes()
)
CORE_TERMS = frozenset(t for t in CORE_DOCUMENT["@context"] if not t.startswith("@"))
# Scoped contexts of core terms (ngsildproof): their terms never reach a flat term map,
# so an empty context stands in for them and nothing is fetched.
_STUB_URLS = frozenset({"https://w3id.org/security/data-integrity/v2"})
_EMPTY_DOC: dict[str, Any] = {"@context": {}}
_MEMO_LIMIT = 100_000


def _clone(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _cached_id(url: str) -> str:
    return hashlib.sha256(b"cached\0" + url.encode()).hexdigest()[:32]


class TermMap:
    """A resolved @context: vocab-relative expansion and compaction by dictionary look-up."""

    def __init__(
        self,
        active_ctx: Mapping[str, Any],
        *,
        context: Any = None,
        urls: tuple[str, ...] = (),
        sources: frozenset[str] = frozenset(),
        expires_at: float = math.inf,
    ) -> None:
        mappings: Mapping[str, Any] = active_ctx["mappings"]
        self.vocab: str | None = active_ctx.get("@vocab")
        self.context = context  # the @context as the client gave it, for response bodies
        self.urls = urls  # its top-level URLs, for Link headers
        self.sources = sources  # usage keys of every document it was built from
        self.expires_at = expires_at
        self._defined = frozenset(mappings)  # null-mapped terms count as defined
        self._terms = {
            t: m["@id"] for t, m in mappings.items() if m and not m.get("reverse") and m.get("@id")
        }
        self._prefixes = {
            t: self._terms[t] for t, m in mappings.items() if t in self._terms and m.get("_prefix")
        }
        self._inverse: dict[str, str] = {}
        for term in sorted(self._terms, key=lambda t: (len(t), t)):
            self._inverse.setdefault(self._terms[term], term)
        self._exp: dict[str, str] = {}
        self._cmp: dict[str, str] = {}

    @property
    def link_url(self) -> str | None:
        """The one URL naming this context in a Link header, if the client gave exactly one."""
        items = self.context if isinstance(self.context, list) else [self.context]
        return self.urls[0] if len(self.urls) == 1 and len(items) == 1 else None

    def is_core_term(self, term: str) -> bool:
        return term in CORE_TERMS

    def expand_attr(self, term: str) -> str:
        iri = self._exp.get(term)
        return iri if iri is not None else self._expand(term)

    def compact_attr(self, iri: str) -> str:
        term = self._cmp.get(iri)
        return term if term is not None else self._compact(iri)

    # Types, and VocabProperty values (``@type: @vocab``), are vocab-relative like names.
    expand_type = expand_vocab_value = expand_attr
    compact_type = compact_vocab_value = compact_attr

    def _expand(self, value: str) -> str:
        iri = self._terms.get(value)
        if iri is None and not value.startswith("@"):
            colon = value.find(":")
            if colon > 0:
                prefix, suffix = value[:colon], value[colon + 1 :]
                if prefix == "_" or suffix.startswith("//"):
                    iri = value
                elif prefix in self._prefixes:
                    iri = self._prefixes[prefix] + suffix
                else:
                    iri = value  # an absolute IRI with its own scheme
            else:
                iri = self.vocab + value if self.vocab is not None else value
        elif iri is None:
            iri = value  # keywords and keyword-like names stay as they are
        return self._memo(self._exp, value, iri)

    def _compact(self, iri: str) -> str:
        term = self._inverse.get(iri)
        vocab = self.vocab
        if term is None and vocab and iri.startswith(vocab) and len(iri) > len(vocab):
            suffix = iri[len(vocab) :]
            if suffix not in self._defined:
                term = suffix
        if term is None:
            best: str | None = None
            for prefix, base in self._prefixes.items():
                if iri.startswith(base) and iri != base:
                    cand = f"{prefix}:{iri[len(base) :]}"
                    if cand in self._defined and self._terms.get(cand) != iri:
                        continue
                    if best is None or (len(cand), cand) < (len(best), best):
                        best = cand
            term = best if best is not None else iri
        return self._memo(self._cmp, iri, term)

    @staticmethod
    def _memo(memo: dict[str, str], key: str, value: str) -> str:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = value
        return value


def _process(entries: list[Any], docs: Mapping[str, Any], max_urls: int) -> Any:
    """Run pyld's context processing with a loader serving only ``docs`` (never the network)."""

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        if url not in docs:
            raise LdContextNotAvailable(f"@context {url} is not available")
        return {"contextUrl": None, "documentUrl": url, "document": _clone(docs[url])}

    proc = jsonld.JsonLdProcessor()
    opts = {
        "documentLoader": loader,
        "contextResolver": _PyldContextResolver({}, loader, max_urls),
        "base": "",
    }
    try:
        return proc.process_context(proc._get_initial_context(opts), _clone(entries), opts)
    except jsonld.JsonLdError as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, LdContextNotAvailable):
                raise cause from None
            cause = cause.__cause__
        code = f" ({exc.code})" if exc.code else ""
        raise BadRequestData(f"Invalid @context: {exc.args[0]}{code}") from None


@lru_cache(maxsize=1)
def core_term_map(core_url: str = DEFAULT_CORE_URL) -> TermMap:
    """The term map of the core context alone (no network, built once)."""
    docs = {core_url: CORE_DOCUMENT, **dict.fromkeys(_STUB_URLS, _EMPTY_DOC)}
    active = _process([core_url], docs, 8)
    return TermMap(active, context=core_url, urls=(core_url,), sources=frozenset({CORE_LOCAL_ID}))


def _referenced_urls(value: Any, base: str | None) -> list[str]:
    """URLs a context value refers to: array/string entries, @import, scoped contexts."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            found.append(_resolve_iri(v, base) if base else v)
        elif isinstance(v, list):
            for item in v:
                walk(item)
        elif isinstance(v, dict):
            if isinstance(v.get("@import"), str):
                walk(v["@import"])
            for definition in v.values():
                if isinstance(definition, dict) and "@context" in definition:
                    walk(definition["@context"])

    walk(value)
    return found


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadRequestData(f"@context {url!r} is not an absolute http(s) URL")
    try:
        return str(_resolve_iri(url, ""))
    except ValueError as exc:
        raise BadRequestData(f"@context {url!r} is not a valid URL") from exc


def _entries(context: Any) -> list[Any]:
    """The client's @context as a list of checked entries (URLs normalised)."""
    if context is None:
        return []
    out: list[Any] = []
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, str):
            out.append(_check_url(item))
        elif item is None or isinstance(item, dict):
            out.append(item)
        else:
            raise BadRequestData("@context entries must be URL strings or JSON objects")
    return out


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


class _FetchError(Exception):
    pass


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
            tm = await self._build(context)
            self._maps[key] = tm
            while len(self._maps) > self._cache_size:
                self._maps.popitem(last=False)
        else:
            self._maps.move_to_end(key)
        if record_use:
            self._record_use(tm.sources, now)
        return tm

    async def _build(self, context: Any) -> TermMap:
        entries = _entries(context)
        has_core = any(isinstance(e, str) and e in CORE_CONTEXT_URLS for e in entries)
        full = entries if has_core else [*entries, self.core_url]
        docs: dict[str, Any] = {}
        meta: dict[str, tuple[float, str]] = {}  # url -> (expires, usage key)
        await self._collect(full, None, docs, meta, 0)
        active = _process(full, docs, self._max_urls + len(_STUB_URLS) + 1)
        urls = (
            tuple(e for e in entries if isinstance(e, str))
            if context is not None
            else (self.core_url,)
        )
        return TermMap(
            active,
            context=self.core_url if context is None else context,
            urls=urls,
            sources=frozenset(key for url, (_, key) in meta.items() if url not in _STUB_URLS),
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
        todo = [u for u in dict.fromkeys(_referenced_urls(value, base)) if u not in docs]
        if not todo:
            return
        if depth > self._max_depth or len(docs) + len(todo) > self._max_urls:
            raise LdContextNotAvailable(
                f"@context {todo[0]}: too many or too deeply nested @contexts"
            )
        docs.update(dict.fromkeys(todo))  # reserve, so that cycles end here
        got = await asyncio.gather(*(self._document(u) for u in todo))
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
        if url in _STUB_URLS:
            return _EMPTY_DOC, math.inf, url
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
        path = urlsplit(url).path
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
        except (_FetchError, httpx.HTTPError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            raise LdContextNotAvailable(
                f"@context {url} could not be retrieved: {reason}"
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
        headers = {"Accept": "application/ld+json, application/json"}
        current = url
        for _ in range(self._max_redirects + 1):
            await self._check_address(current)
            async with self._client.stream("GET", current, headers=headers) as resp:
                if resp.is_redirect:
                    current = str(resp.url.join(resp.headers["location"]))
                    continue
                if resp.status_code != 200:
                    raise _FetchError(f"HTTP status {resp.status_code}")
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self._max_bytes:
                    raise _FetchError(f"larger than {self._max_bytes} bytes")
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise _FetchError(f"larger than {self._max_bytes} bytes")
                return bytes(body)
        raise _FetchError(f"more than {self._max_redirects} redirects")

    async def _check_address(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _FetchError("only http(s) URLs can be fetched")
        if self._allow_private:
            return
        try:
            addrs = [ipaddress.ip_address(parts.hostname)]
        except ValueError:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            infos = await asyncio.get_running_loop().getaddrinfo(
                parts.hostname, port, type=socket.SOCK_STREAM
            )
            addrs = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        for addr in addrs:
            if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
                addr = addr.ipv4_mapped
            if not addr.is_global or addr.is_multicast:
                raise _FetchError(f"refusing to fetch from non-public address {addr}")

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
        _entries(context)
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
        entries = _entries(context)
        docs: dict[str, Any] = {}
        pending = _referenced_urls(entries, None)
        while pending:
            url = pending.pop()
            if url in docs or len(docs) > self._max_urls:
                continue
            if url in CORE_CONTEXT_URLS:
                docs[url] = CORE_DOCUMENT
            elif (rec := self._local_record(url)) is not None:
                docs[url] = orjson.loads(rec.body)
            else:
                docs[url] = self._remote.get(url, (_EMPTY_DOC, 0.0))[0]
            pending.extend(_referenced_urls(docs[url].get("@context"), url))
        _process(entries, docs, self._max_urls + 2)

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
            body = self._core_details(found) if details else _clone(CORE_DOCUMENT)
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
                        rec = self.backend.get(_cached_id(_check_url(ident)))
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
