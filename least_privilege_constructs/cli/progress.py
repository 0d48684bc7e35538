"""A one-line progress display on stderr, only when stderr is a terminal and the run is long."""

from __future__ import annotations

import sys
import time
from typing import IO, Any


class ProgressLine:
    """Call with ``(done, total, policy)``; shows ``[ 12/340] App/Role/Resource`` after ``delay`` seconds."""

    def __init__(self, stream: IO[str] | None = None, enabled: bool | None = None, delay: float = 0.3) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.delay = delay
        self.start = time.monotonic()
        self.shown = False
        self._last = 0.0

    def __call__(self, done: int, total: int, policy: Any) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (now - self._last < 0.05 and done < total):
            return
        self._last = now
        label = policy.origin.label() if hasattr(policy, "origin") else str(policy)
        width = len(str(total))
        line = f"[{done:>{width}}/{total}] {label}"
        self.stream.write("\r\033[K" + line[:120])
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
