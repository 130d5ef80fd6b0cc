"""serve's builder: the process that rebuilds the site, beside the one that serves it.

The serve process answers the browser and watches the tree; every rebuild (rebuild.py) runs in this
child process, which keeps the article cache and the compiled templates from one rebuild to the
next. So a rebuild never holds up a page the browser asks for (the two do not share an interpreter
lock), and the builder runs one thread, so that it may fork to render on both cores (forking a
process whose other threads may hold locks is not safe: parallel.start_method).

It runs as ``python -m yearbook.serve.builder FD``, in a session of its own, and the two talk over a
socket pair (FD is its end). The serve process sends ``("rebuild",)``, ``("search",)`` (write the search
index of the last rebuild) or ``("stop",)``; the builder answers with ``("stage", name)`` as a
rebuild's stages begin, ``("first", files)`` once the edited articles' pages are written, then one
of ``("done", summary)``, ``("failed", lines, errors)`` (content or template problems, formatted)
or ``("crashed", message, traceback)`` (a bug). The builder ignores Ctrl-C (the serve process stops
it), ends on SIGTERM, and dies with the serve process; if it dies, the next request starts another
(its cache empty: that rebuild reads every file again)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

from ..errors import YearbookError
from ..parallel import die_with_parent
from .rebuild import RebuildReport, RebuildSettings, SiteState, rebuild_site, write_search_index


class RebuildFailed(Exception):
    """The content or a template has problems: ``lines`` (``path:line: message``), ``errors`` of them errors."""

    def __init__(self, lines: list[str], errors: int):
        super().__init__(f"{errors} error(s)")
        self.lines, self.errors = lines, errors


class BuilderCrashed(Exception):
    """A bug in yearbook stopped a rebuild (``details``: the builder's traceback), or the builder died."""

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.message, self.details = message, details


@dataclass
class RebuildSummary:
    """What the serve process learns of one rebuild (rebuild.RebuildReport, without the model)."""

    articles: int
    pages: int  # HTML pages of the site
    written: list[str]
    removed: list[str]
    first: list[str]
    warnings: list[str]
    timings: dict[str, float]
    processes: int


def summarize(report: RebuildReport, base: Path) -> RebuildSummary:
    return RebuildSummary(len(report.yearbook.articles), sum(1 for p in report.produced if p.endswith(".html")),
                          report.written, report.removed, report.first, [w.format(base) for w in report.warnings],
                          dict(report.timings), report.processes)


# --- in the builder process ----------------------------------------------------------------------------

def _stop(signum, frame) -> None:
    raise SystemExit(0)  # unwinds: temporary files of a rebuild under way are removed (output.stage_changed)


def run_builder(conn: Connection) -> None:
    """The builder's loop: its settings first, then one request at a time until "stop" or the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    die_with_parent()
    content_dir, output_dir, base, settings = conn.recv()
    state = SiteState()
    last: RebuildReport | None = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request[0] == "stop":
            return
        try:
            if request[0] == "rebuild":
                last = None  # its model is of a tree that may be changing
                last = rebuild_site(content_dir, output_dir, state, settings=settings,
                                    on_first_written=lambda written: conn.send(("first", written)),
                                    on_stage=lambda stage: conn.send(("stage", stage)))
                conn.send(("done", summarize(last, base)))
            elif request[0] == "search":
                start = time.perf_counter()
                written = write_search_index(last, output_dir) if last is not None else []
                conn.send(("done", {"written": written, "seconds": time.perf_counter() - start}))
        except YearbookError as exc:
            conn.send(("failed", [p.format(base) for p in exc.problems], sum(p.severity == "error" for p in exc.problems)))
        except Exception as exc:  # a bug in yearbook: reported by the serve process, which goes on
            conn.send(("crashed", f"{type(exc).__name__}: {exc}", traceback.format_exc()))


def main(argv: list[str]) -> int:  # pragma: no cover - runs in the builder process
    run_builder(Connection(int(argv[0])))
    return 0


# --- in the serve process --------------------------------------------------------------------------------

class Builder:
    """The serve process's handle on its builder process: started on first use (and again after it died)."""

    def __init__(self, content_dir: Path, output_dir: Path, base: Path, settings: RebuildSettings = RebuildSettings()):
        self.content_dir, self.output_dir, self.base, self.settings = content_dir, output_dir, base, settings
        self._process: subprocess.Popen | None = None
        self._conn: Connection | None = None
        self._stopped = False

    def start(self) -> None:
        """Start the process: ``python -m yearbook.serve.builder FD`` (a fresh interpreter, which a
        process with threads may start safely), talking over a socket pair."""
        mine, theirs = socket.socketpair()
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        package_root = str(Path(__file__).resolve().parents[2])  # this copy of yearbook, wherever serve runs
        env["PYTHONPATH"] = package_root + os.pathsep + env.get("PYTHONPATH", "")
        try:
            self._process = subprocess.Popen([sys.executable, "-m", "yearbook.serve.builder", str(theirs.fileno())],
                                             pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL,
                                             start_new_session=True)  # Ctrl-C is for serve, which stops it
        except OSError as exc:
            mine.close()
            raise BuilderCrashed(f"cannot start the builder process: {exc}") from exc
        finally:
            theirs.close()
        self._conn = Connection(mine.detach())
        self._conn.send((self.content_dir, self.output_dir, self.base, self.settings))

    def rebuild(self, on_first: Callable[[list[str]], None] = lambda written: None,
                on_stage: Callable[[str], None] = lambda stage: None) -> RebuildSummary:
        """One rebuild; raises :class:`RebuildFailed` or :class:`BuilderCrashed`."""
        return self._ask(("rebuild",), on_first, on_stage)

    def write_search(self) -> dict:
        """Write the search index of the last good rebuild: {"written": [...], "seconds": s}."""
        return self._ask(("search",))

    def _ask(self, request: tuple, on_first=None, on_stage=None):
        if self._stopped:
            raise BuilderCrashed("serve is stopping")
        if self._process is None or self._process.poll() is not None:
            self.start()
        conn, process = self._conn, self._process
        try:
            conn.send(request)
            while True:
                reply = conn.recv()
                if reply[0] == "stage":
                    if on_stage is not None:
                        on_stage(reply[1])
                elif reply[0] == "first":
                    if on_first is not None:
                        on_first(reply[1])
                elif reply[0] == "done":
                    return reply[1]
                elif reply[0] == "failed":
                    raise RebuildFailed(reply[1], reply[2])
                else:
                    raise BuilderCrashed(reply[1], reply[2])
        except (EOFError, OSError) as exc:  # it died (or was stopped): the next request starts another
            try:
                status = process.wait(1)
            except subprocess.TimeoutExpired:
                process.kill()
                status = process.wait()
            self._process = None
            conn.close()
            raise BuilderCrashed(f"the builder process stopped (exit status {status})") from exc

    def stop(self) -> None:
        """End the process: at once when idle, else by SIGTERM (the rebuild under way is dropped; the
        request waiting for it ends with :class:`BuilderCrashed`). No request is sent after this."""
        self._stopped = True
        process = self._process
        if process is None:
            return
        try:
            self._conn.send(("stop",))  # read when idle; a rebuild under way reads it only after
        except (OSError, ValueError):
            pass
        for stop, wait in ((None, 0.3), (process.terminate, 5), (process.kill, None)):
            if stop is not None:
                stop()
            try:
                process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


if __name__ == "__main__":  # pragma: no cover
    from yearbook.serve import builder  # this module by its own name: what it sends must unpickle in serve

    sys.exit(builder.main(sys.argv[1:]))
