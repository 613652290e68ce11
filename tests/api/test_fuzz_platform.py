"""Fuzzing the whole platform (GET /openapi.json) with access control on.

test_fuzz.py hunts the NGSI-LD operations in open mode; here every documented operation
(/hub/v1, /version, the pages, and NGSI-LD again, briefly) runs on a hub with
ISANHUB_AUTH=keys:

- with an admin key, so that requests get past authentication into the handlers: never
  5xx, every error a problem details body, and responses as the document says
  (status codes, media types, headers and bodies: schemathesis' conformance checks);
- with no valid credential: every operation that needs one answers 401 problem details
  (NGSI-LD requests may stop earlier at the request checks: 400, 406, 415), those that
  need none answer as usual, and nothing answers 5xx.

Bounded like test_fuzz.py: a few derandomized examples per operation (FUZZ_EXAMPLES
raises them for a long hunt); the file runs in well under a minute.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_fuzz import FUZZ, SEED, assert_problem

from conftest import make_settings
from isanhub.api import openapi_platform
from isanhub.api.app import create_app
from isanhub.api.asgi import App
from isanhub.security import keys
from isanhub.security.principal import Action
from isanhub.settings import Settings
from isanhub.store.base import open_store

B = "/ngsi-ld/v1"
#: examples per operation: the platform's own get the most, NGSI-LD (fuzzed at length in
#: open mode by test_fuzz.py) a few, the check without credentials a couple
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
NGSI_EXAMPLES = max(1, EXAMPLES // 4)
ANONYMOUS_EXAMPLES = max(1, EXAMPLES // 5)
#: the router of an app that is never started: what the document is built from
ROUTES = tuple(create_app(Settings(db="sqlite:///:memory:", auth="open")).router.routes())
ACTIONS = {openapi_platform._key(t, m): a for t, m, a in ROUTES}
CREDENTIAL_HEADERS = ("authorization", "x-api-key")
#: the request checks of the NGSI-LD API run before access control (api.precheck)
PRECHECK_STATUSES = {400, 406, 415}
#: operations whose 400 may be a report of rejected rows rather than a problem
REPORTS = re.compile(r"^/hub/v1/(import|sellers/[^/]+/import)$")
#: the one operation that needs no credential but checks the key it is given (its body)
SIGN_IN = ("POST", "/hub/v1/session")

schema = schemathesis.openapi.from_dict(openapi_platform.document(ROUTES))
schema.config.phases.update(phases=["examples", "fuzzing"])
NGSI = f"^{re.escape(B)}/"


@dataclass
class Keyed:
    app: App
    admin: dict[str, str]  #: the Authorization header of an admin of every tenant
    client: Any  #: schemathesis' in-process client (requests' interface)


def _admin_key(db: str) -> str:
    """An admin key of every tenant, stored before the app starts (as `isanhub keys
    create` does)."""
    token, record = keys.new_key("*", "admin", name="fuzzing")

    async def put() -> None:
        store = open_store(db)
        await store.open()
        try:
            await store.security_table().put_key(record)
        finally:
            await store.close()

    asyncio.run(put())
    return token


def _keyed_app(tmp: Path) -> tuple[App, dict[str, str]]:
    """An app with access control on, and the headers of an admin of every tenant."""
    db = f"sqlite:///{tmp / 'hub.db'}"
    token = _admin_key(db)
    # no rate limits: hundreds of requests a second are the point here
    settings = make_settings(
        tmp,
        db=db,
        auth="keys",
        rate_limit=0.0,
        public_rate_limit=0.0,
        allow_private_contexts=False,
        context_timeout=0.5,
        kpi_interval=0,
    )
    return create_app(settings), {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keyed]:
    app, admin = _keyed_app(tmp_path_factory.mktemp("fuzz-platform"))
    with asgi.get_client(app) as client:
        r = client.post(f"{B}/entityOperations/upsert", json=SEED, headers=admin)
        assert r.status_code in (201, 204), r.text
        yield Keyed(app, admin, client)
    asgi.shutdown_lifespans()


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """A hub of its own, whose tenants keep no open data: without a key, nothing but
    the NONE operations answers (the admin fuzzing may open data of ``keyed``)."""
    app, _ = _keyed_app(tmp_path_factory.mktemp("fuzz-closed"))
    with asgi.get_client(app):
        yield app
    asgi.shutdown_lifespans()


def _without_credentials(case: schemathesis.Case) -> None:
    """Drop the credentials schemathesis generated from the security schemes."""
    if case.headers:
        case.headers = {
            k: v for k, v in case.headers.items() if k.lower() not in CREDENTIAL_HEADERS
        }


def _is_report(case: schemathesis.Case, response: Any) -> bool:
    return bool(REPORTS.match(case.path)) and response.status_code == 400


def _check_errors(case: schemathesis.Case, response: Any) -> None:
    assert response.status_code < 500, (case.as_curl_command(), response.text)
    if response.status_code >= 400 and not _is_report(case, response):
        assert_problem(response)


CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _refused(case: schemathesis.Case, response: Any) -> bool:
    """Whether the guard refused the request (a made-up key to sign in with is no
    refusal: it is that operation's answer)."""
    if (case.method, case.path) == SIGN_IN:
        return response.status_code == 403
    return response.status_code in (401, 403)


def check_keyed(case: schemathesis.Case, keyed: Keyed) -> None:
    _without_credentials(case)
    response = case.call(app=keyed.app, headers=dict(keyed.admin))
    _check_errors(case, response)
    assert not _refused(case, response), (case.as_curl_command(), response.text)
    case.validate_response(response, checks=CONFORMANCE, headers=dict(keyed.admin))


@schema.exclude(path_regex=NGSI).parametrize()
@settings(FUZZ, max_examples=EXAMPLES)
def test_fuzz_platform_as_admin(case: schemathesis.Case, keyed: Keyed) -> None:
    check_keyed(case, keyed)


@schema.include(path_regex=NGSI).parametrize()
@settings(FUZZ, max_examples=NGSI_EXAMPLES)
def test_fuzz_ngsi_ld_as_admin(case: schemathesis.Case, keyed: Keyed) -> None:
    _without_credentials(case)
    response = case.call(app=keyed.app, headers=dict(keyed.admin))
    _check_errors(case, response)
    assert not _refused(case, response) or _too_many(response), case.as_curl_command()
    case.validate_response(response, checks=CONFORMANCE, headers=dict(keyed.admin))


def _unroutable(response: Any) -> bool:
    """A 404 of the dispatcher itself, before any guard: no route matched the path."""
    return response.status_code == 404 and response.json()["detail"].startswith("no resource at")


def _too_many(response: Any) -> bool:
    """403 is also TooManyResults / TooComplexQuery, which an admin can get."""
    return response.status_code == 403 and not response.json()["type"].endswith("/Forbidden")


@schema.parametrize()
@settings(FUZZ, max_examples=ANONYMOUS_EXAMPLES)
def test_fuzz_without_credentials(case: schemathesis.Case, closed: App) -> None:
    # whatever credential schemathesis made up is not a valid one: the same as none
    response = case.call(app=closed)
    _check_errors(case, response)
    action = ACTIONS[openapi_platform._key(case.operation.path, case.method)]
    if action is Action.NONE:  # a made-up credential is ignored
        assert not _refused(case, response), (case.as_curl_command(), response.text)
        return
    expected = {401} | (PRECHECK_STATUSES if case.path.startswith(B + "/") else set())
    if _unroutable(response):
        return  # no route at all (a path parameter no template matches): nothing to guard
    assert response.status_code in expected, (case.as_curl_command(), response.text)
    if response.status_code == 401:
        assert_problem(response)
        assert response.headers.get("www-authenticate"), response.headers


#: (method, path, params, what the request carries, acceptable statuses): inputs the
#: fuzzing found answered 500, kept as they were found
SELECTOR = {"entities": [{"id": "", "type": []}], "type": None}
EDGES = [
    pytest.param("GET", "/hub/v1/audit", {"offset": str(2**63)}, {}, {400}, id="audit-2^63"),
    pytest.param("GET", "/hub/v1/audit", {"limit": str(10**30)}, {}, {400}, id="audit-10^30"),
    pytest.param(
        "POST", "/hub/v1/kpi/compute", {"backfill": str(2**64)}, {}, {400}, id="backfill-2^64"
    ),
    pytest.param(
        "POST",
        "/hub/v1/sellers/s1/import",
        None,
        {"files": {"file": ("orders.csv", b"\r\n\ra")}},
        {400},
        id="seller-csv-lone-cr",
    ),
    pytest.param(
        "POST", f"{B}/temporal/entityOperations/query", None, {"json": SELECTOR}, {400},
        id="temporal-query-selector-type-list",
    ),
    pytest.param(
        "POST", f"{B}/entityOperations/query", None, {"json": SELECTOR}, {400},
        id="query-selector-type-list",
    ),
]  # fmt: skip


@pytest.mark.parametrize("method,path,params,content,statuses", EDGES)
def test_edge_inputs_never_crash(
    keyed: Keyed, method: str, path: str, params: Any, content: Any, statuses: set[int]
) -> None:
    r = keyed.client.request(method, path, params=params, headers=keyed.admin, **content)
    assert r.status_code in statuses, (r.status_code, r.text)
    if not REPORTS.match(path):
        assert_problem(r)
