"""The sandbox generator: every dimension module for every pilot province.

Each dimension module has ``generate(ctx: Context) -> Iterator[Item]`` and draws all
its randomness from ``ctx.noise(key)``, so a seed fixes the whole city.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from isanhub.demo.item import Item
from isanhub.demo.patterns import Clock, Noise
from isanhub.demo.places import PROVINCES, District, Province, districts

#: the seven smart-city dimensions, and agriculture (economy's big data in Isan)
MODULES: tuple[str, ...] = (
    "environment", "mobility", "energy", "living", "people", "governance", "economy",
    "agriculture",
)  # fmt: skip

DEFAULT_SEED = 2026


@dataclass(frozen=True)
class Context:
    seed: int
    clock: Clock
    province: Province

    @property
    def districts(self) -> tuple[District, ...]:
        return districts(self.province.key)

    def noise(self, *key: object) -> Noise:
        """The random streams of one thing, e.g. ``ctx.noise("aq", district.code)``."""
        return Noise(self.seed, ":".join([self.province.key, *map(str, key)]))


def steps(
    provinces: Sequence[Province] = PROVINCES, modules: Sequence[str] = MODULES
) -> list[tuple[Province, str]]:
    """The units of work of a generation (for a progress bar): province × module."""
    return [(p, m) for p in provinces for m in modules]


def generate_step(seed: int, clock: Clock, province: Province, module: str) -> Iterator[Item]:
    mod = importlib.import_module(f"isanhub.demo.{module}")
    yield from mod.generate(Context(seed, clock, province))


def generate(
    seed: int = DEFAULT_SEED,
    clock: Clock | None = None,
    provinces: Sequence[Province] = PROVINCES,
    modules: Sequence[str] = MODULES,
) -> Iterator[Item]:
    """Every item of the sandbox (deterministic for ``seed`` and ``clock``)."""
    clock = clock or Clock.ending()
    for province, module in steps(provinces, modules):
        yield from generate_step(seed, clock, province, module)
