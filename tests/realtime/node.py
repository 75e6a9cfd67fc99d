"""One app process for the multi-process room tests: RoomKit behind a gateway on a Redis broker.

Run as `python tests/realtime/node.py REDIS_URL`; prints `ready PORT`, stops gracefully when
stdin closes.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root, for `tests.` imports

from livestall.realtime import RealtimeGateway  # noqa: E402
from tests.realtime.support import FRAME_TYPES, RoomKit, room_settings  # noqa: E402


async def main(redis_url: str) -> None:
    handler = RoomKit()
    gateway = RealtimeGateway(handler, room_settings(redis_url=redis_url), host="127.0.0.1", port=0)
    gateway.register(*FRAME_TYPES)
    handler.gateway = gateway
    await gateway.start()
    print("ready", gateway.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await gateway.stop(drain=True, timeout=3)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
