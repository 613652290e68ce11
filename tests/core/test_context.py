"""Tests of isanhub.core.context: term maps, the resolver, remote and hosted contexts."""

from __future__ import annotations

import asyncio
import functools
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyld import jsonld
from pyld.context_resolver import ContextResolver as PyldResolver

from isanhub.core import context as ctxmod
from isanhub.core.context import (
    CORE_CONTEXT_URLS,
    CORE_TERMS,
    DEFAULT_CORE_URL,
    ContextRecord,
    ContextResolver,
    TermMap,
    core_term_map,
)
from isanhub.core.errors import (
    BadRequestData,
    InvalidRequest,
    LdContextNotAvailable,
    ResourceNotFound,
)

REFERENCE = Path("/work/shared/reference/ngsi-ld-core-context-v1.9.jsonld")
PACKAGED = Path(ctxmod.__file__).parent / "contexts" / "ngsi-ld-core-context-v1.9.jsonld"
VOCAB = "https://uri.etsi.org/ngsi-ld/default-context/"
NGSI = "https://uri.etsi.org/ngsi-ld/"
DETAIL_KEYS = {
    "URL",
    "localId",
    "kind",
    "createdAt",
    "lastUsage",
    "numberOfHits",
    "extraInfo",
    "body",
    "expiresAt",
}
# A host that cannot be resolved: any network attempt for it fails.
OFFLINE_BASE = "http://broker.invalid:9090"


def run(coro: Any) -> Any:
    return asyncio.run(coro)


class DictBackend:
    """The ContextStoreBackend protocol, as the store implements it, in a dict."""

    def __init__(self) -> None:
        self.rows: dict[str, ContextRecord] = {}

    def put(self, id: str, url: str, body: bytes, kind: str, created_at: str) -> None:
        self.rows[id] = ContextRecord(id, url, body, kind, created_at)

    def get(self, id: str) -> ContextRecord | None:
        return self.rows.get(id)

    def delete(self, id: str) -> bool:
        return self.rows.pop(id, None) is not None

    def list(self) -> list[ContextRecord]:
        return list(self.rows.values())


# --- a real local HTTP server ------------------------------------------------------------------

DOCS: dict[str, Any] = {
    "/ctx.jsonld": {
        "@context": {"speed": "https://example.org/speed", "Car": "https://example.org/Car"}
    },
    "/delay.jsonld": {"@context": {"delayed": "https://example.org/delayed"}},
    "/nested.jsonld": {
        "@context": [
            "ctx.jsonld",
            {"ex": "https://example.org/ns/", "owner": "ex:owner"},
            DEFAULT_CORE_URL,
        ]
    },
    "/deep.jsonld": {"@context": ["nested.jsonld", {"depth": "https://example.org/depth"}]},
    "/cycle-a.jsonld": {"@context": ["cycle-b.jsonld"]},
    "/cycle-b.jsonld": {"@context": ["cycle-a.jsonld", {"cyc": "https://example.org/cyc"}]},
    "/protected.jsonld": {
        "@context": [DEFAULT_CORE_URL, {"observedAt": "https://evil.example/observedAt"}]
    },
    "/nocontext.jsonld": {"speed": "https://example.org/speed"},
    "/array.jsonld": [1, 2, 3],
    "/badref.jsonld": {"@context": ["urn:x:ctx"]},
    "/toggle.jsonld": {"@context": {"toggled": "https://example.org/toggled"}},
}
BIG = json.dumps({"@context": {f"t{i}": f"https://example.org/t{i}" for i in range(200)}}).encode()


class Handler(BaseHTTPRequestHandler):
    hits: Counter[str] = Counter()
    broken: set[str] = set()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes, ctype: str = "application/ld+json", length: bool = True
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        Handler.hits[path] += 1
        if path in Handler.broken:
            self._send(500, b"{}")
        elif path == "/slow.jsonld":
            time.sleep(2)
            self._send(200, json.dumps(DOCS["/ctx.jsonld"]).encode())
        elif path == "/big.jsonld":
            self._send(200, BIG)
        elif path == "/big-chunked.jsonld":
            self.close_connection = True
            self._send(200, BIG, length=False)
        elif path == "/notjson.jsonld":
            self._send(200, b"<html>hello</html>", "text/html")
        elif path == "/redirect.jsonld":
            self.send_response(302)
            self.send_header("Location", "/ctx.jsonld")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/loop.jsonld":
            self.send_response(301)
            self.send_header("Location", "/loop.jsonld")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path in DOCS:
            if path == "/delay.jsonld":
                time.sleep(0.3)
            self._send(200, json.dumps(DOCS[path]).encode(), "application/json")
        else:
            self._send(404, b'{"error": "not found"}', "application/json")


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up early (timeouts, size limits) break pipes on purpose


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _reset_server() -> None:
    Handler.hits.clear()
    Handler.broken.clear()


def resolver(**kw: Any) -> ContextResolver:
    kw.setdefault("allow_private", True)
    kw.setdefault("public_base", OFFLINE_BASE)
    kw.setdefault("backend", DictBackend())
    return ContextResolver(**kw)


async def resolve_once(context: Any, **kw: Any) -> TermMap:
    r = resolver(**kw)
    try:
        return await r.resolve(context)
    finally:
        await r.aclose()


def pyld_context(document: Any) -> Any:
    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": {"@context": {}}}

    proc = jsonld.JsonLdProcessor()
    opts = {"documentLoader": loader, "contextResolver": PyldResolver({}, loader), "base": ""}
    return proc, proc.process_context(proc._get_initial_context(opts), document, opts)


@functools.lru_cache(maxsize=1)
def reference_context() -> Any:
    return pyld_context(json.loads(REFERENCE.read_text()))


# --- the built-in core context -----------------------------------------------------------------


def test_packaged_core_context_is_the_reference() -> None:
    assert PACKAGED.read_bytes() == REFERENCE.read_bytes()


def test_every_reference_term_expands_as_pyld_does() -> None:
    reference = json.loads(REFERENCE.read_text())
    proc, active = pyld_context(reference)
    tm = core_term_map()
    terms = [t for t in reference["@context"] if not t.startswith("@")]
    assert len(terms) > 150 and set(terms) == CORE_TERMS
    for term in terms:
        assert tm.expand_attr(term) == proc._expand_iri(active, term, vocab=True), term
        assert tm.compact_attr(tm.expand_attr(term)) == term
        assert tm.is_core_term(term)
    assert not tm.is_core_term("speed")


def test_core_urls_are_built_in_and_need_no_network() -> None:
    assert DEFAULT_CORE_URL in CORE_CONTEXT_URLS
    assert "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld" in CORE_CONTEXT_URLS
    assert "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld" in CORE_CONTEXT_URLS
    assert (
        "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-non-existing.jsonld"
        not in CORE_CONTEXT_URLS
    )

    async def scenario() -> None:
        # allow_private=False and an unresolvable public base: nothing may be fetched.
        r = resolver(allow_private=False)
        for url in sorted(CORE_CONTEXT_URLS):
            tm = await r.resolve(url)
            assert tm.expand_attr("observedAt") == NGSI + "observedAt"
            assert tm.link_url == url
        tm = await r.resolve([DEFAULT_CORE_URL, {"speed": "https://example.org/speed"}])
        assert tm.expand_attr("speed") == "https://example.org/speed"
        assert r._client is None  # never opened a connection
        await r.aclose()

    run(scenario())


def test_none_means_the_core_context() -> None:
    tm = run(resolve_once(None))
    assert tm.context == DEFAULT_CORE_URL and tm.urls == (DEFAULT_CORE_URL,)
    assert tm.link_url == DEFAULT_CORE_URL
    assert tm.expand_attr("speed") == VOCAB + "speed"
    tm = run(resolve_once(None, core_url=ctxmod.DEFAULT_CORE_URL.replace("1.8", "1.9")))
    assert tm.link_url.endswith("v1.9.jsonld")  # type: ignore[union-attr]


# --- expansion and compaction ------------------------------------------------------------------


def test_expansion_rules() -> None:
    tm = core_term_map()
    assert tm.expand_attr("id") == "@id" and tm.expand_attr("type") == "@type"
    assert tm.expand_type("Property") == NGSI + "Property"
    assert tm.expand_type("Point") == "https://purl.org/geojson/vocab#Point"
    assert tm.expand_attr("ngsi-ld:custom") == NGSI + "custom"
    assert tm.expand_attr("geojson:x") == "https://purl.org/geojson/vocab#x"
    assert tm.expand_attr("https://example.org/a") == "https://example.org/a"
    assert tm.expand_attr("urn:ngsi-ld:x") == "urn:ngsi-ld:x"
    assert tm.expand_attr("_:b0") == "_:b0"
    assert tm.expand_attr("@context") == "@context"
    assert tm.expand_attr("speed") == VOCAB + "speed"
    assert tm.expand_vocab_value("OnStreet") == VOCAB + "OnStreet"
    assert tm.expand_attr("speed") is tm.expand_attr("speed")  # memoised


def test_compaction_rules() -> None:
    tm = core_term_map()
    assert tm.compact_attr("@id") == "id" and tm.compact_attr("@type") == "type"
    assert tm.compact_attr(NGSI + "observedAt") == "observedAt"  # value-independent term choice
    assert tm.compact_attr(NGSI + "hasObject") == "object"
    assert tm.compact_type(NGSI + "Relationship") == "Relationship"
    assert tm.compact_attr(VOCAB + "speed") == "speed"  # @vocab before compact IRIs
    assert tm.compact_attr(NGSI + "custom") == "ngsi-ld:custom"
    assert tm.compact_attr("https://purl.org/geojson/vocab#x") == "geojson:x"
    assert tm.compact_attr("https://example.org/a") == "https://example.org/a"
    # A vocab suffix that is itself a defined term must not be used.
    assert tm.compact_attr(VOCAB + "observedAt") == "ngsi-ld:default-context/observedAt"
    assert tm.compact_vocab_value(VOCAB + "OnStreet") == "OnStreet"


def test_term_selection_shortest_then_least() -> None:
    ctx = {
        "bb": "https://example.org/x",
        "aa": "https://example.org/x",
        "ccc": "https://example.org/x",
        "ex": "https://example.org/",
        "exlong": "https://example.org/long/",
    }
    tm = run(resolve_once(ctx))
    assert tm.compact_attr("https://example.org/x") == "aa"
    assert tm.compact_attr("https://example.org/long/y") == "exlong:y"  # shorter candidate
    assert tm.compact_attr("https://example.org/longer") == "ex:longer"
    assert tm.expand_attr("ex:y") == "https://example.org/y"


def test_user_context_cannot_change_core_terms() -> None:
    evil = {
        "type": "https://evil.example/type",
        "observedAt": "https://evil.example/observedAt",
        "Property": "https://evil.example/Property",
        "speed": "https://example.org/speed",
    }
    tm = run(resolve_once(evil))
    assert tm.expand_attr("type") == "@type"
    assert tm.expand_attr("observedAt") == NGSI + "observedAt"
    assert tm.expand_type("Property") == NGSI + "Property"
    assert tm.expand_attr("speed") == "https://example.org/speed"
    assert tm.compact_attr("https://example.org/speed") == "speed"
    # With the core placed first, redefining a protected term is an error.
    with pytest.raises(BadRequestData, match="protected"):
        run(resolve_once([DEFAULT_CORE_URL, {"observedAt": "https://evil.example/o"}]))


def test_user_vocab_and_prefixes() -> None:
    tm = run(resolve_once([{"schema": "https://schema.org/", "name": "schema:name"}]))
    assert tm.expand_attr("name") == "https://schema.org/name"
    assert tm.expand_attr("schema:address") == "https://schema.org/address"
    assert tm.compact_attr("https://schema.org/address") == "schema:address"
    assert tm.compact_attr("https://schema.org/name") == "name"


@pytest.mark.parametrize(
    ("context", "error"),
    [
        ("unknownContext", BadRequestData),
        ("/api/v1/context.jsonld", BadRequestData),
        ("file:///etc/passwd", BadRequestData),
        (5, BadRequestData),
        ([DEFAULT_CORE_URL, 5], BadRequestData),
        ({"a": 5}, BadRequestData),
        ({"a": {"@id": "https://x/a", "@container": "@nonsense"}}, BadRequestData),
    ],
)
def test_malformed_contexts(context: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        run(resolve_once(context))


NAME = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    min_size=1,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(NAME)
def test_roundtrip_core(term: str) -> None:
    tm = core_term_map()
    assert tm.compact_attr(tm.expand_attr(term)) == term
    assert tm.compact_type(tm.expand_type(term)) == term


USER_TM = None


def user_term_map() -> TermMap:
    global USER_TM
    if USER_TM is None:
        USER_TM = run(
            resolve_once({"ex": "https://example.org/", "speed": "ex:speed", "Car": "ex:Car"})
        )
    return USER_TM


@settings(max_examples=300, deadline=None)
@given(NAME)
def test_roundtrip_user_context(term: str) -> None:
    tm = user_term_map()
    assert tm.compact_attr(tm.expand_attr(term)) == term


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [VOCAB, NGSI, "https://purl.org/geojson/vocab#", "https://example.org/", "urn:x:"]
    ),
    st.text(alphabet="abcXYZ019_/-.", min_size=0, max_size=12),
)
def test_compaction_agrees_with_pyld(base: str, suffix: str) -> None:
    """For IRIs that no typed term names, our compaction is JSON-LD's (vocab=true)."""
    tm = core_term_map()
    iri = base + suffix
    proc, active = reference_context()
    assume(iri not in {m["@id"] for m in active["mappings"].values() if m})
    assert tm.compact_attr(iri) == proc._compact_iri(active, iri, vocab=True)


def test_warm_lookups_are_fast() -> None:
    tm = core_term_map()
    tm.expand_attr("speed")
    tm.compact_attr(VOCAB + "speed")
    n = 200_000
    t0 = time.perf_counter()
    for _ in range(n):
        tm.expand_attr("speed")
    t1 = time.perf_counter()
    for _ in range(n):
        tm.compact_attr(VOCAB + "speed")
    t2 = time.perf_counter()
    assert (t1 - t0) / n < 5e-6 and (t2 - t1) / n < 5e-6


# --- remote contexts ---------------------------------------------------------------------------


def test_remote_fetch_and_cache(server: str) -> None:
    async def scenario() -> None:
        r = resolver()
        url = f"{server}/ctx.jsonld"
        tm = await r.resolve(url)
        assert tm.expand_attr("speed") == "https://example.org/speed"
        assert tm.expand_attr("observedAt") == NGSI + "observedAt"  # core appended
        assert tm.compact_type("https://example.org/Car") == "Car"
        assert tm.context == url and tm.link_url == url
        assert await r.resolve(url) is tm
        # another context value using the same document: the document cache serves it
        tm2 = await r.resolve([url, {"extra": "https://example.org/extra"}])
        assert tm2.expand_attr("speed") == "https://example.org/speed" and tm2.link_url is None
        assert Handler.hits[url.removeprefix(server)] == 1
        assert url in r.list_contexts(kind="Cached")
        await r.aclose()

    run(scenario())


def test_remote_ttl_and_stale_copy(server: str) -> None:
    async def scenario() -> None:
        r = resolver(ttl=0.2)
        url = f"{server}/toggle.jsonld"
        await r.resolve(url)
        await asyncio.sleep(0.3)
        await r.resolve(url)
        assert Handler.hits["/toggle.jsonld"] == 2  # expired: fetched again
        Handler.broken.add("/toggle.jsonld")
        await asyncio.sleep(0.3)
        tm = await r.resolve(url)  # refetch fails: the stale copy is used
        assert tm.expand_attr("toggled") == "https://example.org/toggled"
        assert Handler.hits["/toggle.jsonld"] == 3
        await r.aclose()

    run(scenario())


def test_nested_remote_contexts(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(url: str, options: Any = None) -> Any:
        raise AssertionError(f"pyld tried to load {url}")

    monkeypatch.setattr(jsonld, "_default_document_loader", no_network)

    async def scenario() -> None:
        r = resolver()
        tm = await r.resolve(f"{server}/deep.jsonld")
        assert tm.expand_attr("depth") == "https://example.org/depth"
        assert tm.expand_attr("speed") == "https://example.org/speed"  # relative, two levels down
        assert tm.expand_attr("owner") == "https://example.org/ns/owner"
        assert tm.compact_attr("https://example.org/ns/owner") == "owner"
        assert {p: Handler.hits[p] for p in ("/deep.jsonld", "/nested.jsonld", "/ctx.jsonld")} == {
            "/deep.jsonld": 1,
            "/nested.jsonld": 1,
            "/ctx.jsonld": 1,
        }
        assert tm.sources >= {f"{server}/deep.jsonld", f"{server}/ctx.jsonld", ctxmod.CORE_LOCAL_ID}
        # cycles end, and are reported by JSON-LD processing as an invalid context
        with pytest.raises((BadRequestData, LdContextNotAvailable)):
            await r.resolve(f"{server}/cycle-a.jsonld")
        with pytest.raises(BadRequestData, match="protected"):
            await r.resolve(f"{server}/protected.jsonld")
        await r.aclose()

    run(scenario())


def test_nesting_depth_limit(server: str) -> None:
    with pytest.raises(LdContextNotAvailable, match="nested"):
        run(resolve_once(f"{server}/deep.jsonld", max_depth=0))


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/missing.jsonld", "404"),
        ("/notjson.jsonld", "not valid JSON"),
        ("/nocontext.jsonld", "no @context"),
        ("/array.jsonld", "no @context"),
        ("/big.jsonld", "larger than"),
        ("/big-chunked.jsonld", "larger than"),
        ("/loop.jsonld", "redirects"),
        ("/badref.jsonld", "only http(s)"),
    ],
)
def test_remote_failures(server: str, path: str, reason: str) -> None:
    url = server + path
    with pytest.raises(LdContextNotAvailable) as info:
        run(resolve_once(url, max_bytes=1024))
    assert url in info.value.detail and reason in info.value.detail
    assert info.value.status == 503


def test_redirects_are_followed(server: str) -> None:
    tm = run(resolve_once(f"{server}/redirect.jsonld"))
    assert tm.expand_attr("speed") == "https://example.org/speed"


def test_timeout(server: str) -> None:
    t0 = time.perf_counter()
    with pytest.raises(LdContextNotAvailable, match="timed out|Timeout"):
        run(resolve_once(f"{server}/slow.jsonld", timeout=0.3))
    assert time.perf_counter() - t0 < 1.5


def test_unreachable_server() -> None:
    with pytest.raises(LdContextNotAvailable, match="127.0.0.1:9"):
        run(resolve_once("http://127.0.0.1:9/ctx.jsonld"))
    with pytest.raises(LdContextNotAvailable, match="99999"):
        run(resolve_once("http://example.org:99999/ctx.jsonld", allow_private=False))


def test_private_addresses_refused(server: str) -> None:
    for url in (
        f"{server}/ctx.jsonld",
        "http://localhost/ctx.jsonld",
        "http://[::1]/x",
        "http://169.254.169.254/x",
        "http://10.0.0.1/x",
        "http://0.0.0.0/x",
    ):
        with pytest.raises(LdContextNotAvailable, match="non-public"):
            run(resolve_once(url, allow_private=False))
    assert Handler.hits["/ctx.jsonld"] == 0


def test_concurrent_resolves_share_one_fetch(server: str) -> None:
    async def scenario() -> None:
        r = resolver()
        url = f"{server}/delay.jsonld"
        maps = await asyncio.gather(
            *(r.resolve(url) for _ in range(5)), r.resolve([url, {"a": "https://x/a"}])
        )
        assert all(m.expand_attr("delayed") == "https://example.org/delayed" for m in maps)
        assert Handler.hits["/delay.jsonld"] == 1
        await r.aclose()

    run(scenario())


def test_cache_is_bounded() -> None:
    async def scenario() -> None:
        r = resolver(cache_size=4)
        for i in range(10):
            await r.resolve({f"t{i}": f"https://example.org/t{i}"})
        assert len(r._maps) == 4

    run(scenario())


def test_cached_documents_survive_in_the_backend(server: str) -> None:
    async def scenario() -> None:
        backend = DictBackend()
        r1 = resolver(backend=backend)
        await r1.resolve(f"{server}/ctx.jsonld")
        await r1.aclose()
        r2 = resolver(backend=backend)  # e.g. after a restart
        tm = await r2.resolve(f"{server}/ctx.jsonld")
        assert tm.expand_attr("speed") == "https://example.org/speed"
        assert Handler.hits["/ctx.jsonld"] == 1
        await r2.aclose()

    run(scenario())


# --- the /jsonldContexts API -------------------------------------------------------------------

MINIMAL = {"@context": {"A1": "urn:ngsi-ld:attributes:A1", "A2": "urn:ngsi-ld:attributes:A2"}}


def test_hosted_context_lifecycle() -> None:
    async def scenario() -> None:
        backend = DictBackend()
        r = resolver(backend=backend, allow_private=False)
        local_id, url = r.add_hosted(MINIMAL)
        assert url == f"{OFFLINE_BASE}/ngsi-ld/v1/jsonldContexts/{local_id}"
        assert backend.rows[local_id].kind == "Hosted"
        assert r.serve(local_id) == MINIMAL
        details = r.serve(local_id, details=True)
        assert (
            details["kind"] == "Hosted" and details["localId"] == local_id and details["URL"] == url
        )
        assert set(details) <= DETAIL_KEYS and details["createdAt"].endswith("Z")
        assert r.list_contexts() == [DEFAULT_CORE_URL, url]
        assert r.list_contexts(kind="Hosted") == [url]
        assert r.list_contexts(kind="ImplicitlyCreated") == []
        assert [d["kind"] for d in r.list_contexts(details=True)] == ["Cached", "Hosted"]
        # resolution from the backend, never by HTTP (the host does not even exist)
        tm = await r.resolve(url)
        assert tm.expand_attr("A1") == "urn:ngsi-ld:attributes:A1"
        # the same hosted context named through another host name of this broker
        tm = await r.resolve(f"http://localhost:9090/ngsi-ld/v1/jsonldContexts/{local_id}")
        assert tm.expand_attr("A2") == "urn:ngsi-ld:attributes:A2"
        with pytest.raises(BadRequestData):
            await r.delete(local_id, reload=True)
        await r.delete(local_id)
        assert local_id not in backend.rows
        with pytest.raises(LdContextNotAvailable, match=local_id):
            await r.resolve(url)  # its term map was evicted with it
        with pytest.raises(ResourceNotFound):
            r.serve(local_id)
        assert r._client is None

    run(scenario())


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ({"A1": "urn:ngsi-ld:attributes:A1"}, InvalidRequest),
        ([MINIMAL], InvalidRequest),
        ({"@context": 5}, InvalidRequest),
        ({"@context": {"A1": 5}}, BadRequestData),
        ({"@context": "relative.jsonld"}, BadRequestData),
        ({"@context": [DEFAULT_CORE_URL, {"type": "https://evil/type"}]}, BadRequestData),
    ],
)
def test_add_hosted_rejects(document: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        resolver().add_hosted(document)


def test_hosted_list_of_remote_urls_becomes_cached(server: str) -> None:
    async def scenario() -> None:
        r = resolver()
        remote = [f"{server}/ctx.jsonld", f"{server}/toggle.jsonld"]
        local_id, url = r.add_hosted({"@context": remote})  # no fetch at creation
        assert sum(Handler.hits.values()) == 0
        tm = await r.resolve(url)
        assert tm.expand_attr("toggled") == "https://example.org/toggled"
        cached = r.list_contexts(kind="Cached")
        assert all(u in cached for u in remote)
        for u in remote:
            assert r.serve(u, details=True)["kind"] == "Cached"
        await r.aclose()

    run(scenario())


def test_cached_context_api(server: str) -> None:
    async def scenario() -> None:
        r = resolver()
        url = f"{server}/toggle.jsonld"
        await r.resolve(url)
        assert r.serve(url) == DOCS["/toggle.jsonld"]  # counts as a use
        details = r.serve(url, details=True)
        assert (
            details["kind"] == "Cached" and details["numberOfHits"] == 2 and "lastUsage" in details
        )
        assert r.serve(details["localId"], details=True)["numberOfHits"] == 3
        # reload re-fetches; failure leaves the cached copy in place
        await r.delete(url, reload=True)
        assert Handler.hits["/toggle.jsonld"] == 2
        Handler.broken.add("/toggle.jsonld")
        with pytest.raises(LdContextNotAvailable):
            await r.delete(url, reload=True)
        assert r.serve(url, details=True)["kind"] == "Cached"
        await r.delete(url)
        assert url not in r.list_contexts()
        with pytest.raises(ResourceNotFound):
            r.serve(url)
        Handler.broken.clear()
        await r.resolve(url)  # a fresh fetch
        assert Handler.hits["/toggle.jsonld"] == 4
        await r.aclose()

    run(scenario())


def test_hits_of_a_cached_context(server: str) -> None:
    """ETSI 053_06: resolve, serve (1), resolve again, serve (3)."""

    async def scenario() -> None:
        r = resolver()
        url = f"{server}/ctx.jsonld"
        await r.resolve(url)
        assert r.serve(url, details=True)["numberOfHits"] == 1
        await r.resolve(url)
        assert r.serve(url, details=True)["numberOfHits"] == 3
        await r.aclose()

    run(scenario())


def test_implicitly_created_context(server: str) -> None:
    async def scenario() -> None:
        r = resolver()
        value = [f"{server}/ctx.jsonld", {"extra": "https://example.org/extra"}]
        local_id, url = r.add_implicit(value)
        assert r.add_implicit(value) == (local_id, url)
        assert r.list_contexts(kind="ImplicitlyCreated") == [url]
        tm = await r.resolve(url)
        assert tm.expand_attr("extra") == "https://example.org/extra"
        assert tm.expand_attr("speed") == "https://example.org/speed"
        # ETSI 053_08: one use, then two detailed serves report 1 and 2
        assert r.serve(local_id, details=True)["numberOfHits"] == 1
        details = r.serve(local_id, details=True)
        assert details["numberOfHits"] == 2 and details["kind"] == "ImplicitlyCreated"
        assert set(details) <= DETAIL_KEYS
        assert r.serve(local_id) == {"@context": value}
        with pytest.raises(BadRequestData):
            await r.delete(local_id, reload=True)
        await r.delete(local_id)
        assert r.list_contexts(kind="ImplicitlyCreated") == []
        await r.aclose()

    run(scenario())


def test_core_context_api() -> None:
    async def scenario() -> None:
        r = resolver()
        v16 = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.6.jsonld"
        assert r.serve(v16) == json.loads(REFERENCE.read_text())
        details = r.serve(v16, details=True)
        assert details["URL"] == v16 and details["kind"] == "Cached" and set(details) <= DETAIL_KEYS
        for reload in (False,):
            with pytest.raises(BadRequestData):
                await r.delete(v16, reload=reload)
        await r.delete(v16, reload=True)  # reloading the built-in copy is a no-op
        assert r.serve(ctxmod.CORE_LOCAL_ID)["@context"]["@vocab"] == VOCAB

    run(scenario())


def test_unknown_ids_and_kinds() -> None:
    async def scenario() -> None:
        r = resolver()
        with pytest.raises(ResourceNotFound):
            r.serve("wrong_id_context")
        with pytest.raises(ResourceNotFound):
            await r.delete("1234567890123456")
        with pytest.raises(BadRequestData):
            await r.delete("wrong_id_context", reload=True)
        with pytest.raises(BadRequestData):
            r.list_contexts(kind="other")
        assert r.list_contexts(kind="Cached") == [DEFAULT_CORE_URL]
        assert r.list_contexts(kind="Hosted") == []

    run(scenario())


def test_dns_rebinding_cannot_reach_a_private_address(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name whose first answer is public and whose later answers are private (an
    attacker's name server, played here by a patched resolver): the broker connects to
    the address it checked, so the local server behind the later answer is never hit."""
    port = int(server.rsplit(":", 1)[1])
    real = socket.getaddrinfo
    answers = iter(["8.8.8.8"])  # checked (public); afterwards the name points home

    def rebinding(host: Any, service: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("rebind.example", b"rebind.example"):  # the HTTP client asks in bytes
            return real(host, service, *args, **kwargs)
        address = next(answers, "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(service or port)))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = f"http://rebind.example:{port}/ctx.jsonld"
    with pytest.raises(LdContextNotAvailable):  # 8.8.8.8 is not reachable from here
        run(resolve_once(url, allow_private=False, timeout=0.5))
    assert Handler.hits["/ctx.jsonld"] == 0
