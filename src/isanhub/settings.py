"""One settings object: environment variables (ISANHUB_*), overridden by CLI flags.

Read once at start-up (``Settings.from_env``) and passed to constructors; no module reads
the environment by itself. The table in docs/configuration.md lists every field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from typing import Any

from isanhub.store.base import sqlite_file


@dataclass(frozen=True)
class Settings:
    #: where the data lives: sqlite:///path/to/file.db (default) or postgresql://...
    db: str = "sqlite:///var/isanhub.db"
    host: str = "127.0.0.1"
    port: int = 1026
    #: URL at which clients reach this broker (for hosted @context URLs); default from host/port
    public_url: str = ""
    #: core @context URL reported in Link headers and compacted responses
    core_context: str = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
    #: allow fetching remote @contexts from private/loopback addresses (off: SSRF protection)
    allow_private_contexts: bool = False
    #: seconds for fetching one remote @context, and its maximum size in bytes
    context_timeout: float = 3.0
    context_max_bytes: int = 1_048_576
    #: default and maximum page size of queries (limit)
    default_limit: int = 20
    max_limit: int = 1000
    #: write durability: FULL (fsync every group commit) or NORMAL (survives a process kill)
    sqlite_synchronous: str = "FULL"
    #: instances per attribute in one answer of the temporal API; beyond, the answer is a
    #: page (206 Partial Content with a Content-Range of date-times)
    temporal_page: int = 1000
    #: how long history is kept, per tenant or type (applied by `isanhub retention`), e.g.
    #: "*=P5Y, tenant:khonkaen=P10Y, type:AirQualityObserved=P2Y"; empty: kept forever
    retention: str = ""
    #: how long personal attributes are kept once an entity stops changing, per tenant or
    #: type (applied by `isanhub retention`), e.g. "type:IssueReporting=P1Y, *=P5Y"
    personal_retention: str = ""
    #: PostgreSQL connections each API process keeps open (at most)
    pg_pool_size: int = 10
    #: seconds between recomputations of the smart-city scorecard (KPIs) in the server;
    #: 0 turns the schedule off (``isanhub kpi`` and POST /hub/v1/kpi/compute still work)
    kpi_interval: int = 3600
    #: largest JSON body of the NGSI-LD API, in bytes (413 beyond), and its deepest
    #: nesting of objects and arrays (400 beyond: deeper values cannot be stored)
    max_body: int = 33_554_432
    max_json_depth: int = 100
    #: largest file accepted by POST /hub/v1/import, in bytes (the CLI has no limit)
    import_max_bytes: int = 536_870_912
    #: folder of the seller lake (order lines as Parquet); default: "lake" beside the
    #: SQLite file, or var/lake with PostgreSQL
    lake: str = ""
    #: folder of the farmer insight's columnar snapshots (Parquet per tenant); default:
    #: "agri" beside the SQLite file, or var/agri with PostgreSQL
    agri: str = ""
    #: seconds a farmer-insight snapshot serves before the next request rebuilds it in
    #: the background (the answer says how old its data is); 0: rebuild on every request
    agri_refresh: int = 600
    #: the tenant whose scorecard gets the anonymous sums of the sellers' sales
    city_tenant: str = ""
    #: a Thai TrueType font for PDF reports; default: the first found of Sarabun, Noto
    #: Sans Thai, Loma, Garuda (Debian: fonts-thai-tlwg)
    report_font: str = ""
    #: creator tiers the seller report ranks, by followers: "micro=10000-100000"
    creator_tiers: str = "micro=10000-100000"
    #: seconds a notification endpoint has to accept one notification (HTTP and MQTT)
    notify_timeout: float = 5.0
    #: longest wait, in seconds, between two tries of a failing notification endpoint
    #: (the wait doubles from 0.5 s after each failure; the notifications wait, in order)
    notify_max_backoff: float = 60.0
    #: changes of one subscription sent together at most in one notification, when
    #: its endpoint has a backlog (after an outage, or under throttling)
    notify_batch: int = 64
    #: who may use the APIs: "keys" (API keys and OpenID Connect tokens, with roles per
    #: tenant) or "open" (no keys: everyone is an admin; served on a loopback address only)
    auth: str = "keys"
    #: OpenID Connect bearer tokens: the issuer (iss) they must name, the audience (aud),
    #: and a file with the provider's public keys (JWKS or PEM; read at start, no network)
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_keys: str = ""
    #: the token claim that lists roles as "tenant:role" ("khonkaen:provider", "*:admin");
    #: "tenant:role+personal" also grants reading personal data
    oidc_roles_claim: str = "isanhub_roles"
    #: requests per second per API key or token (a key may set its own), and per client
    #: address without one; bursts of twice as many pass; 0: no limit
    rate_limit: float = 1000.0
    public_rate_limit: float = 100.0
    #: allow notification endpoints on private or loopback addresses (off: SSRF protection)
    allow_private_endpoints: bool = False
    #: most entities in one batch request (/entityOperations, /temporal/entityOperations)
    max_batch: int = 1000
    #: personal-data classification (a TOML file, docs/security.md); empty: the built-in one
    personal_data: str = ""
    #: log lines as "text" or "json" (one object per line); neither holds personal data
    log_format: str = "text"
    #: one log line per request (method, route template, status, time, who, tenant; at
    #: INFO): off by default, as it costs about a fifth of the fastest reads' rate
    access_log: bool = False
    log_level: str = "info"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def private_endpoints(self) -> bool:
        """Whether notifications may go to private addresses: when allowed, and in open
        mode, which serves this machine only (its receivers are usually local)."""
        return self.allow_private_endpoints or self.auth == "open"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def lake_dir(self) -> str:
        """The seller lake's folder (see ``lake``)."""
        if self.lake:
            return self.lake
        path = sqlite_file(self.db)
        return os.path.join(os.path.dirname(path) or ".", "lake") if path else "var/lake"

    @property
    def agri_dir(self) -> str:
        """The farmer insight's snapshot folder (see ``agri``)."""
        if self.agri:
            return self.agri
        path = sqlite_file(self.db)
        return os.path.join(os.path.dirname(path) or ".", "agri") if path else "var/agri"

    def tiers(self) -> dict[str, tuple[int, int]]:
        """``creator_tiers`` parsed: name -> (min followers, max followers)."""
        out: dict[str, tuple[int, int]] = {}
        for part in filter(None, (p.strip() for p in self.creator_tiers.split(","))):
            name, _, span = part.partition("=")
            low, _, high = span.partition("-")
            try:
                out[name.strip()] = (int(low), int(high))
            except ValueError:
                raise ValueError(
                    f"ISANHUB_CREATOR_TIERS: {part!r} is not name=min-max, e.g. micro=10000-100000"
                ) from None
        return out

    @property
    def db_display(self) -> str:
        """The database URL with its password hidden, for messages and logs."""
        return re.sub(r"(//[^/:@]*:)[^/]*@", r"\1***@", self.db)

    def to_env(self) -> dict[str, str]:
        """The ISANHUB_<FIELD> variables that rebuild these settings (for worker processes)."""
        out = {}
        for f in fields(self):
            if f.name != "extra":
                value = getattr(self, f.name)
                out["ISANHUB_" + f.name.upper()] = (
                    str(value).lower() if isinstance(value, bool) else str(value)
                )
        return out

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ISANHUB_<FIELD> variables, then explicit overrides."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get("ISANHUB_" + f.name.upper())
            if raw is None or f.name == "extra":
                continue
            values[f.name] = _convert(raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _convert(raw: str, type_name: Any) -> Any:
    kind = str(type_name)
    if kind == "bool":
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    return raw
