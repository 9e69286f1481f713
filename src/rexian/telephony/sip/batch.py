"""Several probe calls with a bound on how many ring at once.

A hotline has a handful of trunks; an evaluation run must not occupy them
all, so concurrency is capped here rather than left to the caller's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from .config import ProbeConfig
from .outcome import CallResult
from .uac import probe_call

MAX_CONCURRENCY = 50


async def place_calls(configs: Iterable[ProbeConfig], concurrency: int = 4) -> list[CallResult]:
    """Run the calls, at most ``concurrency`` at a time; results in input order."""
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY}")
    gate = asyncio.Semaphore(concurrency)

    async def one(config: ProbeConfig) -> CallResult:
        async with gate:
            return await probe_call(config)

    return list(await asyncio.gather(*(one(config) for config in configs)))
