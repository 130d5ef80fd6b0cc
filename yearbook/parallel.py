"""Using every core for large builds: how many workers, which start method, and one job run in a
forked process beside the main one. Small trees stay serial (starting a process costs more than it
saves below :data:`PARALLEL_MIN_ARTICLES`)."""
from __future__ import annotations

import multiprocessing
import os
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


_background_job: Callable | None = None


def _run_background_job():
    return _background_job()


@contextmanager
def in_forked_process(job: Callable) -> Iterator[Future | None]:
    """Run ``job()`` (which may use anything this process holds: it is not pickled) in a forked
    process; yields its Future, or None where forking is not safe (the caller then runs it itself)."""
    global _background_job
    if start_method() != "fork" or worker_count() < 2:
        yield None
        return
    _background_job = job
    pool = ProcessPoolExecutor(1, multiprocessing.get_context("fork"))
    try:
        yield pool.submit(_run_background_job)  # forks now, with _background_job set
    finally:
        pool.shutdown(cancel_futures=True)
        _background_job = None
