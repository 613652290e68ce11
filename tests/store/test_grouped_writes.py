"""Writes that arrive together share one transaction (both backends group them), and
each still gets its own answer: one creation of an id wins and the others conflict, a
failing write leaves the others applied, and later writes of a group see earlier ones."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from isanhub.api.app import create_app
from isanhub.settings import Settings

B = "/ngsi-ld/v1"


async def _concurrently(
    settings: Settings, requests: list[tuple[str, str, Any]], first: Any = None
) -> list[Any]:
    """The responses to ``requests`` sent all at once (after creating ``first``), then
    the Shops stored."""
    app = create_app(settings)
    async with app.lifespan(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            if first is not None:
                assert (await client.post(f"{B}/entities", json=first)).status_code == 201
            responses = await asyncio.gather(
                *(client.request(m, B + path, json=body) for m, path, body in requests)
            )
            final = await client.get(f"{B}/entities", params={"type": "Shop", "limit": 1000})
    return [*responses, final]


def test_one_creation_wins_the_others_conflict(settings: Settings) -> None:
    same = {"id": "urn:ngsi-ld:Shop:silk", "type": "Shop"}
    requests = [("POST", "/entities", same) for _ in range(20)]
    requests += [
        ("POST", "/entities", {"id": f"urn:ngsi-ld:Shop:{n}", "type": "Shop"}) for n in range(30)
    ]
    *responses, final = asyncio.run(_concurrently(settings, requests))
    statuses = [r.status_code for r in responses[:20]]
    assert statuses.count(201) == 1 and statuses.count(409) == 19, statuses
    assert all(r.status_code == 201 for r in responses[20:])
    assert len(final.json()) == 31


def test_appends_in_one_group_all_apply_and_failures_stay_alone(settings: Settings) -> None:
    eid = "urn:ngsi-ld:Shop:silk"
    requests: list[tuple[str, str, Any]] = [
        ("POST", f"/entities/{eid}/attrs", {f"a{n}": {"type": "Property", "value": n}})
        for n in range(25)
    ]
    # appends to an entity that does not exist fail alone
    requests += [
        ("POST", "/entities/urn:ngsi-ld:Shop:none/attrs", {"x": {"type": "Property", "value": 1}})
        for _ in range(5)
    ]
    first = {"id": eid, "type": "Shop"}
    *responses, final = asyncio.run(_concurrently(settings, requests, first))
    assert [r.status_code for r in responses[:25]] == [204] * 25
    assert [r.status_code for r in responses[25:]] == [404] * 5
    (shop,) = final.json()
    assert {k for k in shop if k.startswith("a")} == {f"a{n}" for n in range(25)}
