"""Notifications under load: 1,000 subscriptions, each watching one of 1,000 entities,
and 1,000 updates/s (PATCH /entities/{id}/attrs, round robin over the entities, each
carrying a unique sequence number in its ``seq`` attribute) for 20 s (5 s with
--quick), after a 1 s warm-up. Every update fires one notification to a local HTTP
receiver (bench/_receiver.py) in a process of its own.

The load generator is an asyncio client (aiohttp, keep-alive, up to 64 connections)
that paces the updates open-loop on a fixed schedule and records the monotonic time of
each 2xx answer (the acknowledgement; its garbage collector is off while it paces, so
that no collection pauses it and stamps acknowledgements late); the receiver records the monotonic time each
notification arrived (CLOCK_MONOTONIC is one clock for every process on Linux). After
the load the benchmark waits until every notification arrived (or 10 s without any
arriving), then counts the updates acknowledged whose notification never came (lost),
those that came twice (duplicates) and those of an entity that came after a later one
of it (out of order), and the latency from acknowledgement to arrival. The total of the
subscriptions' ``timesSent`` (GET /subscriptions) must equal the notifications received.

The limit, in the same run and with the broker stopped: the round trip of a bare POST
of a notification-sized body from the same generator straight to the same receiver at
the same 1,000/s (p95); the receiver's closed-loop capacity is recorded beside it.

Target (the same on PostgreSQL, which runs ``--workers`` broker processes: one leads
the delivery, the others' writes reach it through the outbox table): p95 <= 50 ms from
acknowledgement to arrival, no notification lost, and the generator reaching >= 950
acknowledged updates/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import httpx
import orjson
from yarl import URL

from bench._common import Result, latency_summary, percentile, say
from bench._data import TYPE, batch
from bench._server import BASE, Server, _clean_env, free_port, on_postgres, workers

TITLE = "Notifications: 1,000 subscriptions, 1,000 updates/s"
SUBSCRIPTIONS = 1000
RATE = 1000
MAX_P95_MS = 50.0
MIN_RATE = 950
CONNECTIONS = 64
WARM_SECONDS = 1
WARM_SEQ = 1_000_000_000  # the warm-up's sequence numbers start here
QUIET = 10.0  # give up waiting for notifications after this long without any arriving
JSON = {"Content-Type": "application/json"}
T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on uvloop when installed (the broker's uvicorn uses it too)."""
    try:
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(coro)
    except ImportError:
        return asyncio.run(coro)


@contextlib.contextmanager
def receiver() -> Iterator[Server]:
    """bench/_receiver.py in a process of its own, on a free port."""
    workdir = tempfile.mkdtemp(prefix="isanhub-bench-receiver-")
    port = free_port()
    argv = [sys.executable, "-m", "bench._receiver", "--port", str(port)]
    with Server("receiver", argv, port, workdir, _clean_env()) as srv:
        yield srv


# --- the load generator -------------------------------------------------------------------
@dataclass
class Load:
    """One paced run: per request its scheduled time, when it went out, and the
    monotonic time of its 2xx answer (None when it failed)."""

    start: float
    due: list[float]
    sent: list[float]
    ack: list[float | None]
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def acked(self) -> int:
        return sum(1 for a in self.ack if a is not None)

    @property
    def rate(self) -> float:
        """Acknowledged requests per second, from the first one's schedule to the last
        acknowledgement."""
        last = max((a for a in self.ack if a is not None), default=self.start)
        return self.acked / (last - self.start) if last > self.start else 0.0

    @property
    def max_lag_ms(self) -> float:
        """How late the generator sent the most late request (its pacing)."""
        return max((s - d for s, d in zip(self.sent, self.due, strict=True)), default=0.0) * 1000

    def round_trips(self) -> list[float]:
        """Answer time minus scheduled time, in seconds (coordinated omission included)."""
        return [a - d for a, d in zip(self.ack, self.due, strict=True) if a is not None]

    def details(self) -> dict[str, Any]:
        rt = self.round_trips()
        out: dict[str, Any] = {
            "requests": len(self.due),
            "acknowledged": self.acked,
            "rate": round(self.rate, 1),
            "max_send_lag_ms": round(self.max_lag_ms, 2),
            "failures": dict(self.failures),
        }
        if rt:
            out["round_trip"] = latency_summary(rt)
        return out


async def paced(
    session: aiohttp.ClientSession,
    total: int,
    rate: float,
    request: Callable[[int], tuple[str, URL, bytes]],
) -> Load:
    """Send ``request(i)`` (method, URL, body) for i in 0..total-1 at ``rate`` per second
    on a fixed schedule (open loop: a slow answer does not delay the next request)."""
    start = time.monotonic() + 0.01
    load = Load(start, [start + i / rate for i in range(total)], [0.0] * total, [None] * total)

    async def one(i: int) -> None:
        method, url, body = request(i)
        load.sent[i] = time.monotonic()
        try:
            async with session.request(method, url, data=body, headers=JSON) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    load.ack[i] = time.monotonic()
                else:
                    load.failures[f"HTTP {resp.status}"] += 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            load.failures[type(exc).__name__] += 1

    tasks: list[asyncio.Task[None]] = []
    gc.disable()  # a collection pausing the generator would stamp acknowledgements late
    try:
        await _pace(load, total, rate, one, tasks)
        await asyncio.gather(*tasks)
    finally:
        gc.enable()
    return load


async def _pace(
    load: Load,
    total: int,
    rate: float,
    one: Callable[[int], Coroutine[Any, Any, None]],
    tasks: list[asyncio.Task[None]],
) -> None:
    start = load.start
    i = 0
    while i < total:
        now = time.monotonic()
        due = min(total, int((now - start) * rate) + 1) if now >= start else 0
        while i < due:
            tasks.append(asyncio.create_task(one(i)))
            i += 1
        if i < total:
            await asyncio.sleep(max(0.0, load.due[i] - time.monotonic()))


def _session(connections: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=connections, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=30)
    return aiohttp.ClientSession(connector=connector, timeout=timeout)


async def closed_loop(url: URL, body: bytes, seconds: float, concurrency: int) -> float:
    """Requests/s of ``concurrency`` clients POSTing ``body`` back to back."""
    done = 0
    async with _session(concurrency) as session:
        end = time.monotonic() + seconds

        async def client() -> None:
            nonlocal done
            while time.monotonic() < end:
                async with session.post(url, data=body, headers=JSON) as resp:
                    await resp.read()
                    done += resp.status < 300

        t0 = time.monotonic()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return done / (time.monotonic() - t0)


# --- the broker side ----------------------------------------------------------------------
def entity_ids() -> list[str]:
    return [f"urn:ngsi-ld:{TYPE}:NT-{i:07d}" for i in range(SUBSCRIPTIONS)]


def prepare(hub: str, recv: str) -> dict[str, Any]:
    """The 1,000 entities (one batch upsert, with ``seq`` -1) and one subscription per
    entity notifying ``recv``/n/<its number>; checks that 1,000 subscriptions exist."""
    t0 = time.perf_counter()
    ents = batch(0, SUBSCRIPTIONS, prefix="NT")
    for e in ents:
        e["seq"] = {"type": "Property", "value": -1}
    with httpx.Client(base_url=hub, timeout=120) as c:
        r = c.post(f"{BASE}/entityOperations/upsert", content=orjson.dumps(ents), headers=JSON)
        if r.status_code not in (201, 204):
            raise RuntimeError(f"upsert failed: {r.status_code} {r.text[:500]}")
    loaded = time.perf_counter() - t0

    async def subscribe() -> None:
        gate = asyncio.Semaphore(8)
        async with _session(8) as session:

            async def one(k: int, eid: str) -> None:
                doc = {
                    "id": f"urn:ngsi-ld:Subscription:bench-{k:04d}",
                    "type": "Subscription",
                    "entities": [{"type": TYPE, "id": eid}],
                    "notification": {
                        "endpoint": {"uri": f"{recv}/n/{k}", "accept": "application/json"}
                    },
                }
                async with gate, session.post(hub + f"{BASE}/subscriptions", json=doc) as r:
                    if r.status != 201:
                        raise RuntimeError(f"subscription failed: {r.status} {await r.text()}")

            await asyncio.gather(*(one(k, eid) for k, eid in enumerate(entity_ids())))

    t1 = time.perf_counter()
    _run(subscribe())
    subscribed = time.perf_counter() - t1
    r = httpx.get(f"{hub}{BASE}/subscriptions", params={"count": "true", "limit": "0"})
    r.raise_for_status()
    count = int(r.headers["NGSILD-Results-Count"])
    if count != SUBSCRIPTIONS:
        raise RuntimeError(f"{count} subscriptions exist, not {SUBSCRIPTIONS}")
    say(
        f"  {SUBSCRIPTIONS:,} entities upserted in {loaded:.1f} s, {count:,} subscriptions "
        f"created in {subscribed:.1f} s"
    )
    return {"upsert_s": round(loaded, 2), "subscribe_s": round(subscribed, 2)}


def times_sent(hub: str) -> tuple[int, int]:
    """The subscriptions' timesSent and timesFailed, summed."""
    r = httpx.get(f"{hub}{BASE}/subscriptions", params={"limit": str(SUBSCRIPTIONS)}, timeout=60)
    r.raise_for_status()
    subs = r.json()
    sent = sum(s["notification"].get("timesSent", 0) for s in subs)
    failed = sum(s["notification"].get("timesFailed", 0) for s in subs)
    return sent, failed


def updates(hub: str, total: int, first_seq: int) -> Load:
    """``total`` updates at RATE/s, round robin over the entities, seq first_seq + i."""
    urls = [
        URL(f"{hub}{BASE}/entities/{eid}/attrs", encoded=True) for eid in entity_ids()
    ]  # the ids need no quoting

    def request(i: int) -> tuple[str, URL, bytes]:
        body = b'{"seq":{"type":"Property","value":%d}}' % (first_seq + i)
        return "PATCH", urls[i % SUBSCRIPTIONS], body

    async def go() -> Load:
        async with _session(CONNECTIONS) as session:
            return await paced(session, total, RATE, request)

    return _run(go())


def arrived(recv: str, key: str) -> int:
    return int(httpx.get(f"{recv}/count").json()[key])


def wait_for(recv: str, key: str, expected: int, timeout: float = 120.0) -> tuple[int, float]:
    """Wait until the receiver has ``expected`` requests at ``key`` (or QUIET seconds
    without a new one); returns the count and the seconds waited."""
    t0 = time.monotonic()
    last, last_change = -1, t0
    while True:
        n = arrived(recv, key)
        now = time.monotonic()
        if n != last:
            last, last_change = n, now
        if n >= expected or now - last_change > QUIET or now - t0 > timeout:
            return n, now - t0
        time.sleep(0.05)


@dataclass
class Delivery:
    """What the receiver got, checked against what was acknowledged."""

    latencies: list[float]  # seconds, arrival - acknowledgement (first arrival)
    queued: list[float]  # seconds, notifiedAt (rendered) - acknowledgement
    in_flight: list[float]  # seconds, arrival - notifiedAt (the HTTP POST)
    lost: list[int]  # acknowledged sequence numbers never notified
    duplicates: int  # notifications beyond the first of one update
    out_of_order: int  # arrivals of an entity older than one that arrived before
    strays: int  # notified sequence numbers never acknowledged
    wrong_subscription: int  # an entity's notification at another subscription's path
    requests: int
    unparsed: int
    sample: str


def check(load: Load, first_seq: int, res: dict[str, Any]) -> Delivery:
    ids = entity_ids()
    acked = {first_seq + i: a for i, a in enumerate(load.ack) if a is not None}
    first: dict[int, float] = {}
    flight: dict[int, float] = {}
    seen: Counter[int] = Counter()
    by_entity: dict[str, list[tuple[float, int]]] = defaultdict(list)
    strays = wrong = 0
    for t, k, eid, seq, in_flight in res["rows"]:
        if not isinstance(seq, int):
            strays += 1
            continue
        seen[seq] += 1
        if seq not in first or t < first[seq]:
            first[seq], flight[seq] = t, in_flight
        by_entity[eid].append((t, seq))
        if seq not in acked:
            strays += 1
        if ids[int(k)] != eid:
            wrong += 1
    out_of_order = 0
    for arrivals in by_entity.values():
        top = -1
        for _, seq in sorted(arrivals):
            if seq < top:
                out_of_order += 1
            top = max(top, seq)
    return Delivery(
        latencies=[first[s] - a for s, a in acked.items() if s in first],
        queued=[first[s] - flight[s] - a for s, a in acked.items() if s in first],
        in_flight=[flight[s] for s in acked if s in first],
        lost=sorted(s for s in acked if s not in first),
        duplicates=sum(c - 1 for c in seen.values() if c > 1),
        out_of_order=out_of_order,
        strays=strays,
        wrong_subscription=wrong,
        requests=int(res["requests"]),
        unparsed=int(res["unparsed"]),
        sample=str(res["sample"]),
    )


# --- the limit ----------------------------------------------------------------------------
def bare_posts(recv: str, total: int, body_size: int) -> tuple[Load, float, int]:
    """The generator POSTing a body of ``body_size`` bytes straight to the receiver at
    RATE/s; then its closed-loop capacity for 2 s. Returns the paced run, the capacity
    and how many bare POSTs arrived."""
    url = URL(f"{recv}/bare")
    pad = max(0, body_size - 40)

    def request(i: int) -> tuple[str, URL, bytes]:
        return "POST", url, b'{"seq":%d,"pad":"%s"}' % (i, b"x" * pad)

    async def go() -> tuple[Load, float]:
        async with _session(CONNECTIONS) as session:
            await paced(session, RATE // 2, RATE, request)  # warm-up: connections open
            await session.post(URL(f"{recv}/reset"))
            load = await paced(session, total, RATE, request)
        capacity = await closed_loop(URL(f"{recv}/sink"), request(0)[2], 2.0, 32)
        return load, capacity

    load, capacity = _run(go())
    got, _ = wait_for(recv, "bare", load.acked, timeout=10)
    return load, capacity, got


# --- the benchmark ------------------------------------------------------------------------
def run(quick: bool) -> list[Result]:
    seconds = 5 if quick else 20
    total = RATE * seconds
    with receiver() as recv:
        with Server.isanhub() as srv:
            setup = prepare(srv.url, recv.url)
            warm = updates(srv.url, RATE * WARM_SECONDS, WARM_SEQ)
            warm_got, _ = wait_for(recv.url, "n", warm.acked, timeout=60)
            say(
                f"  warm-up: {warm.acked:,} updates acknowledged, {warm_got:,} notifications "
                f"arrived"
            )
            httpx.post(f"{recv.url}/reset").raise_for_status()
            srv.wait_idle()
            cpu, db, rcpu = srv.cpu_seconds(), srv.db_cpu(), recv.cpu_seconds()
            gen0 = time.process_time()
            load = updates(srv.url, total, 0)
            gen_cpu = time.process_time() - gen0
            got, waited = wait_for(recv.url, "n", load.acked)
            time.sleep(0.5)  # late duplicates; the dispatcher settles timesSent every 50 ms
            hub_cpu = srv.cpu_seconds() - cpu
            db_cpu = srv.db_cpu_used(db, srv.db_cpu())
            recv_cpu = recv.cpu_seconds() - rcpu
            res = httpx.get(f"{recv.url}/results", timeout=60).json()
            sent, failed = times_sent(srv.url)
            log_tail = srv.log_tail(5)
        d = check(load, 0, res)
        body_size = len(d.sample.encode()) or 600
        bare, capacity, bare_got = bare_posts(recv.url, RATE * min(seconds, 10), body_size)
    ok: dict[str, float] = latency_summary(d.latencies) if d.latencies else {"n": 0}
    split: dict[str, Any] = {}
    if d.latencies:
        ok["min_ms"] = round(min(d.latencies) * 1000, 3)
        split = {
            "ack_to_notified_at": latency_summary(d.queued),
            "notified_at_to_arrival": latency_summary(d.in_flight),
        }
    bare_rt = bare.round_trips()
    limit = percentile(bare_rt, 95) * 1000 if bare_rt else float("nan")
    expected_sent = warm_got + d.requests
    say(
        f"  isanhub: {load.acked:,} of {total:,} updates acknowledged at {load.rate:,.0f}/s "
        f"(ack p50 {percentile(load.round_trips(), 50) * 1000:.1f} ms, p99 "
        f"{percentile(load.round_trips(), 99) * 1000:.1f} ms, send lag max "
        f"{load.max_lag_ms:.1f} ms{_failures(load)}); server CPU {hub_cpu:.1f} s"
        + (f", PostgreSQL CPU {db_cpu:.1f} s" if db_cpu else "")
        + f", receiver CPU {recv_cpu:.1f} s, generator CPU {gen_cpu:.1f} s"
    )
    say(
        f"  notifications: {d.requests:,} arrived ({waited:.1f} s after the load), lost "
        f"{len(d.lost):,}, duplicates {d.duplicates:,}, out of order {d.out_of_order:,}, "
        f"strays {d.strays:,}; timesSent total {sent:,} (expected {expected_sent:,}), "
        f"timesFailed {failed:,}"
    )
    if d.latencies:
        say(
            f"  ack -> arrival: p50 {ok['p50_ms']:.1f} ms, p95 {ok['p95_ms']:.1f} ms, p99 "
            f"{ok['p99_ms']:.1f} ms, max {ok['max_ms']:.1f} ms, min {ok['min_ms']:.1f} ms; of "
            f"which ack -> notifiedAt p50 {split['ack_to_notified_at']['p50_ms']:.1f} ms, p95 "
            f"{split['ack_to_notified_at']['p95_ms']:.1f} ms, notifiedAt -> arrival p50 "
            f"{split['notified_at_to_arrival']['p50_ms']:.1f} ms, p95 "
            f"{split['notified_at_to_arrival']['p95_ms']:.1f} ms"
        )
    say(
        f"  bare POST to the receiver ({body_size} B): {bare.acked:,} at {bare.rate:,.0f}/s, "
        f"round trip p50 {percentile(bare_rt, 50) * 1000:.2f} ms, p95 {limit:.2f} ms, p99 "
        f"{percentile(bare_rt, 99) * 1000:.2f} ms{_failures(bare)}; receiver capacity "
        f"{capacity:,.0f}/s closed loop (32 connections)"
    )
    if d.lost or d.unparsed or d.wrong_subscription:
        say(f"  first lost: {d.lost[:10]}; server log tail:\n{log_tail}")
    p95 = float(ok.get("p95_ms", float("inf")))
    passed = (
        p95 <= MAX_P95_MS
        and not d.lost
        and load.rate >= MIN_RATE
        and not load.failures
        and bool(d.latencies)
    )
    return [
        Result(
            bench="notify",
            name=f"Notification ack -> arrival, {SUBSCRIPTIONS:,} subscriptions, "
            f"{RATE:,} updates/s",
            figure=p95,
            unit="ms p95",
            limit=limit,
            limit_name=f"bare POST to the receiver at {RATE:,}/s, p95",
            kind="cost",
            target=f"p95 <= {MAX_P95_MS:.0f} ms, 0 lost at {RATE:,} updates/s with "
            f"{SUBSCRIPTIONS:,} subscriptions",
            passed=passed,
            lower_bound=not d.latencies,
            details={
                "workers": workers(),
                "backend": "postgres" if on_postgres() else "sqlite",
                "seconds": seconds,
                "rate_target": RATE,
                "connections": CONNECTIONS,
                "setup": setup,
                "updates": load.details(),
                "latency": ok,
                **split,
                "lost": len(d.lost),
                "first_lost": d.lost[:20],
                "duplicates": d.duplicates,
                "out_of_order": d.out_of_order,
                "strays": d.strays,
                "wrong_subscription": d.wrong_subscription,
                "unparsed": d.unparsed,
                "notifications": d.requests,
                "times_sent": sent,
                "times_sent_expected": expected_sent,
                "times_failed": failed,
                "waited_after_load_s": round(waited, 2),
                "server_cpu_s": round(hub_cpu, 2),
                "postgres_cpu_s": round(db_cpu, 2),
                "receiver_cpu_s": round(recv_cpu, 2),
                "generator_cpu_s": round(gen_cpu, 2),
                "bare": {
                    **bare.details(),
                    "body_bytes": body_size,
                    "arrived": bare_got,
                    "receiver_capacity_per_s": round(capacity, 1),
                },
                "loadavg_after": round(os.getloadavg()[0], 2),
            },
        )
    ]


def _failures(load: Load) -> str:
    return "".join(f", {n} {k}" for k, n in load.failures.items())
