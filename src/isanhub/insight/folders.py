"""Folders named after tenants, for what the platform keeps beside its database (the
seller lake, the farmer-insight snapshots): one folder per tenant, whatever bytes its
name holds."""

from __future__ import annotations

from pathlib import Path

DEFAULT_TENANT_DIR = "_default"  # the NGSI-LD default tenant has no name


class BadName(ValueError):
    """A shop or tenant name that cannot name a folder safely."""


def tenant_dir(root: str | Path, tenant: str) -> Path:
    """The folder of ``tenant`` ('' is the default tenant) under ``root``."""
    return Path(root) / (tenant_folder(tenant) if tenant else DEFAULT_TENANT_DIR)


def tenant_folder(tenant: str) -> str:
    """A tenant's folder name: NGSI-LD tenant names may hold ':' and '/', so every byte
    other than a letter, a digit, '-' or a '.' or '_' after the first character is
    written ~XX (reversibly; '~' never stays itself). "_default" stays free for the
    default tenant, and no name can be '.' or '..'."""
    if not tenant or len(tenant) > 128:
        raise BadName(f"ชื่อผู้เช่าไม่ถูกต้อง / invalid tenant {tenant!r}: 1-128 characters")
    out = []
    for i, byte in enumerate(tenant.encode("utf-8")):
        c = chr(byte)
        keep = c.isascii() and (c.isalnum() or c == "-" or (c in "._" and i > 0))
        out.append(c if keep else f"~{byte:02X}")
    return "".join(out)


def tenant_of_folder(folder: str) -> str:
    """tenant_folder, undone."""
    raw = bytearray()
    i = 0
    while i < len(folder):
        if folder[i] == "~":
            raw.append(int(folder[i + 1 : i + 3], 16))
            i += 3
        else:
            raw.append(ord(folder[i]))
            i += 1
    return raw.decode("utf-8")
