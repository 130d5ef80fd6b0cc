"""Using every core for large builds: how many workers, which start method, and one job run in a
forked process beside the main one. Small trees stay serial (starting a process costs more than it
saves below :data:`PARALLEL_MIN_ARTICLES`)."""
from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import sys
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator

PARALLEL_MIN_ARTICLES = 200


def worker_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def start_method() -> str:
    """``fork`` shares the loaded model with workers at no cost, but is safe only while this is the
    process's one thread (a lock held by another thread would stay locked in the child): else ``spawn``."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def ignore_ctrl_c() -> None:
    """In a worker process: leave Ctrl-C to the build's own process, which stops the workers (a
    worker interrupted in its idle loop would print a traceback); and end with that process however
    it ends (:func:`die_with_parent`)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()


def die_with_parent() -> None:
    """In a worker process on Linux: be killed when the process that started it dies, even by SIGKILL
    (``prctl(PR_SET_PDEATHSIG)``). Forked workers hold copies of each other's pipe ends, so a worker
    of a killed build would otherwise wait for work forever, keeping the build's stdout and stderr open."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    pr_set_pdeathsig = 1
    prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


_state: object = None  # in a worker process only: what its pool was started with (WorkerPool)


def _adopt(state: object) -> None:
    """A worker's start: keep the pool's state (in this process only) and leave Ctrl-C to the parent."""
    global _state
    ignore_ctrl_c()
    _state = state


def _call(function: Callable, argument: object) -> object:
    return function(_state, argument)


class WorkerPool:
    """Worker processes that share one ``state`` object, handed to each worker once when it starts:
    forked workers inherit it at no cost (nothing is pickled, so it may hold anything); spawned ones
    get a pickled copy. ``submit(function, argument)`` runs ``function(state, argument)`` in a worker;
    ``function`` must be a module-level function and ``argument`` picklable. The state lives only in
    the workers (this module keeps it there); the process that made the pool keeps its own objects."""

    def __init__(self, workers: int, state: object, method: str | None = None):
        context = multiprocessing.get_context(method or start_method())
        self.executor = ProcessPoolExecutor(workers, context, initializer=_adopt, initargs=(state,))

    def submit(self, function: Callable, argument: object) -> Future:
        return self.executor.submit(_call, function, argument)

    def map(self, function: Callable, arguments, chunksize: int = 1):
        return self.executor.map(_call, itertools.repeat(function), arguments, chunksize=chunksize)

    def shutdown(self, cancel_futures: bool = False) -> None:
        self.executor.shutdown(cancel_futures=cancel_futures)

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


def _run_job(job: Callable, _argument: object) -> object:
    return job()


@contextmanager
def in_forked_process(job: Callable) -> Iterator[Future | None]:
    """Run ``job()`` (which may use anything this process holds: it is not pickled) in a forked
    process; yields its Future, or None where forking is not safe (the caller then runs it itself)."""
    if start_method() != "fork" or worker_count() < 2:
        yield None
        return
    with frozen_heap():
        pool = WorkerPool(1, job, "fork")
        try:
            yield pool.submit(_run_job, None)  # the worker forks now, holding the job
        finally:
            pool.shutdown(cancel_futures=True)


@contextmanager
def forked_call(job: Callable) -> Iterator[Callable[[], object] | None]:
    """Run ``job()`` (which may use anything this process holds: it is not pickled) in a forked process
    while this one goes on; yields a function that waits for its result (re-raising its failure as
    :class:`ForkedCallFailed`), or None where forking is not safe (the caller then runs it itself).
    Unlike :func:`in_forked_process` it starts no thread here, so what this process forks next may
    still fork. A child still running when the block ends (an error, Ctrl-C) is ended."""
    if start_method() != "fork" or worker_count() < 2:
        yield None
        return
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_run_forked_call, args=(job, send), daemon=True)
    with frozen_heap():
        process.start()
    send.close()

    def result():
        try:
            ok, value = receive.recv()
        except (EOFError, OSError):
            ok, value = False, f"the process ended with status {process.join() or process.exitcode}"
        if not ok:
            raise ForkedCallFailed(value)
        return value

    try:
        yield result
    finally:
        receive.close()
        if process.is_alive():
            process.terminate()
        process.join()


class ForkedCallFailed(Exception):
    """The job of :func:`forked_call` raised (its type and message) or its process died."""


def _run_forked_call(job: Callable, send) -> None:
    ignore_ctrl_c()
    try:
        outcome = (True, job())
    except BaseException as exc:  # reported to the parent, which runs the job itself to show it
        outcome = (False, f"{type(exc).__name__}: {exc}")
    try:
        send.send(outcome)
    except (BrokenPipeError, OSError):
        pass


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Around a fork: the objects that exist now are moved out of the garbage collector's reach
    (``gc.freeze``) until the block ends. A collection writes to every object it scans, and after a
    fork each page written is copied, in the child and in the parent: without this, the model the two
    processes share is soon held twice."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class TwoEndedRange:
    """The numbers 0 … ``total`` − 1 handed out in chunks to two processes (made before the fork): one
    takes from the front, the other from the back, until they meet. Each ends with one run of numbers
    (front: 0 … m − 1, back: m … total − 1), so whatever each made of its chunks joins in order, and
    neither waits while there is work: the share of each follows how much else it had to do."""

    def __init__(self, total: int, chunk: int):
        self.total, self.chunk = total, chunk
        self._ends = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None).Array("q", [0, total])

    def take(self, from_front: bool) -> range | None:
        with self._ends.get_lock():
            front, back = self._ends[0], self._ends[1]
            if front >= back:
                return None
            if from_front:
                self._ends[0] = min(front + self.chunk, back)
                return range(front, self._ends[0])
            self._ends[1] = max(back - self.chunk, front)
            return range(self._ends[1], back)

    def work(self, job: Callable[[range], object], from_front: bool) -> list[tuple[range, object]]:
        """``job(chunk)`` for every chunk this end takes, in increasing order of the numbers."""
        done = []
        while (chunk := self.take(from_front)) is not None:
            done.append((chunk, job(chunk)))
        return done if from_front else done[::-1]
