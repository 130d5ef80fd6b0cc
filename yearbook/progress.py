"""A one-line progress display for long builds: which stage is running and how many pages are done.

It writes to stderr, and only when stderr is a terminal and the ``CI`` environment variable is not
set, so logs, pipes and CI stay quiet. The line is redrawn in place (``\\r``) and cleared at the end."""
from __future__ import annotations

import os
import sys
import time
import unicodedata
from typing import TextIO

from .i18n import ENGLISH, Translator

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

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None, translate: Translator = ENGLISH):
        self.stream = sys.stderr if stream is None else stream
        self.translate = translate  # stage names are messages (i18n), said in the run's language
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
        name = self.translate(self.name)
        if self.total:
            text = f"{name}: {self.count}/{self.total} ({100 * self.count // self.total}%)"
        elif self.count:
            text = f"{name}: {self.count}"
        else:
            text = f"{name}…"
        if item:
            text += f" {item}"
        text = _cut(text, 100)
        width = display_width(text)
        pad = max(0, self._width - width)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = width


def display_width(text: str) -> int:
    """Terminal cells of ``text``: a Chinese character (East Asian wide or full-width) takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, cells: int) -> str:
    while display_width(text) > cells:
        text = text[:-1]
    return text


class NoProgress(Progress):
    """A Progress that never shows anything (tests, serve rebuilds, --quiet)."""

    def __init__(self) -> None:
        super().__init__(stream=sys.stderr, enabled=False)
