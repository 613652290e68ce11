"""Changes to an entity in normal form: append, update, merge, replace, delete attributes.

Pure functions on dicts: the store runs them inside its write transaction, so a change
is computed on the stored entity and either committed whole or not at all. Every
function validates before it mutates, so an error leaves the entity as it was.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from isanhub.core.errors import BadRequestData, ResourceNotFound
from isanhub.core.model import VALUE_MEMBER, Entity, Fragment, Instance

#: (attribute IRI, reason) pairs for attributes a change did not apply to
NotUpdated = list[tuple[str, str]]

#: the expanded name of the entity's scope, as it appears in an UpdateResult
SCOPE_IRI = "https://uri.etsi.org/ngsi-ld/scope"


@dataclass
class Outcome:
    """What an append or update did: the UpdateResult (attribute IRIs) and whether the
    entity changed at all (types or scope may change without any attribute)."""

    updated: list[str] = field(default_factory=list)
    not_updated: NotUpdated = field(default_factory=list)
    changed: bool = False

    def touch(self, iri: str) -> None:
        if iri not in self.updated:
            self.updated.append(iri)
        self.changed = True


def _find(instances: list[Instance], dataset_id: str | None) -> int:
    for i, inst in enumerate(instances):
        if inst.get("datasetId") == dataset_id:
            return i
    return -1


def _keep_created(new: Instance, old: Instance) -> Instance:
    if "createdAt" in old:
        new["createdAt"] = old["createdAt"]
    return new


def add_types(entity: Entity, types: list[str] | None) -> bool:
    """Add the types the entity does not have yet (entity types only ever grow)."""
    new = [t for t in types or () if t not in entity["type"]]
    entity["type"] = entity["type"] + new
    return bool(new)


def append_fragment(
    entity: Entity, frag: Fragment, now: str, *, no_overwrite: bool = False
) -> Outcome:
    """POST /entities/{id}/attrs (clause 5.6.3): add attributes; existing instances (same
    datasetId) are replaced unless ``no_overwrite``. The scope is replaced, or with
    ``no_overwrite`` extended; types are added."""
    out = Outcome(changed=add_types(entity, frag.types))
    if frag.scope is not None:
        old = entity.get("scope", [])
        scope = list(dict.fromkeys(old + frag.scope)) if no_overwrite else frag.scope
        if scope != old:
            entity["scope"] = scope
            out.touch(SCOPE_IRI)
    current = entity["attrs"]
    for iri, instances in frag.attrs.items():
        have = current.setdefault(iri, [])
        for inst in instances:
            i = _find(have, inst.get("datasetId"))
            if i < 0:
                have.append(inst)
                out.touch(iri)
            elif no_overwrite:
                out.not_updated.append((iri, "attribute exists and noOverwrite was given"))
            else:
                have[i] = _keep_created(inst, have[i])
                out.touch(iri)
        if not have:
            del current[iri]
    if out.changed:
        entity["modifiedAt"] = now
    return out


def update_fragment(entity: Entity, frag: Fragment, now: str) -> Outcome:
    """PATCH /entities/{id}/attrs (clause 5.6.2): replace matching instances, add the
    others, delete the instances given as NGSI-LD Null. The scope is replaced only where
    the entity has one; types are added."""
    out = Outcome(changed=add_types(entity, frag.types))
    if frag.scope is not None:
        if "scope" not in entity:
            out.not_updated.append((SCOPE_IRI, "the entity has no scope to update"))
        else:
            _set_scope(entity, frag.scope)
            out.touch(SCOPE_IRI)
    current = entity["attrs"]
    for iri, instances in frag.attrs.items():
        have = current.setdefault(iri, [])
        for inst in instances:
            i = _find(have, inst.get("datasetId"))
            if inst.get("type") == "Null":
                if i < 0:
                    out.not_updated.append((iri, "attribute instance does not exist"))
                    continue
                del have[i]
            elif i < 0:
                have.append(inst)
            else:
                have[i] = _keep_created(inst, have[i])
            out.touch(iri)
        if not have:
            del current[iri]
    if out.changed:
        entity["modifiedAt"] = now
    return out


def _set_scope(entity: Entity, scope: list[str]) -> None:
    if scope:
        entity["scope"] = scope
    else:
        entity.pop("scope", None)


def merge_instance(old: Instance, patch: Instance, now: str) -> Instance:
    """Merge-patch one instance: given members replace, sub-attributes merge, Null deletes.

    A patch without a type (a fragment of a partial update) keeps the stored type."""
    new = copy.deepcopy(old)
    if "type" in patch and patch["type"] != old.get("type"):
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


def merge_fragment(entity: Entity, frag: Fragment, now: str) -> None:
    """Merge a whole fragment: attributes as ``merge_entity``, types added, the scope
    replaced (NGSI-LD Null deletes it)."""
    add_types(entity, frag.types)
    if frag.scope is not None:
        _set_scope(entity, frag.scope)
    merge_entity(entity, frag.attrs, now)


def partial_update(
    entity: Entity, iri: str, instances: list[Instance], now: str, name: str
) -> None:
    """PATCH /entities/{id}/attrs/{attrId} (clause 5.6.4): merge a fragment into existing
    instances only; the fragment may not change the attribute's type."""
    have = entity["attrs"].get(iri)
    if not have:
        raise ResourceNotFound(f"attribute {name} not found in entity {entity['id']}")
    targets = []
    for inst in instances:
        i = _find(have, inst.get("datasetId"))
        if i < 0:
            what = f"datasetId {inst['datasetId']}" if "datasetId" in inst else "default instance"
            raise ResourceNotFound(f"attribute {name} has no {what}")
        kind = inst.get("type")
        if kind not in (None, "Null", have[i]["type"]):
            raise BadRequestData(
                f"attribute {name} is a {have[i]['type']}; a partial update cannot make it a {kind}"
            )
        targets.append((i, inst))
    for i, inst in sorted(targets, key=lambda t: -t[0]):
        if inst.get("type") == "Null":
            del have[i]
        else:
            have[i] = merge_instance(have[i], inst, now)
    if not have:
        del entity["attrs"][iri]
    entity["modifiedAt"] = now


def replace_attr(entity: Entity, iri: str, instances: list[Instance], now: str, name: str) -> None:
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
    entity: Entity,
    iri: str,
    now: str,
    name: str,
    *,
    dataset_id: str | None = None,
    delete_all: bool = False,
) -> None:
    """DELETE /entities/{id}/attrs/{attrId}: one instance (datasetId) or all of them;
    ``scope`` names the entity's scope."""
    if iri == SCOPE_IRI:
        if "scope" not in entity:
            raise ResourceNotFound(f"entity {entity['id']} has no scope")
        del entity["scope"]
        entity["modifiedAt"] = now
        return
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
