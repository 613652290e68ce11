"""A group's RowPlan (store.rowplan) executed on one tenant's PostgreSQL tables.

Each table gets one statement whatever the number of rows (arrays bound as parameters
and unnested), and all statements go out in one pipeline: a batch of a thousand entities
costs about as many round trips as one entity."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import AsyncConnection

from isanhub.store.rowplan import RowPlan


def _val(v: Any) -> str | None:
    return None if v is None else orjson.dumps(v).decode()


async def execute(conn: AsyncConnection, schema: str, plan: RowPlan) -> None:
    """Apply ``plan`` to the tables of ``schema``: deletes first, then inserts."""
    p = '"' + schema.replace('"', '""') + '".'
    run = conn.execute
    async with conn.pipeline():
        if plan.gone:
            await run(f"DELETE FROM {p}entities WHERE rid = ANY(%s::bigint[])", (plan.gone,))
            await run(f"DELETE FROM {p}attrs WHERE rid = ANY(%s::bigint[])", (plan.gone,))
        if plan.drop_types:
            types, rids = zip(*plan.drop_types, strict=True)
            await run(
                f"DELETE FROM {p}entity_types t USING unnest(%s::int[], %s::bigint[]) AS u(ty, r)"
                " WHERE t.type = u.ty AND t.rid = u.r",
                (list(types), list(rids)),
            )
        if plan.drop_attrs:
            rids, names = zip(*plan.drop_attrs, strict=True)
            await run(
                f"DELETE FROM {p}attrs a USING unnest(%s::bigint[], %s::int[]) AS u(r, n)"
                " WHERE a.rid = u.r AND a.name = u.n",
                (list(rids), list(names)),
            )
        if plan.drop_geo:
            await run(
                f"DELETE FROM {p}geo WHERE rid = ANY(%s::bigint[])",
                ([r for r, _ in plan.drop_geo],),
            )
        if plan.new_entities:
            rids, eids, docs = zip(*plan.new_entities, strict=True)
            await run(
                f"INSERT INTO {p}entities(rid, eid, doc)"
                " SELECT * FROM unnest(%s::bigint[], %s::text[], %s::json[])",
                (list(rids), list(eids), list(docs)),
            )
        if plan.new_docs:
            docs, rids = zip(*plan.new_docs, strict=True)
            await run(
                f"UPDATE {p}entities e SET doc = u.d FROM unnest(%s::json[], %s::bigint[])"
                " AS u(d, r) WHERE e.rid = u.r",
                (list(docs), list(rids)),
            )
        if plan.add_types:
            types, rids = zip(*plan.add_types, strict=True)
            await run(
                f"INSERT INTO {p}entity_types(type, rid) SELECT * FROM unnest(%s::int[], %s::bigint[])"
                " ON CONFLICT DO NOTHING",
                (list(types), list(rids)),
            )
        if plan.add_attrs:
            cols = list(zip(*plan.add_attrs, strict=True))
            await run(
                f"INSERT INTO {p}attrs(rid, name, seq, kind, val) SELECT * FROM"
                " unnest(%s::bigint[], %s::int[], %s::int[], %s::smallint[], %s::jsonb[])",
                (
                    list(cols[0]),
                    list(cols[1]),
                    list(cols[2]),
                    list(cols[3]),
                    [_val(v) for v in cols[4]],
                ),
            )
        if plan.add_geo:
            rids, ns, names, values = zip(*plan.add_geo, strict=True)
            await run(
                f"INSERT INTO {p}geo(rid, n, name, g) SELECT r, n, nm, ST_GeomFromGeoJSON(j)"
                " FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::text[]) AS u(r, n, nm, j)",
                (list(rids), list(ns), list(names), [orjson.dumps(v).decode() for v in values]),
            )
