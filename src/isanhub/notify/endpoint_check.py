"""The notification endpoint of a subscription, checked where the subscription is
created or updated: no endpoint in the broker's own network unless the operator allows
it (Settings.allow_private_endpoints; isanhub.netguard says what is private).

This check is the early, clear answer to the subscriber (400). It is not the guard:
a name may resolve elsewhere later, and the setting may change, so the senders check
again the address they connect to (notify.http, notify.mqtt)."""

from __future__ import annotations

from typing import Any

from isanhub import netguard
from isanhub.core.errors import BadRequestData


async def check_endpoint(doc: dict[str, Any], allow_private: bool) -> None:
    """BadRequestData when the subscription's endpoint is refused."""
    if allow_private:
        return
    endpoint = (doc.get("notification") or {}).get("endpoint") or {}
    uri = endpoint.get("uri")
    if not isinstance(uri, str):
        return
    why = await netguard.endpoint_refusal(uri)
    if why is not None:
        raise BadRequestData(
            f"Invalid subscription member notification.endpoint.uri: {why}; notification"
            f" endpoints must be public unless the broker runs with"
            f" {netguard.ALLOW_SETTING}=true"
        )
