"""POST /hub/v1/erasure: erase a data subject in the request's tenant (security.erasure),
for the tenant's admins; ``isanhub erase`` does the same from the command line.

The answer is the report of what was (or, with ``dryRun``, would be) removed, attribute
names compacted with the request's @context. Neither the values of the request nor the
report reach a log line; error messages never repeat a value.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from isanhub.api import http
from isanhub.api.hub import Hub
from isanhub.core.errors import BadRequestData
from isanhub.core.model import is_uri
from isanhub.security.erasure import Subject
from isanhub.security.erasure import erase as erase_subject
from isanhub.security.personal import Classification, load_classification

MAX_VALUES = 100  #: values in one request
MAX_VALUE_LENGTH = 1000
_MEMBERS = {"entity", "values", "dryRun"}


def subject_of(body: dict[str, Any]) -> tuple[Subject, bool]:
    """The subject and the dry-run flag of a request body; BadRequestData when malformed
    (the message names the member at fault, never its value)."""
    unknown = set(body) - _MEMBERS - {"@context"}
    if unknown:
        raise BadRequestData(
            f"unknown member(s) of an erasure request: {', '.join(sorted(unknown))}"
            ' (use "entity", "values" and "dryRun")'
        )
    entity = body.get("entity")
    if entity is not None and not is_uri(entity):
        raise BadRequestData('"entity" must be the entity id (a URI) of the data subject')
    values = body.get("values", [])
    if (
        not isinstance(values, list)
        or len(values) > MAX_VALUES
        or not all(isinstance(v, str) and 0 < len(v) <= MAX_VALUE_LENGTH for v in values)
    ):
        raise BadRequestData(
            f'"values" must be a list of at most {MAX_VALUES} non-empty strings'
            f" (of at most {MAX_VALUE_LENGTH} characters)"
        )
    dry_run = body.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise BadRequestData('"dryRun" must be true or false')
    if entity is None and not values:
        raise BadRequestData('name the data subject: "entity" (an entity id) and/or "values"')
    return Subject(entity, tuple(dict.fromkeys(values))), dry_run


def classification_of(hub: Hub) -> Classification:
    """The hub's personal-data classification (loaded at start, security.personal)."""
    if hub.privacy is not None:
        return hub.privacy.classification
    return load_classification(hub.settings.personal_data)


async def erase(hub: Hub, request: Request) -> Response:
    """POST /hub/v1/erasure {"entity", "values", "dryRun"}: 200 with the report."""
    body = await http.object_body(request, "an erasure request")
    subject, dry_run = subject_of(body.data)
    tenant = await hub.read_tenant(request)
    terms = await hub.terms(body.context)
    principal = hub.access(request).principal
    report = await erase_subject(
        hub.store,
        tenant,
        subject,
        classification_of(hub),
        dry_run=dry_run,
        who=principal.who,
        purpose=principal.purpose or "erasure of a data subject (PDPA section 33)",
    )
    return http.json_response(report.as_json(terms.compact_attr))
