"""Two editors building the same output at once: one build at a time (output.lock_output). The second
build waits for the first and says so, or with --no-wait stops at once (exit 2); a Ctrl-C while it
waits changes nothing; serve holds the lock for its whole life, shared with its background jobs.

The builds run as real processes (``python build.py``) on a generated tree of 250 articles: above the
size at which pages are written by two processes, and long enough for the moments below to be hit."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, article_md, write_site

ARTICLES = 250
BUILD = ["build", "--content", "content", "--output", "output", "--only", "html", "--quiet"]
PARAGRAPH = "科协组织专家深入企业调研，推动科技成果转化，服务地方经济社会发展。" * 6 + "\n\n"
WAITING = "waiting: "


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def default_ctrl_c() -> None:
    """In a child, before it runs: Ctrl-C as on a terminal, even if this suite was started with SIGINT
    ignored (a shell's background job), which children would inherit (and Python then keeps ignoring it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def child_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                PYTHONIOENCODING="utf-8", SOURCE_DATE_EPOCH="1700000000")


class Build:
    """A ``python build.py`` (or ``python -c script``) child whose stderr is read as it comes."""

    def __init__(self, root: Path, args: list[str] = BUILD, script: str | None = None, **popen):
        command = [sys.executable, "-c", script] if script else [sys.executable, str(REPO / "build.py")]
        self.proc = subprocess.Popen(command + args, cwd=root, env=child_env(), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, encoding="utf-8", preexec_fn=default_ctrl_c, **popen)
        self.lines: list[str] = []
        self.waiting = threading.Event()
        self.out = ""
        self._readers = [threading.Thread(target=self._read_err, daemon=True),
                         threading.Thread(target=self._read_out, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read_err(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)
            if line.startswith(WAITING):
                self.waiting.set()

    def _read_out(self) -> None:
        self.out = self.proc.stdout.read()

    @property
    def err(self) -> str:
        return "".join(self.lines)

    def wait_until_waiting_or_done(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not self.waiting.is_set() and self.proc.poll() is None and time.monotonic() < deadline:
            self.waiting.wait(0.05)

    def finish(self, timeout: float = 300) -> int:
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        for reader in self._readers:
            reader.join(10)
        return code


def stopped(pid: int) -> bool:
    """The process is stopped (SIGSTOP): its state in /proc is T."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("T", "t")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A content tree of ARTICLES articles and the snapshot of its clean build (built elsewhere)."""
    root = tmp_path_factory.mktemp("concurrent")
    write_site(root, {f"articles/gen/a{i:03d}.md": article_md(title=f"第{i}篇报道", body=PARAGRAPH * 4 + f"## 小节{i}\n\n" + PARAGRAPH)
                      for i in range(ARTICLES)})
    build = Build(root, [*BUILD[:3], "--output", "reference", *BUILD[5:]])
    assert build.finish() == 0, build.err
    clean = snapshot(root / "reference")
    shutil.rmtree(root / "reference")
    assert sum(1 for name in clean if name.startswith("site/articles/")) == ARTICLES + 3  # the base tree's three too
    return root, clean


def fresh(root: Path) -> None:
    """No output yet, nothing beside it."""
    for path in [root / "output", *root.glob(".output-*")]:
        if path.exists():
            shutil.rmtree(path)


def assert_complete(root: Path, clean: dict[str, str], what: str) -> None:
    now = snapshot(root / "output")
    missing = sorted(set(clean) - set(now))
    changed = sorted(k for k in set(clean) & set(now) if clean[k] != now[k])
    articles = sum(1 for name in now if name.startswith("site/articles/"))
    assert now == clean, f"{what}: {articles} article files of {ARTICLES + 3}; missing {missing[:5]}, changed {changed[:5]}"
    assert [p.name for p in root.glob(".output-*") if p.name != ".output-cache"] == [], f"{what}: a staging folder was left"


# a build that stops itself (SIGSTOP) once its new output is written into the staging folder and it is
# about to commit it: the moment a second build used to remove that folder from under it
PAUSED_BEFORE_COMMIT = textwrap.dedent("""
    import os, signal, sys
    from yearbook import cli, output

    real_write_files = output.write_files
    def write_files(*args, **kwargs):  # called first by commit_output
        os.kill(os.getpid(), signal.SIGSTOP)
        return real_write_files(*args, **kwargs)
    output.write_files = write_files
    sys.exit(cli.main(sys.argv[1:]))
""")


def test_a_build_paused_before_its_commit_is_waited_for_and_the_output_is_complete(tree):
    root, clean = tree
    fresh(root)
    first = Build(root, script=PAUSED_BEFORE_COMMIT)
    deadline = time.monotonic() + 120
    while not stopped(first.proc.pid):
        assert first.proc.poll() is None and time.monotonic() < deadline, first.err
        time.sleep(0.05)
    assert [p for p in root.glob(".output-new-*")], "the paused build should be holding its staging folder"

    second = Build(root)
    second.wait_until_waiting_or_done()
    time.sleep(0.5)
    still_waiting = second.proc.poll() is None
    os.kill(first.proc.pid, signal.SIGCONT)

    assert first.finish() == 0, first.err
    assert second.finish() == 0, second.err
    assert "internal error" not in first.err + second.err
    assert_complete(root, clean, "after the paused build was resumed")
    assert still_waiting and second.waiting.is_set(), f"the second build did not wait:\n{second.err}"
    assert f"another build of output is running (process {first.proc.pid}, since " in second.err


@pytest.mark.slow
def test_two_builds_started_together_never_fail_and_leave_a_complete_output(tree):
    root, clean = tree
    waited = 0
    for run in range(8):
        if run % 2:
            fresh(root)  # every other run with an output from before, the others with none
        builds = [Build(root), Build(root)]
        codes = [build.finish() for build in builds]
        errors = [build.err for build in builds]
        assert codes == [0, 0], f"run {run}: {errors}"
        assert not any("internal error" in err or "Traceback" in err for err in errors), f"run {run}: {errors}"
        assert_complete(root, clean, f"run {run}")
        waited += sum(build.waiting.is_set() for build in builds)
    assert waited >= 4, f"the builds overlapped only {waited} times in 8 runs: the test tests nothing"


def test_no_wait_stops_at_once_with_exit_2_and_writes_nothing(tree):
    from yearbook.output import lock_output

    root, clean = tree
    fresh(root)
    assert Build(root).finish() == 0
    before = snapshot(root / "output")
    with lock_output(root / "output", "build"):
        build = Build(root, [*BUILD, "--no-wait"])
        code = build.finish()
    assert code == 2, build.err
    assert f"another build of output is running (process {os.getpid()}, since " in build.err
    assert "nothing was written" in build.err and "hint: " in build.err
    assert not build.waiting.is_set()
    assert snapshot(root / "output") == before


def test_ctrl_c_while_waiting_exits_130_and_changes_nothing(tree):
    from yearbook.output import lock_output

    root, clean = tree
    fresh(root)
    assert Build(root).finish() == 0
    before = snapshot(root / "output")
    beside = sorted(p.name for p in root.iterdir())
    with lock_output(root / "output", "build"):
        build = Build(root, start_new_session=True)
        build.wait_until_waiting_or_done()
        assert build.waiting.is_set(), build.err
        os.killpg(build.proc.pid, signal.SIGINT)  # as a terminal does
        code = build.finish()
    assert code == 130, build.err
    assert "interrupted; the previous output is unchanged." in build.err and "Traceback" not in build.err
    assert snapshot(root / "output") == before
    assert sorted(p.name for p in root.iterdir()) == beside


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_build_waits_while_serve_runs_on_the_same_output(make_site, tmp_path):
    make_site()
    port = free_port()
    serve = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--content", "content", "--output", "output",
                              "--port", str(port), "--pdf-delay", "0"], cwd=tmp_path, env=child_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_ctrl_c)
    watchdog = threading.Timer(600, serve.kill)  # never hang the suite on a server that does not start
    watchdog.start()
    try:
        line = serve.stdout.readline()
        while line and "serving" not in line:
            line = serve.stdout.readline()
        assert "serving" in line, serve.stderr.read()
        build = Build(tmp_path, BUILD[:-1])
        build.wait_until_waiting_or_done()
        time.sleep(0.5)
        assert build.proc.poll() is None, f"the build ran while serve was running:\n{build.err}"
        assert f"output is in use by `yearbook serve` (process {serve.pid}, since " in build.err
        assert "waiting until the preview stops" in build.err
        serve.send_signal(signal.SIGINT)
        assert serve.wait(120) == 0
        assert build.finish() == 0, build.err
    finally:
        watchdog.cancel()
        if serve.poll() is None:
            serve.kill()
    assert "built 3 articles" in build.out
    assert (tmp_path / "output/site/articles/huaian-kexie-2021/index.html").is_file()


def test_serves_background_job_writes_under_serves_lock_and_waits_for_it_when_run_alone(make_site, tmp_path):
    """The search-index child (serve/background.py) with serve's lock descriptor runs while serve holds
    the lock; run by hand, it waits for the lock like a build."""
    from yearbook.output import lock_output

    content = make_site()
    assert Build(tmp_path, BUILD).finish() == 0
    job = [sys.executable, "-m", "yearbook.serve.background", "search", str(content), str(tmp_path / "output")]
    with lock_output(tmp_path / "output", "serve") as lock:
        shared = subprocess.run([*job, str(lock.fd)], pass_fds=(lock.fd,), cwd=tmp_path, env=child_env(),
                                capture_output=True, text=True, timeout=300)
        assert shared.returncode == 0 and '"ok": true' in shared.stdout, shared.stdout + shared.stderr
        alone = subprocess.Popen(job, cwd=tmp_path, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        assert alone.poll() is None, "the job ran beside a process holding the lock"
        wrong = subprocess.run([*job, "0"], cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=300)
        assert wrong.returncode == 1 and "is not the lock of" in wrong.stdout
    out, err = alone.communicate(timeout=300)
    assert alone.returncode == 0 and '"ok": true' in out, out + err
