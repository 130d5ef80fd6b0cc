"""Slow outputs of ``serve`` made in a child process, so that they never delay the HTML preview:
the PDF, and on large trees the search index.

``python -m yearbook.serve.background pdf|search CONTENT OUTPUT [LOCK_FD]`` loads the content and writes the volume PDFs
(``OUTPUT/pdf/`` and ``OUTPUT/site/downloads/``) or the search index (``OUTPUT/site/search/``), each
file atomically, then prints one JSON line: ``{"ok": true, "files": [...], "warnings": [...], "seconds": s}``
or ``{"ok": false, "problems": [...]}``. A :class:`BackgroundJob` starts the child after a quiet period
or on request, one at a time, again if changes came while it ran, and kills it when serve stops.

The child writes into the output under serve's lock (output.lock_output): serve hands it the lock's
descriptor (LOCK_FD), so that its writes are part of serve's build, and a ``build`` started meanwhile
waits for it too, even if serve itself was killed first. Run by hand, without LOCK_FD, it takes the
lock itself (waiting for a build or serve under way)."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from ..book.render import check_cjk_font, render_volume_pdf
from ..errors import YearbookError
from ..output import OutputLock, cache_dir, inherit_lock, lock_output, replace_file
from ..pipeline import BuildReport, load_yearbook
from ..site import urls
from ..site.render import HtmlRenderer
from ..themes import find_theme
from .rebuild import write_search_files

log = logging.getLogger(__name__)


def render_pdfs(content_dir: Path, output_dir: Path) -> dict:
    """Render and write every volume's PDF; the result as a JSON-able dict."""
    start = time.perf_counter()
    base = Path.cwd()
    try:
        report = BuildReport()
        yearbook = load_yearbook(content_dir.resolve(), report)
        theme = find_theme(yearbook.config.theme, content_dir.resolve())
        check_cjk_font()
        names, warnings = [], [w.format(base) for w in report.warnings]
        for volume in yearbook.volumes:
            pdf, problems = render_volume_pdf(yearbook, volume, theme, cache_dir=cache_dir(output_dir, "pdf"))
            warnings += [p.format(base) for p in problems]
            for target in (output_dir / "pdf" / volume.pdf_name, output_dir / "site" / urls.pdf_url(volume.pdf_name)):
                replace_file(target, pdf)
            names.append(volume.pdf_name)
    except YearbookError as exc:
        return {"ok": False, "problems": [p.format(base) for p in exc.problems]}
    return {"ok": True, "files": names, "warnings": warnings, "seconds": round(time.perf_counter() - start, 2)}


def render_search(content_dir: Path, output_dir: Path) -> dict:
    """Rebuild the search index of the site in ``output_dir`` (files whose bytes changed)."""
    start = time.perf_counter()
    try:
        yearbook = load_yearbook(content_dir.resolve(), BuildReport())
        theme = find_theme(yearbook.config.theme, content_dir.resolve())
        written = write_search_files(HtmlRenderer(yearbook, theme).search_files(), output_dir, keep=set())
    except YearbookError as exc:
        return {"ok": False, "problems": [p.format(Path.cwd()) for p in exc.problems]}
    return {"ok": True, "files": written, "warnings": [], "seconds": round(time.perf_counter() - start, 2)}


JOBS = {"pdf": render_pdfs, "search": render_search}


def main(argv: list[str]) -> int:  # pragma: no cover - runs in the child process
    logging.basicConfig(level=logging.ERROR)
    if hasattr(os, "nice"):
        os.nice(10)  # background work: the serve process's HTML rebuilds come first on a busy machine
    kind, output_dir = argv[0], Path(argv[2])
    try:
        lock = inherit_lock(output_dir, int(argv[3])) if len(argv) > 3 else lock_output(output_dir, "serve")
        with lock:
            result = JOBS[kind](Path(argv[1]), output_dir)
    except YearbookError as exc:
        result = {"ok": False, "problems": [p.format(Path.cwd()) for p in exc.problems]}
    except Exception as exc:  # report a bug to the parent instead of a traceback on the terminal
        result = {"ok": False, "problems": [f"internal error while making the {kind}: {type(exc).__name__}: {exc}"]}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if result["ok"] else 1


class BackgroundJob:
    """Runs the ``kind`` child process ``delay`` seconds after the last change (never with delay 0), or
    at once on :meth:`request`; at most one at a time, and again if changes came while it ran."""

    def __init__(self, kind: str, content_dir: Path, output_dir: Path, delay: float, on_done: Callable[[dict], None],
                 on_status: Callable[[str], None] = lambda status: None, lock: OutputLock | None = None):
        self.kind = kind
        self.lock = lock  # serve's lock of the output, handed to the child (see the module's docstring)
        self.content_dir = content_dir
        self.output_dir = output_dir
        self.delay = delay
        self.on_done = on_done
        self.on_status = on_status
        self._status = "idle"  # idle | waiting | building | ok | failed
        self._due: float | None = None
        self._process: subprocess.Popen | None = None
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name=f"yearbook-{kind}", daemon=True)

    @property
    def status(self) -> str:
        return self._status

    @status.setter
    def status(self, value: str) -> None:
        if value != self._status:
            self._status = value
            self.on_status(value)

    def start(self) -> None:
        self._thread.start()

    def changed(self) -> None:
        """The content changed: run again after the quiet period (if automatic)."""
        with self._cond:
            if self.delay > 0:
                self._due = time.monotonic() + self.delay
                if self.status != "building":
                    self.status = "waiting"
            elif self.status == "ok":
                self.status = "stale"
            self._cond.notify_all()

    def request(self) -> None:
        """Run now (or right after the run under way)."""
        with self._cond:
            self._due = time.monotonic()
            if self.status != "building":
                self.status = "waiting"
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (self._due is None or time.monotonic() < self._due):
                    self._cond.wait(None if self._due is None else max(0.01, self._due - time.monotonic()))
                if self._stopped:
                    return
                self._due = None
                self.status = "building"
            result = self._run()
            with self._cond:
                if self._stopped:
                    return
                self.status = "ok" if result.get("ok") else "failed"
                if self._due is not None:
                    self.status = "waiting"
            self.on_done(result)

    def _run(self) -> dict:
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = package_root + os.pathsep + env.get("PYTHONPATH", "")
        locked = () if self.lock is None or self.lock.fd is None else (self.lock.fd,)
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "yearbook.serve.background", self.kind, str(self.content_dir), str(self.output_dir),
                 *map(str, locked)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True,
                pass_fds=locked)
        except OSError as exc:
            return {"ok": False, "problems": [f"cannot start the {self.kind} process: {exc}"]}
        with self._cond:
            self._process = process
        out, err = process.communicate()
        lines = out.decode("utf-8", "replace").strip().splitlines()
        try:
            return json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            if self._stopped:
                return {"ok": False, "problems": []}
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            return {"ok": False, "problems": [f"the {self.kind} process failed: {detail[0]}"]}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
