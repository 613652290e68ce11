"""Personal data in notifications: a subscription records whether its subscriber may
read personal data in clear, and its notifications (delivered to a real HTTP receiver)
are masked, or in clear and audited. Both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from city import PERSON_ID, B, City, assert_masked, city, who

from notify.receivers import HttpReceiver


def _subscribe(c: City, headers: dict[str, str], uri: str, **extra: Any) -> str:
    body = {
        "type": "Subscription",
        "entities": [{"type": "Person"}],
        "notification": {"endpoint": {"uri": uri}},
        **extra,
    }
    r = c.client.post(f"{B}/subscriptions", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.headers["location"].removeprefix(f"{B}/subscriptions/"))


def _call(c: City, number: str) -> None:
    r = c.client.patch(
        f"{B}/entities/{PERSON_ID}/attrs",
        json={"telephone": {"type": "Property", "value": number}},
        headers=c.provider,
    )
    assert r.status_code == 204, r.text


def test_notifications_are_masked_unless_the_subscriber_may_read_personal_data(
    tmp_path: Path, db_url: str
) -> None:
    with city(tmp_path, db_url) as c, HttpReceiver() as rx:
        reader = c.key("consumer")
        officer = c.key("consumer", personal=True, purpose="social welfare")
        masked_sid = _subscribe(c, reader, rx.url_for("/masked"))
        clear_sid = _subscribe(
            c,
            {**officer, "Isanhub-Purpose": "elderly care visits"},
            rx.url_for("/clear"),
            notification={
                "endpoint": {"uri": rx.url_for("/clear")},
                "showChanges": True,
            },
        )
        _call(c, "0899999999")
        notes = {n.path: n for n in rx.wait_for(2, 10)}
        masked = notes["/masked"].json["data"][0]
        assert masked["telephone"]["value"] == "***" and masked["email"]["value"] == "***"
        assert masked["name"]["value"].startswith("pseudonym:")
        assert_masked(notes["/masked"].body.decode())
        clear = notes["/clear"].json["data"][0]
        assert clear["telephone"]["value"] == "0899999999"
        assert clear["telephone"]["previousValue"] == "0812345678"
        assert clear["email"]["value"] == "somchai@example.co.th"

        (record,) = c.audit(who=who(officer))
        assert record["action"] == f"notification {clear_sid}"
        assert record["purpose"] == "elderly care visits"
        assert record["entities"] == [PERSON_ID] and record["tenant"] == "khonkaen"
        assert c.audit(who=who(reader)) == []

        # the recorded access is the hub's own: never shown, never set by a client
        shown = c.client.get(f"{B}/subscriptions/{clear_sid}", headers=officer).json()
        assert "_access" not in shown and "access" not in str(shown)
        r = c.client.post(
            f"{B}/subscriptions",
            json={
                "type": "Subscription",
                "entities": [{"type": "Person"}],
                "notification": {"endpoint": {"uri": rx.url}},
                "_access": {"who": "me", "personal": True},
            },
            headers=reader,
        )
        assert r.status_code == 400, r.text

        # another consumer cannot even see the subscription, let alone redirect it
        r = c.client.patch(
            f"{B}/subscriptions/{clear_sid}",
            json={"notification": {"endpoint": {"uri": rx.url_for("/taken")}}},
            headers=reader,
        )
        assert r.status_code == 404, r.text
        # an admin without the permission may change it, and that takes the permission away
        r = c.client.patch(
            f"{B}/subscriptions/{clear_sid}",
            json={"notification": {"endpoint": {"uri": rx.url_for("/taken")}}},
            headers=c.admin,
        )
        assert r.status_code == 204, r.text
        assert masked_sid != clear_sid
        _call(c, "0811111111")
        taken = [n for n in rx.wait_for(4, 10) if n.path == "/taken"]
        assert taken and taken[0].json["data"][0]["telephone"]["value"] == "***"
        assert_masked(taken[0].body.decode().replace("0811111111", ""))
        assert "0811111111" not in taken[0].body.decode()


def test_subscribing_on_personal_values_needs_the_permission(tmp_path: Path, db_url: str) -> None:
    with city(tmp_path, db_url) as c:
        reader = c.key("consumer")
        for extra in (
            {"q": 'email=="somchai@example.co.th"'},
            {
                "geoQ": {
                    "georel": "near;maxDistance==50",
                    "geometry": "Point",
                    "coordinates": [102.835, 16.441],
                }
            },
        ):
            body = {
                "type": "Subscription",
                "entities": [{"type": "Person"}],
                "notification": {"endpoint": {"uri": "http://127.0.0.1:9/n"}},
                **extra,
            }
            r = c.client.post(f"{B}/subscriptions", json=body, headers=reader)
            assert r.status_code == 403 and "personal data" in r.json()["detail"], r.text
            officer = c.key("consumer", personal=True)
            assert (
                c.client.post(f"{B}/subscriptions", json=body, headers=officer).status_code == 201
            )
        # not personal on the types it watches: allowed
        body = {
            "type": "Subscription",
            "entities": [{"type": "Building"}],
            "q": 'name=="Khon Kaen City Hall"',
            "notification": {"endpoint": {"uri": "http://127.0.0.1:9/n"}},
        }
        assert c.client.post(f"{B}/subscriptions", json=body, headers=reader).status_code == 201
