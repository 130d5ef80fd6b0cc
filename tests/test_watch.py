"""watch.py: file events → one debounced batch → one rebuild; editor scratch files and the output are
ignored; a failing rebuild never stops the loop."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from yearbook.serve.watch import ChangeBatcher, Watcher, is_ignored


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_events_is_one_batch_once_the_tree_is_quiet():
    clock = FakeClock()
    batcher = ChangeBatcher(quiet=0.05, max_wait=1.0, clock=clock)
    batcher.add(Path("a.md"))
    clock.now += 0.01
    batcher.add(Path("a.md"))
    batcher.add(Path("b.md"))
    assert batcher.wait_batch(timeout=0) is None  # not quiet yet: nothing handed out
    clock.now += 0.06
    assert batcher.wait_batch(timeout=0) == {Path("a.md"), Path("b.md")}
    assert not batcher.pending


def test_a_batch_is_handed_out_after_max_wait_even_if_events_keep_coming():
    clock = FakeClock()
    batcher = ChangeBatcher(quiet=0.05, max_wait=0.2, clock=clock)
    for _ in range(10):
        batcher.add(Path("a.md"))
        clock.now += 0.03  # never quiet for 0.05 s
    assert batcher.wait_batch(timeout=0) == {Path("a.md")}


def test_scratch_files_hidden_files_and_the_output_are_ignored(tmp_path):
    output = tmp_path / "output"
    for name in ("a.md.swp", ".#a.md", "a.md~", "4913", ".hidden.md", "x.tmp"):
        assert is_ignored(tmp_path / "content" / name), name
    assert is_ignored(output / "site" / "index.html", [output])
    assert not is_ignored(tmp_path / "content" / "articles" / "a.md", [output])


def test_the_watcher_rebuilds_once_per_save_and_survives_a_failing_rebuild(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    batches: list[set[Path]] = []
    done = threading.Event()

    def on_change(paths: set[Path]) -> None:
        batches.append(paths)
        done.set()
        if len(batches) == 1:
            raise RuntimeError("a bug in a rebuild")  # the loop must go on

    watcher = Watcher([content], on_change, ignored_dirs=[tmp_path / "output"])
    watcher.start()
    try:
        time.sleep(0.2)
        for _ in range(5):  # an editor's save: several events in a few milliseconds
            (content / "a.md").write_text("x", encoding="utf-8")
        assert done.wait(5)
        time.sleep(0.3)
        assert len(batches) == 1 and content / "a.md" in {p.resolve() for p in batches[0]}
        done.clear()
        (content / "b.md").write_text("y", encoding="utf-8")
        assert done.wait(5), "the loop stopped after the failing rebuild"
        assert any(p.name == "b.md" for p in batches[1])
    finally:
        watcher.stop()
