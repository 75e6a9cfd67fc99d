"""The heap keeper freezes as the audience grows and unfreezes when it is down to a quarter."""

from __future__ import annotations

import gc

from livestall.realtime.heap import HeapKeeper


def test_freeze_follows_the_audience():
    audience = {"n": 0}
    keeper = HeapKeeper(lambda: audience["n"], min_connections=100, growth=0.5)
    try:
        keeper.check()
        assert keeper.frozen_at == 0  # small rooms: nothing to do
        audience["n"] = 100
        keeper.check()
        assert keeper.frozen_at == 100 and gc.get_freeze_count() > 0
        audience["n"] = 140
        keeper.check()
        assert keeper.frozen_at == 100  # grew by less than half: no new freeze
        audience["n"] = 150
        keeper.check()
        assert keeper.frozen_at == 150
        audience["n"] = 40
        keeper.check()
        assert keeper.frozen_at == 150  # down to a quarter not yet
        audience["n"] = 37
        keeper.check()
        assert keeper.frozen_at == 0 and gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
