"""JSON-LD term maps: a processed ``@context`` as dictionary look-ups.

pyld processes a whole context once, offline (every document it refers to is handed in);
:class:`TermMap` then expands and compacts names, types and vocabulary values with plain
dictionary look-ups. The NGSI-LD core context is packaged here, so a broker needs no
network for it. Fetching remote documents and caching term maps is
:mod:`isanhub.core.context`'s job.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import orjson
from pyld import jsonld
from pyld.context_resolver import ContextResolver as _PyldContextResolver
from pyld.iri_resolver import resolve as _resolve_iri

from isanhub.core.errors import BadRequestData, LdContextNotAvailable

CORE_CONTEXT_URLS = frozenset(
    f"{scheme}://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context{version}.jsonld"
    for scheme in ("https", "http")
    for version in ("", *(f"-v1.{n}" for n in range(10)))
)
DEFAULT_CORE_URL = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
CORE_LOCAL_ID = "ngsi-ld-core-context"

CORE_DOCUMENT: dict[str, Any] = orjson.loads(
    resources.files("isanhub.core")
    .joinpath("contexts/ngsi-ld-core-context-v1.9.jsonld")
    .read_bytes()
)
CORE_TERMS = frozenset(t for t in CORE_DOCUMENT["@context"] if not t.startswith("@"))
# Scoped contexts of core terms (ngsildproof): their terms never reach a flat term map,
# so an empty context stands in for them and nothing is fetched.
STUB_URLS = frozenset({"https://w3id.org/security/data-integrity/v2"})
EMPTY_DOC: dict[str, Any] = {"@context": {}}
_MEMO_LIMIT = 100_000


def clone(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value))


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


def process_context(entries: list[Any], docs: Mapping[str, Any], max_urls: int) -> Any:
    """Run pyld's context processing with a loader serving only ``docs`` (never the network)."""

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        if url not in docs:
            raise LdContextNotAvailable(f"@context {url} is not available")
        return {"contextUrl": None, "documentUrl": url, "document": clone(docs[url])}

    proc = jsonld.JsonLdProcessor()
    opts = {
        "documentLoader": loader,
        "contextResolver": _PyldContextResolver({}, loader, max_urls),
        "base": "",
    }
    try:
        return proc.process_context(proc._get_initial_context(opts), clone(entries), opts)
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
    docs = {core_url: CORE_DOCUMENT, **dict.fromkeys(STUB_URLS, EMPTY_DOC)}
    active = process_context([core_url], docs, 8)
    return TermMap(active, context=core_url, urls=(core_url,), sources=frozenset({CORE_LOCAL_ID}))


def referenced_urls(value: Any, base: str | None) -> list[str]:
    """URLs a context value refers to: array/string entries, @import, scoped contexts."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str):
            try:
                found.append(_resolve_iri(v, base) if base else v)
            except ValueError:
                found.append(v)  # unusable: its fetch fails with LdContextNotAvailable
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


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        raise BadRequestData(f"@context {url!r} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise BadRequestData(f"@context {url!r} is not an absolute http(s) URL")
    try:
        return str(_resolve_iri(url, ""))
    except ValueError as exc:
        raise BadRequestData(f"@context {url!r} is not a valid URL") from exc


def context_entries(context: Any) -> list[Any]:
    """The client's @context as a list of checked entries (URLs normalised)."""
    if context is None:
        return []
    out: list[Any] = []
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, str):
            out.append(check_url(item))
        elif item is None or isinstance(item, dict):
            out.append(item)
        else:
            raise BadRequestData("@context entries must be URL strings or JSON objects")
    return out
