"""Livestall: live-stream shopping, self-hosted."""

__version__ = "0.1.0"
