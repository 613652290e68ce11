"""Roles and principals: who a request acts as, and what each role may do.

Roles are ordered: an admin may do what a provider may, a provider what a consumer may,
a consumer what the public may. The public (anyone, without a key) reads only what a
tenant marks open, and never personal data in clear.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class Role(enum.IntEnum):
    PUBLIC = 0  #: anonymous read of a tenant's open data
    CONSUMER = 1  #: read, query, history, subscriptions
    PROVIDER = 2  #: and write: entities, batches, history, imports
    ADMIN = 3  #: and manage: keys, the audit log, erasure, the open-data policy

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            names = ", ".join(r.name.lower() for r in cls if r is not cls.PUBLIC)
            raise ValueError(f"unknown role {name!r}: use one of {names}") from None


class Action(enum.IntEnum):
    """What an endpoint does, as far as access is concerned; the value is the least role
    that may do it (READ is also open to the public where a tenant marks data open)."""

    NONE = -1  #: no check: the version, the OpenAPI document, the pages' shells
    READ = Role.CONSUMER
    SUBSCRIBE = 10 + Role.CONSUMER  #: like READ, but never for the public
    WRITE = Role.PROVIDER
    ADMIN = Role.ADMIN

    @property
    def least(self) -> Role:
        return Role(int(self) % 10) if self is not Action.NONE else Role.PUBLIC


ANY_TENANT = "*"


@dataclass(frozen=True)
class Principal:
    """Who a request acts as."""

    who: str  #: "key:<id>", "oidc:<subject>", "anonymous", "open"
    roles: Mapping[str, Role] = field(default_factory=dict)  #: tenant (or "*") -> role
    personal: bool = False  #: may read personal data in clear where it has a role
    purpose: str = ""  #: the purpose the audit log records when a request names none
    rate: float = 0.0  #: its own requests per second; 0: the hub's default
    name: str = ""  #: a label for people (the key's name, the token's subject)

    def role_in(self, tenant: str) -> Role:
        role = self.roles.get(tenant)
        if role is None:
            role = self.roles.get(ANY_TENANT, Role.PUBLIC)
        return role

    @property
    def anonymous(self) -> bool:
        return self.who == "anonymous"


ANONYMOUS = Principal("anonymous")
#: everyone, when the hub runs open (settings.auth = "open", loopback only)
OPEN = Principal("open", {ANY_TENANT: Role.ADMIN}, personal=True, purpose="open mode")
