"""A build killed at any moment (SIGKILL, Ctrl-C) leaves the previous output whole, or, if the kill came
after the swap, the complete new output: never a mix, never nothing. The next build cleans up what the
killed one left beside the output.

These tests run ``python build.py`` in child processes on a generated tree of a few hundred articles, so
that a build lasts long enough to be killed in the middle."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import REPO, article_md, write_site

pytestmark = pytest.mark.slow  # builds of 900 generated articles, killed at chosen moments

ARTICLES = 900  # above PARALLEL_MIN_ARTICLES: pages written by two processes while they are made
BUILD = ["build", "--content", "content", "--output", "output", "--only", "html", "--quiet"]
PARAGRAPH = "科协组织专家深入企业调研，推动科技成果转化，服务地方经济社会发展。" * 8 + "\n\n"


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def generated_articles(count: int, edition: str) -> dict[str, str]:
    """``count`` valid articles whose titles carry ``edition`` (so two editions give different outputs)."""
    return {f"articles/gen/a{i:03d}.md": article_md(title=f"第{i}篇报道（{edition}）", body=PARAGRAPH * 6 + f"## 小节{i}\n\n" + PARAGRAPH)
            for i in range(count)}


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONIOENCODING"] = "utf-8"
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    return env


def start_build(root: Path, *args: str, script: str | None = None, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-c", script] if script else [sys.executable, str(REPO / "build.py")]
    return subprocess.Popen(command + list(args or BUILD), cwd=root, env=child_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as on a terminal, even if
                            **kwargs)  # this suite runs with SIGINT ignored (a background job), which children inherit


def run_build(root: Path, *args: str, script: str | None = None) -> subprocess.CompletedProcess:
    proc = start_build(root, *args, script=script)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    """A root whose ``output/`` is the build of the 'old' tree, whose content is now the 'new' tree, and
    the snapshots of both outputs (the new one built once elsewhere, for reference)."""
    root = tmp_path_factory.mktemp("interrupted")
    write_site(root, generated_articles(ARTICLES, "旧版"))
    result = run_build(root)
    assert result.returncode == 0, result.stderr
    old = snapshot(root / "output")
    shutil.copytree(root / "output", root.parent / f"{root.name}-old-output")
    write_site(root, generated_articles(ARTICLES, "新版"))
    result = run_build(root, *BUILD[:3], "--output", "reference", *BUILD[5:])
    assert result.returncode == 0, result.stderr
    new = snapshot(root / "reference")
    shutil.rmtree(root / "reference")
    assert old != new and ".yearbook-output" in new
    return root, old, new, root.parent / f"{root.name}-old-output"


def restore_old_output(root: Path, backup: Path) -> None:
    shutil.rmtree(root / "output", ignore_errors=True)
    for stale in root.glob(".output-*"):
        shutil.rmtree(stale)
    shutil.copytree(backup, root / "output")


def assert_whole(root: Path, old: dict, new: dict, moment: str) -> str:
    """The output is exactly the old one or exactly the new one; say which."""
    assert (root / "output").is_dir(), f"killed {moment}: the output folder is gone"
    now = snapshot(root / "output")
    if now == old:
        return "old"
    missing = sorted(set(new) - set(now))[:5]
    changed = sorted(k for k in set(new) & set(now) if new[k] != now[k])[:5]
    assert now == new, f"killed {moment}: the output is a mix (missing {missing}, changed {changed})"
    return "new"


def test_the_generated_build_takes_long_enough_to_be_interrupted(trees):
    root, old, new, backup = trees
    restore_old_output(root, backup)
    start = time.perf_counter()
    result = run_build(root)
    assert result.returncode == 0, result.stderr
    assert time.perf_counter() - start > 1.5  # else the kills below would mostly land after the end
    assert snapshot(root / "output") == new


@pytest.mark.parametrize("delay", [0.2, 0.6, 1.0, 1.4, 1.8, 2.4, 3.5])
def test_sigkill_at_any_moment_leaves_the_old_or_the_new_output_whole(delay, trees):
    root, old, new, backup = trees
    restore_old_output(root, backup)
    proc = start_build(root)
    time.sleep(delay)
    proc.kill()  # SIGKILL: no handler, no clean-up
    proc.communicate(timeout=60)

    assert_whole(root, old, new, f"after {delay}s")


def _killing_script(when: str) -> str:
    """A child that runs the CLI with ``yearbook.output`` patched to SIGKILL itself at ``when``:
    'before-swap', 'after-swap' (before the old output is removed), 'between-renames' (the fallback swap
    of systems without an atomic exchange, killed after moving the old output away)."""
    return textwrap.dedent(f"""
        import os, signal, sys
        from yearbook import cli
        from yearbook import output

        when = {when!r}
        def die():
            os.kill(os.getpid(), signal.SIGKILL)

        real_swap = output._swap
        def swap(staging, target):
            if when == "before-swap":
                die()
            if when == "between-renames":
                output._exchange = lambda a, b: False
                real_rename = os.rename
                def rename(src, dst):
                    real_rename(src, dst)
                    if str(src) == str(target):
                        die()
                output.os.rename = rename
            if when == "after-swap":
                output.shutil.rmtree = lambda *a, **k: die()
            real_swap(staging, target)
        output._swap = swap
        sys.exit(cli.main(sys.argv[1:]))
    """)


@pytest.mark.parametrize("when, expected", [("before-swap", "old"), ("after-swap", "new")])
def test_sigkill_around_the_swap_leaves_a_whole_output(when, expected, trees):
    root, old, new, backup = trees
    restore_old_output(root, backup)

    result = run_build(root, script=_killing_script(when))

    assert result.returncode == -signal.SIGKILL
    assert assert_whole(root, old, new, when) == expected
    assert list(root.glob(".output-*")), "the killed build should have left its staging folder"


def test_the_next_build_cleans_up_after_a_killed_one(trees):
    root, old, new, backup = trees
    restore_old_output(root, backup)
    assert run_build(root, script=_killing_script("before-swap")).returncode == -signal.SIGKILL
    assert run_build(root, script=_killing_script("after-swap")).returncode == -signal.SIGKILL
    assert list(root.glob(".output-*"))  # the second killed build tidied the first one's, then left its own

    result = run_build(root)

    assert result.returncode == 0, result.stderr
    assert snapshot(root / "output") == new
    assert list(root.glob(".output-*")) == []


def test_a_kill_between_the_two_renames_of_the_fallback_swap_is_repaired_by_the_next_build(trees):
    from yearbook.output import clean_stale, lock_output

    root, old, new, backup = trees
    restore_old_output(root, backup)
    assert run_build(root, script=_killing_script("between-renames")).returncode == -signal.SIGKILL

    with lock_output(root / "output", "build") as lock:
        clean_stale(root / "output", lock)  # what the next build does first

    assert snapshot(root / "output") == new  # the staging folder was complete: it is put in place
    assert list(root.glob(".output-*")) == []


@pytest.mark.parametrize("delay", [0.8, 1.6])
def test_ctrl_c_exits_130_with_a_message_and_leaves_the_output(delay, trees):
    root, old, new, backup = trees
    restore_old_output(root, backup)
    proc = start_build(root, start_new_session=True)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
    out, err = proc.communicate(timeout=120)

    if proc.returncode == 0:  # the build was already done
        assert snapshot(root / "output") == new
        return
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "interrupted; the previous output is unchanged." in err
    assert snapshot(root / "output") == old
    assert list(root.glob(".output-*")) == []


def test_ctrl_c_while_articles_are_read_in_parallel(tmp_path):
    from yearbook.content.collect import PARALLEL_MIN_FILES

    write_site(tmp_path, generated_articles(PARALLEL_MIN_FILES + 50, "旧版"))
    assert run_build(tmp_path).returncode == 0
    old = snapshot(tmp_path / "output")
    write_site(tmp_path, generated_articles(PARALLEL_MIN_FILES + 50, "新版"))
    proc = start_build(tmp_path, start_new_session=True)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode in (0, 130), err
    assert "Traceback" not in err
    if proc.returncode == 130:
        assert "interrupted; the previous output is unchanged." in err
        assert snapshot(tmp_path / "output") == old


def _ctrl_c_script(when: str) -> str:
    """A child that runs the CLI and gets a Ctrl-C (SIGINT to itself) ``when``: 'before-swap' (the new
    output written, not yet in place) or 'after-swap' (in place, the old one not yet removed)."""
    return textwrap.dedent(f"""
        import os, signal, sys
        from yearbook import cli
        from yearbook import output

        when = {when!r}
        def ctrl_c():
            os.kill(os.getpid(), signal.SIGINT)

        if when == "before-swap":
            real_write = output.write_files
            def write_files(*args, **kwargs):
                real_write(*args, **kwargs)
                ctrl_c()
            output.write_files = write_files
        else:
            real_exchange = output._exchange
            def exchange(a, b):
                done = real_exchange(a, b)
                ctrl_c()
                return done
            output._exchange = exchange
        sys.exit(cli.main(sys.argv[1:]))
    """)


@pytest.mark.parametrize("when, code, expected", [("before-swap", 130, "old"), ("after-swap", 0, "new")])
def test_ctrl_c_just_before_or_after_the_swap_says_what_the_output_is(when, code, expected, trees):
    root, old, new, backup = trees
    restore_old_output(root, backup)

    result = run_build(root, script=_ctrl_c_script(when))

    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert assert_whole(root, old, new, when) == expected
    if expected == "old":
        assert "the previous output is unchanged" in result.stderr
    else:
        assert "is complete" in result.stderr
    assert list(root.glob(".output-*")) == []
