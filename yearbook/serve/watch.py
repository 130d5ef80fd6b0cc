"""Watch → debounce → rebuild: watchdog reports file changes under content/ and themes/, a
:class:`ChangeBatcher` gathers them until the tree has been quiet for a moment (an editor's save is
often several events: write, rename, chmod), and a :class:`Watcher` thread hands each batch to a
rebuild callback. A failed rebuild never stops the loop: the callback reports it and the next save
tries again (MkDocs ``livereload._build_loop``; Lektor's ``WatchFilter`` ignores the output)."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

log = logging.getLogger(__name__)

QUIET_SECONDS = 0.05  # rebuild once no event came for this long …
MAX_WAIT_SECONDS = 1.0  # … or at the latest this long after the first event of a batch

IGNORED_SUFFIXES = (".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", "~", ".pyc")
IGNORED_NAMES = {"4913", ".DS_Store", "Thumbs.db"}  # 4913: vim's probe file


def is_ignored_name(name: str) -> bool:
    """An editor's scratch file or a hidden file, by its name."""
    return name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES) or name.startswith((".", "#"))


def is_ignored(path: Path, ignored_dirs: Iterable[Path] = ()) -> bool:
    """Editor scratch files, hidden files and anything inside ``ignored_dirs`` (the output)."""
    if is_ignored_name(path.name):
        return True
    if any(part.startswith(".") for part in path.parts[-3:]):
        return True
    return any(path == d or path.is_relative_to(d) for d in ignored_dirs)


class ChangeBatcher:
    """Thread-safe set of changed paths; :meth:`wait_batch` returns them once the tree is quiet."""

    def __init__(self, quiet: float = QUIET_SECONDS, max_wait: float = MAX_WAIT_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.quiet = quiet
        self.max_wait = max_wait
        self.clock = clock
        self._paths: set[Path] = set()
        self._first = 0.0
        self._last = 0.0
        self._cond = threading.Condition()
        self._closed = False

    def add(self, path: Path) -> None:
        with self._cond:
            now = self.clock()
            if not self._paths:
                self._first = now
            self._paths.add(path)
            self._last = now
            self._cond.notify_all()

    @property
    def pending(self) -> bool:
        with self._cond:
            return bool(self._paths)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def wait_batch(self, timeout: float | None = None) -> set[Path] | None:
        """Block until changes arrived and the tree has been quiet (or max_wait passed); None on
        timeout or close."""
        deadline = None if timeout is None else self.clock() + timeout
        with self._cond:
            while not self._closed:
                now = self.clock()
                wake = deadline
                if self._paths:
                    ready_at = min(self._last + self.quiet, self._first + self.max_wait)
                    if now >= ready_at:
                        batch, self._paths = self._paths, set()
                        return batch
                    wake = ready_at if deadline is None else min(ready_at, deadline)
                if deadline is not None and now >= deadline:
                    return None
                self._cond.wait(None if wake is None else wake - now)
            return None


class Watcher:
    """Watches ``roots`` with watchdog and calls ``on_change(paths)`` on its own thread for every
    batch of changes. ``on_change`` must not raise; if it does, the error is logged and the loop goes on."""

    def __init__(self, roots: list[Path], on_change: Callable[[set[Path]], None], ignored_dirs: Iterable[Path] = (),
                 batcher: ChangeBatcher | None = None):
        self.roots = [r.resolve() for r in roots if r.is_dir()]
        self.on_change = on_change
        self.ignored_dirs = [d.resolve() for d in ignored_dirs]
        self.batcher = batcher or ChangeBatcher()
        self._observer = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                for raw in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")):
                    if raw:
                        watcher.notify(Path(raw if isinstance(raw, str) else raw.decode()), event.is_directory,
                                       event.event_type)

        self._observer = Observer()
        for root in self.roots:
            self._observer.schedule(Handler(), str(root), recursive=True)
        self._observer.daemon = True
        self._observer.start()
        self._thread = threading.Thread(target=self._loop, name="yearbook-rebuild", daemon=True)
        self._thread.start()

    def notify(self, path: Path, is_directory: bool = False, kind: str = "modified") -> None:
        """Record one file-system event (also the entry point for tests)."""
        if is_directory and kind == "modified":
            return  # a directory's mtime changes with every file event inside it
        if is_ignored(path, self.ignored_dirs):
            return
        self.batcher.add(path)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            batch = self.batcher.wait_batch(timeout=0.5)
            if not batch or self._stopping.is_set():
                continue
            try:
                self.on_change(batch)
            except Exception:  # the loop must survive a bug in a rebuild; the callback reports its own errors
                log.exception("rebuild failed")

    def stop(self) -> None:
        self._stopping.set()
        self.batcher.close()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
