"""Changes to an entity in normal form: append, update, merge, replace, delete attributes.

Pure functions on dicts: the store runs them inside its write transaction, so a change
is computed on the stored entity and either committed whole or not at all.
"""

from __future__ import annotations

import copy

from isanhub.core.errors import ResourceNotFound
from isanhub.core.model import VALUE_MEMBER, Entity, Instance

#: (attribute IRI, reason) pairs for attributes a change did not apply to
NotUpdated = list[tuple[str, str]]


def _find(instances: list[Instance], dataset_id: str | None) -> int:
    for i, inst in enumerate(instances):
        if inst.get("datasetId") == dataset_id:
            return i
    return -1


def _keep_created(new: Instance, old: Instance) -> Instance:
    if "createdAt" in old:
        new["createdAt"] = old["createdAt"]
    return new


def append_attrs(
    entity: Entity, attrs: dict[str, list[Instance]], now: str, *, no_overwrite: bool = False
) -> tuple[list[str], NotUpdated]:
    """Add attributes; existing instances (same datasetId) are replaced unless no_overwrite."""
    updated: list[str] = []
    not_updated: NotUpdated = []
    current = entity["attrs"]
    for iri, instances in attrs.items():
        have = current.setdefault(iri, [])
        changed = False
        for inst in instances:
            i = _find(have, inst.get("datasetId"))
            if i < 0:
                have.append(inst)
                changed = True
            elif no_overwrite:
                not_updated.append((iri, "attribute exists and noOverwrite was given"))
            else:
                have[i] = _keep_created(inst, have[i])
                changed = True
        if changed:
            updated.append(iri)
        if not have:
            del current[iri]
    if updated:
        entity["modifiedAt"] = now
    return updated, not_updated


def update_attrs(
    entity: Entity, attrs: dict[str, list[Instance]], now: str
) -> tuple[list[str], NotUpdated]:
    """Replace existing attribute instances only; others are reported as not updated."""
    updated: list[str] = []
    not_updated: NotUpdated = []
    current = entity["attrs"]
    for iri, instances in attrs.items():
        have = current.get(iri)
        for inst in instances:
            i = _find(have, inst.get("datasetId")) if have else -1
            if have is None or i < 0:
                not_updated.append((iri, "attribute does not exist"))
                continue
            have[i] = _keep_created(inst, have[i])
            if iri not in updated:
                updated.append(iri)
    if updated:
        entity["modifiedAt"] = now
    return updated, not_updated


def merge_instance(old: Instance, patch: Instance, now: str) -> Instance:
    """Merge-patch one instance: given members replace, sub-attributes merge, Null deletes."""
    new = copy.deepcopy(old)
    if patch.get("type") != old.get("type"):
        new.pop(VALUE_MEMBER.get(old.get("type", ""), "value"), None)
        new["type"] = patch["type"]
    for key, val in patch.items():
        if key in ("attrs", "createdAt", "type"):
            continue
        new[key] = val
    subs = new.get("attrs", {})
    for iri, sub in patch.get("attrs", {}).items():
        if sub.get("type") == "Null":
            subs.pop(iri, None)
        elif iri in subs:
            subs[iri] = merge_instance(subs[iri], sub, now)
        else:
            subs[iri] = sub
    if subs:
        new["attrs"] = subs
    else:
        new.pop("attrs", None)
    new["modifiedAt"] = now
    return new


def merge_entity(entity: Entity, attrs: dict[str, list[Instance]], now: str) -> None:
    """NGSI-LD merge (PATCH /entities/{id}): add, merge, or delete (null) attributes."""
    current = entity["attrs"]
    for iri, instances in attrs.items():
        have = current.setdefault(iri, [])
        for inst in instances:
            i = _find(have, inst.get("datasetId"))
            if inst.get("type") == "Null":
                if i >= 0:
                    del have[i]
            elif i < 0:
                have.append(inst)
            else:
                have[i] = merge_instance(have[i], inst, now)
        if not have:
            del current[iri]
    entity["modifiedAt"] = now


def partial_update(
    entity: Entity, iri: str, instances: list[Instance], now: str, name: str
) -> None:
    """PATCH /entities/{id}/attrs/{attrId}: merge into existing instances only."""
    have = entity["attrs"].get(iri)
    if not have:
        raise ResourceNotFound(f"attribute {name} not found in entity {entity['id']}")
    for inst in instances:
        i = _find(have, inst.get("datasetId"))
        if i < 0:
            raise ResourceNotFound(
                f"attribute {name} has no instance with datasetId {inst.get('datasetId')}"
            )
        if inst.get("type") == "Null":
            del have[i]
        else:
            have[i] = merge_instance(have[i], inst, now)
    if not have:
        del entity["attrs"][iri]
    entity["modifiedAt"] = now


def replace_attr(
    entity: Entity, iri: str, instances: list[Instance], now: str, name: str
) -> None:
    """PUT /entities/{id}/attrs/{attrId}: replace an existing attribute's instances."""
    have = entity["attrs"].get(iri)
    if not have:
        raise ResourceNotFound(f"attribute {name} not found in entity {entity['id']}")
    for inst in instances:
        i = _find(have, inst.get("datasetId"))
        if i < 0:
            have.append(inst)
        else:
            have[i] = _keep_created(inst, have[i])
    entity["modifiedAt"] = now


def delete_attr(
    entity: Entity, iri: str, now: str, name: str, *, dataset_id: str | None = None,
    delete_all: bool = False,
) -> None:
    """DELETE /entities/{id}/attrs/{attrId}: one instance (datasetId) or all of them."""
    have = entity["attrs"].get(iri)
    if not have:
        raise ResourceNotFound(f"attribute {name} not found in entity {entity['id']}")
    if delete_all:
        del entity["attrs"][iri]
    else:
        i = _find(have, dataset_id)
        if i < 0:
            what = f"with datasetId {dataset_id}" if dataset_id else "default instance"
            raise ResourceNotFound(f"attribute {name} has no {what}")
        del have[i]
        if not have:
            del entity["attrs"][iri]
    entity["modifiedAt"] = now


def replace_entity(old: Entity, new: Entity) -> Entity:
    """PUT /entities/{id}: the new content, keeping the entity's creation time."""
    new["createdAt"] = old.get("createdAt", new["createdAt"])
    return new
