"""The room part for insights: every join and leave goes to the viewer-session recorder."""

from __future__ import annotations

from livestall.insights.recorder import SessionRecorder


class ViewerRecordingPart:
    """Records each viewer's stay in a room, buffered off the hot path (the recorder writes in batches)."""

    name = "viewer recording"

    def __init__(self, recorder: SessionRecorder) -> None:
        self.recorder = recorder

    def joined(self, show_id: int, conn) -> None:
        self.recorder.joined(show_id, conn)

    def left(self, show_id: int, conn) -> None:
        self.recorder.left(show_id, conn)
