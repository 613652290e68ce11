"""A keyed hub holding a resident's personal data, for the tests of personal data, the
audit log and the public's view (tests/security/test_pdpa_*.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from conftest import make_settings
from isanhub.api.app import create_app
from isanhub.security import keys

B = "/ngsi-ld/v1"
TENANT = "khonkaen"
D = "https://uri.etsi.org/ngsi-ld/default-context/"
PERSON_ID = "urn:ngsi-ld:Person:0001"
REPORT_ID = "urn:ngsi-ld:IssueReporting:KK-1"
BUILDING_ID = "urn:ngsi-ld:Building:city-hall"

PERSON = {
    "id": PERSON_ID,
    "type": "Person",
    "name": {"type": "Property", "value": "Somchai Jaidee"},
    "email": {"type": "Property", "value": "somchai@example.co.th"},
    "telephone": {"type": "Property", "value": "0812345678"},
    "birthDate": {"type": "Property", "value": {"@type": "Date", "@value": "1980-05-12"}},
    "location": {
        "type": "GeoProperty",
        "value": {"type": "Point", "coordinates": [102.83512, 16.44178]},
    },
    "occupation": {"type": "Property", "value": "silk weaver"},
}
REPORT = {
    "id": REPORT_ID,
    "type": "IssueReporting",
    "category": {"type": "Property", "value": "road"},
    "reporterName": {"type": "Property", "value": "  somchai JAIDEE"},
    "contactPoint": {
        "type": "Property",
        "value": {"email": "somchai@example.co.th", "telephone": "0812345678"},
    },
    "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [102.8, 16.4]}},
}
BUILDING = {
    "id": BUILDING_ID,
    "type": "Building",
    "name": {"type": "Property", "value": "Khon Kaen City Hall"},
    "owner": {"type": "Relationship", "object": PERSON_ID},
}
#: what must never reach a reader without the permission
SECRETS = (
    "Somchai",
    "somchai@example.co.th",
    "0812345678",
    "0899999999",
    "1980-05-12",
    "102.835",
    "16.441",
)


def assert_masked(text: str) -> None:
    low = text.casefold()
    for secret in SECRETS:
        assert secret.casefold() not in low, f"{secret!r} leaked: {text}"


class City:
    """A TestClient of a hub with access control on (ISANHUB_AUTH=keys), its data
    written by a provider of tenant ``khonkaen``."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.store = client.app.state.hub.store  # type: ignore[attr-defined]
        self.provider = self.key("provider")
        self.admin = self.key("admin")

    def key(self, role: str, tenant: str = TENANT, **options: Any) -> dict[str, str]:
        """Headers with a new key of ``role`` (and NGSILD-Tenant)."""
        token, record = keys.new_key(tenant, role, **options)
        assert self.client.portal is not None
        self.client.portal.call(self.store.security_table().put_key, record)
        headers = {"Authorization": f"Bearer {token}", "X-Key-Id": record.id}
        if tenant != "*":
            headers["NGSILD-Tenant"] = tenant
        return headers

    def write(self, *entities: dict[str, Any]) -> None:
        for e in entities:
            r = self.client.post(f"{B}/entities", json=e, headers=self.provider)
            assert r.status_code == 201, r.text

    def audit(self, **params: Any) -> list[dict[str, Any]]:
        r = self.client.get("/hub/v1/audit", params=params, headers=self.admin)
        assert r.status_code == 200, r.text
        return list(r.json())


def who(headers: dict[str, str]) -> str:
    return "key:" + headers["X-Key-Id"]


@contextmanager
def city(tmp_path: Path, db: str, **overrides: Any) -> Iterator[City]:
    settings = make_settings(tmp_path, db=db, auth="keys", **overrides)
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        c = City(client)
        c.write(PERSON, REPORT, BUILDING)
        yield c
