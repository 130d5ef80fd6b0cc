"""The only module that touches ``output/``: write a complete build into a fresh directory beside
the target, then swap it in, so that readers never see a half-written output and a failed or
killed build leaves the previous output whole.

An output directory carries a marker file; a non-empty directory without it is never replaced,
nor are the filesystem root, the home directory, or the content and theme directories.

One build at a time: every process that writes into ``output/`` or beside it (the staging folders, the
cache) first takes :func:`lock_output`, an exclusive ``flock`` on ``.<output>.lock`` beside it, and holds
it to the end (``serve`` for its whole life; the children it starts share its lock). A second build
waits for it, or with ``wait=False`` stops at once (:class:`OutputBusy`)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import OutputBusy, OutputError
from .i18n import _

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; builds are not locked there
    fcntl = None

MARKER = ".yearbook-output"


@dataclass(frozen=True)
class RenderedFile:
    rel_path: str  # posix path inside the site (or output) directory
    data: bytes | None = None
    source: Path | None = None  # copy this file instead of writing data
    written: bool = False  # cold build: already written into the new output's staging folder (output.Staging)


def check_output_dir(output_dir: Path, protected: list[Path]) -> None:
    """Refuse an output path whose replacement could destroy someone's files."""
    target = output_dir.resolve()
    home = Path.home().resolve()
    if target == Path(target.anchor) or target == home:
        raise OutputError(_("refusing to use {path} as the output directory", path=str(output_dir)), None,
                          _("pass --output output (a folder of its own)"))
    for path in protected:
        path = path.resolve()
        if target == path or path.is_relative_to(target) or target.is_relative_to(path):
            raise OutputError(_("refusing to write output into or over {path}", path=str(path)), None,
                              _("choose an output folder outside the content and theme folders"))
    if target.exists():
        if not target.is_dir():
            raise OutputError(_("{path} exists and is not a directory", path=str(output_dir)), None, _("remove it or choose another --output"))
        if any(target.iterdir()) and not (target / MARKER).is_file():
            raise OutputError(
                _("{path} is not empty and was not made by yearbook (no {marker} marker)", path=str(output_dir), marker=MARKER),
                None,
                _("choose an empty or new folder for --output; yearbook never replaces folders it did not create"),
            )


WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def write_files(base: Path, files: list[RenderedFile], carried_from: Path | None = None) -> None:
    """Write ``files`` under ``base``: every folder made once (parents first), then each file by plain
    ``os.open``/``os.write`` on string paths (pathlib and a pool of threads cost more than the kernel's
    own work here). Files copied from inside ``carried_from`` (the output being replaced: ``--only html``
    keeps the PDFs, ``--only pdf`` the site) are hard-linked instead where the file system allows."""
    for item in files:  # a slug or name gone wrong must never write beside or above the output
        if item.rel_path.startswith("/") or ".." in item.rel_path.split("/"):
            raise OutputError(_("refusing to write {path!r}: it is outside the output folder", path=item.rel_path))
    base.mkdir(parents=True, exist_ok=True)
    prefix = str(base) + os.sep
    make_folders(prefix, {item.rel_path.rpartition("/")[0] for item in files if not item.written})
    link_prefixes = tuple({str(p) + os.sep for p in (carried_from.absolute(), carried_from.resolve())}) if carried_from else ()
    for item in files:
        if item.written:
            continue
        if item.source is not None:
            _copy_one(prefix + item.rel_path, item.source, link_prefixes)
        else:
            write_bytes(prefix + item.rel_path, item.data or b"")


def make_folders(prefix: str, folders: set[str]) -> None:
    """Make the folders ``prefix`` + each of ``folders`` (posix, relative) and their parents, one
    ``mkdir`` each: parents sort before their children."""
    wanted = set()
    for folder in folders:
        while folder and folder not in wanted:
            wanted.add(folder)
            folder = folder.rpartition("/")[0]
    for folder in sorted(wanted):
        try:
            os.mkdir(prefix + folder)
        except FileExistsError:
            if not os.path.isdir(prefix + folder):
                raise


def write_bytes(path: str, data: bytes) -> None:
    """``data`` as the file ``path`` (created or truncated, mode 0o666 less the umask, as ``open(path, "wb")``)."""
    fd = os.open(path, WRITE_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _copy_one(target: str, source: Path, link_prefixes: tuple[str, ...] = ()) -> None:
    if link_prefixes and str(source.absolute()).startswith(link_prefixes):
        try:  # the old output is removed after the swap: the data lives on under the new name
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copyfile(source, target)


def current_umask() -> int:
    """The process's umask, read without changing it where Linux tells it (/proc/self/status: no
    moment in which another thread would create files with a mask of 0), else by setting it back."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_staging_folder(target: Path, kind: str) -> Path:
    """A new folder ``.<output>-<kind>-…`` beside ``target``, which becomes the output: with the mode
    every other folder gets (0o777 less the umask, as mkdir and other generators make it), not
    mkdtemp's 0o700, so that a web server's account can read the site."""
    path = Path(tempfile.mkdtemp(prefix=f".{target.name}-{kind}-", dir=target.parent))
    try:
        os.chmod(path, 0o777 & ~current_umask())
    except BaseException:
        os.rmdir(path)
        raise
    return path


class Staging:
    """The new output's folder (``.output-new-…`` beside output/), made before the site is rendered so
    that each page can be written as soon as it is made, by the process that made it (a forked one
    too); :func:`commit_output` writes the rest, adds the marker and swaps it in. Without the marker,
    a folder left by a killed build is removed by the next one (:func:`clean_stale`)."""

    def __init__(self, output_dir: Path):
        target = output_dir.resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        self.path = make_staging_folder(target, "new")
        self.folders: set[str] = set()  # made by this process

    def writer(self, subdir: str):
        """A function that writes a RenderedFile (relative to ``subdir``) now and returns it marked written."""
        prefix = f"{self.path}{os.sep}{subdir}{os.sep}"
        folders = self.folders

        def write(item: RenderedFile) -> RenderedFile:
            if item.data is None or item.written:
                return item
            if item.rel_path.startswith("/") or ".." in item.rel_path.split("/"):
                raise OutputError(_("refusing to write {path!r}: it is outside the output folder", path=item.rel_path))
            folder = item.rel_path.rpartition("/")[0]
            if folder not in folders:
                make_folders(prefix, {folder})
                folders.add(folder)
            write_bytes(prefix + item.rel_path, item.data)
            return RenderedFile(item.rel_path, written=True)

        if subdir not in folders:
            make_folders(str(self.path) + os.sep, {subdir})
            folders.add(subdir)
        return write

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


CARRIED_NEW = ".carried-new"  # in a staging folder: the new files of the carried folder, put in after the move


def commit_output(output_dir: Path, files: list[RenderedFile], staging: Staging | None = None,
                  carry: str | None = None, on_committed: Callable[[], None] | None = None) -> str | None:
    """Write ``files`` (paths relative to output/) as the new output, replacing the old one whole; files
    marked ``written`` are in ``staging`` already. ``on_committed`` is called as soon as the new output
    is in place: a Ctrl-C from then on interrupts a complete build (the CLI says so).

    ``carry``: a top-level folder of the old output that the new one keeps (``--only pdf`` keeps the
    site). It is moved into the new output by one rename instead of being listed and linked file by
    file; the folders of it that ``files`` write into (the site's ``downloads/``) are replaced whole.
    The staging folder is then named ``.<output>-carry-…`` and gets its marker *before* the move, so
    that a build killed after the move is finished by the next one (:func:`clean_stale`). Returns
    the folder carried over, or None (the old output had no such folder)."""
    target = output_dir.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if carry is not None and (staging is not None or not (target / carry).is_dir() or (target / carry).is_symlink()):
        carry = None
    if carry is not None:
        prefix = carry + "/"
        files = [RenderedFile(f"{CARRIED_NEW}/{f.rel_path}", f.data, f.source) if f.rel_path.startswith(prefix) else f
                 for f in files]
    kind = "carry" if carry is not None else "new"
    staging = staging.path if staging is not None else make_staging_folder(target, kind)
    try:
        write_files(staging, files, carried_from=target)
        (staging / MARKER).write_text("made by yearbook; this whole folder is replaced by each build\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # from here on the new output is whole: it is put in place with Ctrl-C held back until it is
    moved = False
    try:
        with _interrupts_held():
            if carry is not None:
                os.rename(target / carry, staging / carry)
                moved = True  # an error from here on leaves the new output for clean_stale to finish
                _finish_carry(staging)
            _swap(staging, target)
            if on_committed is not None:
                on_committed()
    except BaseException:
        if not moved:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return carry


@contextmanager
def _interrupts_held():
    """SIGINT (Ctrl-C) held back in this thread until the block ends, then delivered."""
    block = getattr(signal, "pthread_sigmask", None)
    if block is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = block(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        block(signal.SIG_SETMASK, previous)


def _finish_carry(staging: Path) -> None:
    """Put the carried folder's new files in place: each entry of ``.carried-new/<folder>/`` replaces
    the one of that name in ``<folder>/``. Safe to repeat after a kill at any point."""
    new = staging / CARRIED_NEW
    if new.is_dir():
        for folder in sorted(new.iterdir()):
            for entry in sorted(folder.iterdir()):
                place = staging / folder.name / entry.name
                if entry.is_dir() and not entry.is_symlink():
                    if place.is_dir() and not place.is_symlink():
                        shutil.rmtree(place)
                    elif place.exists() or place.is_symlink():
                        place.unlink()
                os.replace(entry, place)
        shutil.rmtree(new)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2(RENAME_EXCHANGE)``), so that no moment exists
    without an output; False where the system or file system cannot (then two renames do it)."""
    try:
        import ctypes

        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` in place of ``target`` with renames only (the old one is removed after)."""
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):  # staging now holds the old output
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def replace_file(target: Path, write: bytes | Callable[[Path], object]) -> None:
    """``target`` written whole or not at all: ``write`` (bytes, or a function that writes a given
    path) goes to a temporary file beside it (named for this process, so that workers writing the
    same file do not meet), which is then renamed over it; readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if isinstance(write, bytes):
            tmp.write_bytes(write)
        else:
            write(tmp)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


SEAL = b"yearbook-cache-2\n"  # a cache file's first bytes, then the SHA-256 of its name and what follows, then that


def write_sealed(target: Path, data: bytes) -> None:
    """``data`` as a cache file (:func:`replace_file`), sealed with its checksum (:func:`read_sealed`).
    The checksum covers the file's name too: an entry's bytes copied over another entry's file (whole,
    and so well sealed) are not taken for that entry."""
    replace_file(target, SEAL + _seal(target.name, data) + data)


def _seal(name: str, data: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\0" + data).digest()


def read_sealed(path: Path) -> bytes | None:
    """What :func:`write_sealed` wrote to ``path``, or None when the file is missing, unreadable,
    truncated, changed or not a sealed file: a cache entry is only ever read whole and unchanged."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError:
        return None
    head = len(SEAL) + 32
    if len(raw) < head or not raw.startswith(SEAL) or _seal(path.name, raw[head:]) != raw[len(SEAL):head]:
        return None
    return raw[head:]


def cache_dir(output_dir: Path, kind: str) -> Path:
    """Where builds into ``output_dir`` keep what they can reuse (laid-out PDF parts): beside it, as
    ``.output-cache/<kind>``, so that the atomic swap of the output never copies it, and deleting it
    only makes the next build slower."""
    target = output_dir.resolve()
    return target.parent / f".{target.name}-cache" / kind


# --- one build at a time ------------------------------------------------------------------------------

def lock_path(output_dir: Path) -> Path:
    """The lock file of ``output_dir``: ``.<output>.lock`` beside it (beside the staging folders and the
    cache). It stays there between builds, empty; a lock file is never removed (a process waiting on the
    removed file would then hold a lock nobody else sees)."""
    target = output_dir.resolve()
    return target.parent / f".{target.name}.lock"


@dataclass(frozen=True)
class LockHolder:
    """Who holds an output's lock, as it wrote itself into the lock file (None where unknown)."""

    pid: int | None = None
    command: str | None = None  # "build" or "serve"
    since: str | None = None  # local time the lock was taken, HH:MM:SS


def waiting_message(output_dir: Path, holder: LockHolder) -> str:
    """What a process that waits for the lock tells its user (one whole sentence per case)."""
    if holder.command == "serve":
        return _("waiting: {path} is in use by `yearbook serve` (process {pid}, since {since}); "
                 "waiting until the preview stops (Ctrl-C to give up)", path=str(output_dir), pid=holder.pid, since=holder.since)
    if holder.command is not None:
        return _("waiting: another build of {path} is running (process {pid}, since {since}); "
                 "waiting for it to finish (Ctrl-C to give up)", path=str(output_dir), pid=holder.pid, since=holder.since)
    return _("waiting: {path} is in use by another yearbook process; waiting for it to finish (Ctrl-C to give up)",
             path=str(output_dir))


def busy_error(output_dir: Path, holder: LockHolder) -> OutputBusy:
    """The error of a process that would not wait for the lock (``--no-wait``)."""
    if holder.command == "serve":
        return OutputBusy(_("{path} is in use by `yearbook serve` (process {pid}, since {since}); nothing was written",
                            path=str(output_dir), pid=holder.pid, since=holder.since),
                          None, _("stop the preview (Ctrl-C in its terminal), leave out --no-wait to wait for it, "
                                  "or build into another folder with --output DIR"))
    if holder.command is not None:
        return OutputBusy(_("another build of {path} is running (process {pid}, since {since}); nothing was written",
                            path=str(output_dir), pid=holder.pid, since=holder.since),
                          None, _("run again when it has finished, or leave out --no-wait to wait for it"))
    return OutputBusy(_("{path} is in use by another yearbook process; nothing was written", path=str(output_dir)),
                      None, _("run again when it has finished, or leave out --no-wait to wait for it"))


class OutputLock:
    """The exclusive lock on an output (:func:`lock_output`), released by :meth:`release` or at the end
    of a ``with`` block, and by the system when every process that holds it has ended (a killed build
    never leaves its lock behind). Processes forked by the holder share it (they are part of its
    build); a child started with ``pass_fds=(lock.fd,)`` takes it over with :func:`inherit_lock`."""

    def __init__(self, output_dir: Path, fd: int, owner: bool = True):
        self.output_dir = output_dir.resolve()
        self.fd: int | None = fd
        self.owner = owner  # False: taken over from the parent (inherit_lock), which still holds it

    def covers(self, output_dir: Path) -> bool:
        return self.fd is not None and output_dir.resolve() == self.output_dir

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        if self.owner:
            try:
                os.ftruncate(fd, 0)  # nobody holds it now: no stale holder for the next waiting message
            except OSError:
                pass
        os.close(fd)  # the lock ends with the last descriptor of this open file (a forked worker may still hold one)

    def __enter__(self) -> "OutputLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def lock_output(output_dir: Path, command: str, wait: bool = True,
                on_wait: Callable[[LockHolder], None] | None = None) -> OutputLock:
    """Take the exclusive lock of ``output_dir`` for ``command`` ("build" or "serve"). When another
    process holds it: with ``wait``, call ``on_wait(holder)`` and block until it is free (Ctrl-C raises
    KeyboardInterrupt, having changed nothing); without, raise :class:`OutputBusy`."""
    path = lock_path(output_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                if not wait:
                    raise busy_error(output_dir, holder) from None
                if on_wait is not None:
                    on_wait(holder)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as exc:  # a file system without locks (some network mounts)
                raise OutputError(_("cannot lock {path}: {reason}", path=str(path), reason=exc.strerror or str(exc)), None,
                                  _("build into a folder on a local disk (--output DIR)")) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": command, "since": time.strftime("%H:%M:%S")}).encode() + b"\n", 0)
    except BaseException:
        os.close(fd)
        raise
    return OutputLock(output_dir, fd)


def inherit_lock(output_dir: Path, fd: int) -> OutputLock:
    """In a child process started by the lock's holder with ``pass_fds=(lock.fd,)`` (serve's background
    jobs): the lock it shares, checked to be the lock of ``output_dir`` and held through this descriptor.
    The child's writes are then part of its parent's build; if the parent dies first, the lock lasts
    until the child has finished, so no other build can start while it writes."""
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(lock_path(output_dir)))
    except OSError:
        same = False
    if not same:
        raise OutputError(_("descriptor {fd} is not the lock of {path}", fd=fd, path=str(output_dir)))
    if fcntl is not None:
        try:  # a no-op on the open file that holds the lock; fails if another one holds it
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputError(_("the lock of {path} is held by another process, not by this one's parent", path=str(output_dir))) from None
    os.set_inheritable(fd, False)
    return OutputLock(output_dir, fd, owner=False)


def _read_holder(fd: int) -> LockHolder:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return LockHolder(int(data["pid"]), str(data["command"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return LockHolder()  # the holder has not written itself yet


# The temporary files of stage_changed and replace_file: ".<name>.<pid>.tmp" beside the file they replace.
TEMPORARY = re.compile(r"^\..+\.\d+\.tmp$")


def remove_temporaries(output_dir: Path, lock: OutputLock) -> list[str]:
    """Remove the temporary files a killed process (``serve`` or its builder, killed with -9 during a
    rebuild) left inside the output; their output-relative paths. Only under the output's ``lock``:
    then no other process is writing them."""
    if not lock.covers(output_dir):
        raise RuntimeError(f"remove_temporaries({output_dir}) without the output's lock")
    target = output_dir.resolve()
    removed = []
    for root, _, names in os.walk(target):
        for name in names:
            if TEMPORARY.match(name):
                path = os.path.join(root, name)
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    continue
                removed.append(os.path.relpath(path, target).replace(os.sep, "/"))
    return sorted(removed)


def clean_stale(output_dir: Path, lock: OutputLock) -> None:
    """Tidy what an interrupted build left beside the output. If the build was killed between
    its two renames, the output is restored first: the new build if it was complete, else the old one.
    A build that carried a folder over (``commit_output(carry=…)``) and was killed after moving it
    out of the output is finished: its new output is complete but for putting its files in place.

    Only under the output's ``lock`` (:func:`lock_output`): a staging folder is a dead build's only when
    no other build can be running."""
    if not lock.covers(output_dir):
        raise RuntimeError(f"clean_stale({output_dir}) without the output's lock")
    target = output_dir.resolve()
    if not target.parent.is_dir():
        return
    leftovers = sorted(p for p in target.parent.glob(f".{target.name}-*") if p.is_dir())
    for carried in [p for p in leftovers if p.name.startswith(f".{target.name}-carry-") and (p / MARKER).is_file()]:
        moved = [d for d in carried.iterdir() if d.is_dir() and d.name != CARRIED_NEW and not (target / d.name).exists()]
        if target.exists() and moved:
            _finish_carry(carried)
            _swap(carried, target)
    new = [p for p in leftovers if p.name.startswith((f".{target.name}-new-", f".{target.name}-carry-"))
           and p.exists() and (p / MARKER).is_file()]
    old = [p for p in leftovers if p.name.startswith(f".{target.name}-old-")]
    if not target.exists() and (new or old):
        if new and new[-1].name.startswith(f".{target.name}-carry-"):
            _finish_carry(new[-1])
        os.rename((new or old)[-1], target)
    for path in leftovers:
        if path.exists() and path.name.startswith((f".{target.name}-new-", f".{target.name}-old-", f".{target.name}-carry-")):
            shutil.rmtree(path, ignore_errors=True)


def previous_files(output_dir: Path, subdir: str) -> list[RenderedFile]:
    """Files of the previous output under ``subdir``, carried over into the new output."""
    base = output_dir / subdir
    if not base.is_dir():
        return []
    return [RenderedFile(path.relative_to(output_dir).as_posix(), source=path)
            for path in sorted(base.rglob("*")) if path.is_file()]


def ensure_output_dir(output_dir: Path) -> None:
    """Create ``output/`` with yearbook's marker if it is not there (check_output_dir has vetted it)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    marker = output_dir / MARKER
    if not marker.is_file():
        marker.write_text("made by yearbook; this whole folder is replaced by each build\n", encoding="utf-8")


def write_changed(base: Path, files: list[RenderedFile]) -> list[str]:
    """Write the files whose bytes differ from what is on disk, each atomically; return their paths."""
    written = []
    for item in files:
        target = base / item.rel_path
        if item.source is not None:
            src = item.source.stat()
            try:
                dst = target.stat()
                if (dst.st_size, dst.st_mtime_ns) == (src.st_size, src.st_mtime_ns):
                    continue
            except FileNotFoundError:
                pass
            replace_file(target, lambda tmp: shutil.copy2(item.source, tmp))
        else:
            data = item.data or b""
            try:
                if target.stat().st_size == len(data) and target.read_bytes() == data:
                    continue
            except FileNotFoundError:
                pass
            replace_file(target, data)
        written.append(item.rel_path)
    return written


def stage_changed(base: Path, files: list[RenderedFile]) -> list[tuple[str, str]]:
    """The first half of writing ``files`` (made data, not copies) in place under ``base`` as one
    change: each whose bytes differ from the file on disk is written beside it under a temporary name
    of this process's; returns (rel_path, temporary path) of those. :func:`commit_staged` renames
    them over their targets; :func:`discard_staged` removes them (a failed rebuild writes nothing)."""
    prefix = str(base) + os.sep
    suffix = f".{os.getpid()}.tmp"
    staged: list[tuple[str, str]] = []
    base.mkdir(parents=True, exist_ok=True)
    folders: set[str] = {""}
    try:
        for item in files:
            if item.rel_path.startswith("/") or ".." in item.rel_path.split("/"):
                raise OutputError(_("refusing to write {path!r}: it is outside the output folder", path=item.rel_path))
            data = item.data or b""
            try:
                if os.stat(prefix + item.rel_path).st_size == len(data):
                    with open(prefix + item.rel_path, "rb") as current:
                        if current.read() == data:
                            continue
            except FileNotFoundError:
                pass
            folder, _slash, name = item.rel_path.rpartition("/")
            if folder not in folders:
                make_folders(prefix, {folder})
                folders.add(folder)
            tmp = f"{prefix}{folder}{'/' if folder else ''}.{name}{suffix}"
            write_bytes(tmp, data)
            staged.append((item.rel_path, tmp))
    except BaseException:
        discard_staged(staged)
        raise
    return staged


def commit_staged(base: Path, staged: list[tuple[str, str]]) -> list[str]:
    """Put the files :func:`stage_changed` wrote in place (one rename each); their rel_paths."""
    prefix = str(base) + os.sep
    done = 0
    try:
        for rel_path, tmp in staged:
            os.replace(tmp, prefix + rel_path)
            done += 1
    finally:
        discard_staged(staged[done:])  # after a failed rename: no temporary file left behind
    return [rel_path for rel_path, _ in staged]


def discard_staged(staged: list[tuple[str, str]]) -> None:
    for _, tmp in staged:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def remove_stale(base: Path, keep: set[str], keep_prefixes: tuple[str, ...]) -> list[str]:
    """Remove files under ``base`` that the build no longer produces (not those under ``keep_prefixes``)."""
    removed = []
    if not base.is_dir():
        return removed
    for root, dirs, names in os.walk(base, topdown=False):
        for name in names:
            path = Path(root) / name
            rel = path.relative_to(base).as_posix()
            if rel not in keep and not (keep_prefixes and rel.startswith(keep_prefixes)) and not name.endswith(".tmp"):
                path.unlink()
                removed.append(rel)
        if Path(root) != base and not any(Path(root).iterdir()):
            Path(root).rmdir()
    return sorted(removed)
