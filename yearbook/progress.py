"""A one-line progress display for long builds: which stage is running and how many pages are done.

It writes to stderr, and only when stderr is a terminal and the ``CI`` environment variable is not
set, so logs, pipes and CI stay quiet. The line is redrawn in place (``\\r``) and cleared at the end."""
from __future__ import annotations

import os
import sys
import time
from typing import TextIO

REDRAW_SECONDS = 0.1  # redraw at most ten times a second


def progress_enabled(stream: TextIO | None = None, environ: dict | None = None) -> bool:
    """True when progress should be shown on ``stream``: a terminal, and not CI."""
    stream = sys.stderr if stream is None else stream
    environ = os.environ if environ is None else environ
    if environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """``stage(name, total)`` then ``advance()`` per item; ``done()`` clears the line.

    A disabled Progress (the default off a terminal) does nothing at all."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.enabled = progress_enabled(self.stream) if enabled is None else enabled
        self.name = ""
        self.total: int | None = None
        self.count = 0
        self._last_draw = 0.0
        self._width = 0

    def stage(self, name: str, total: int | None = None) -> None:
        """Start a stage; ``total`` is the number of items (pages, volumes) when known."""
        self.name, self.total, self.count = name, total, 0
        self._draw(force=True)

    def advance(self, n: int = 1, item: str = "") -> None:
        self.count += n
        self._draw(item=item, force=self.total is not None and self.count >= self.total)

    def done(self) -> None:
        """Erase the progress line (the caller prints its own summary)."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
        self._width = 0

    def _draw(self, item: str = "", force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < REDRAW_SECONDS:
            return
        self._last_draw = now
        if self.total:
            text = f"{self.name}: {self.count}/{self.total} ({100 * self.count // self.total}%)"
        elif self.count:
            text = f"{self.name}: {self.count}"
        else:
            text = f"{self.name}…"
        if item:
            text += f" {item}"
        text = text[:100]
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)


class NoProgress(Progress):
    """A Progress that never shows anything (tests, serve rebuilds, --quiet)."""

    def __init__(self) -> None:
        super().__init__(stream=sys.stderr, enabled=False)
