"""An application with access control on, and keys made for it (shared by the tests of
tests/security)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from conftest import make_settings
from isanhub.api.app import create_app
from isanhub.security import keys


class Keyring:
    """A TestClient of a hub with ISANHUB_AUTH=keys, and a way to make keys on it."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.store = client.app.state.hub.store  # type: ignore[attr-defined]

    def key(self, tenant: str, role: str, **options: Any) -> dict[str, str]:
        """Headers carrying a new key of ``role`` in ``tenant``."""
        token, record = keys.new_key(tenant, role, **options)
        portal = self.client.portal
        assert portal is not None
        portal.call(self.store.security_table().put_key, record)
        return {"Authorization": f"Bearer {token}"}


@contextmanager
def keyed_hub(tmp_path: Path, db: str, **overrides: Any) -> Iterator[Keyring]:
    settings = make_settings(tmp_path, db=db, auth="keys", **overrides)
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield Keyring(client)
