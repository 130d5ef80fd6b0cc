"""``--only pdf`` keeps the previous site by moving its folder into the new output (one rename, not
thousands of links), with the site's ``downloads/`` replaced by the new PDFs. A build killed at any
moment of that still leaves a whole output: the old one before the move, the new one after it (the
next build finishes what the killed one started)."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO
from yearbook.output import MARKER, clean_stale, commit_output, lock_output
from yearbook.site.render import RenderedFile

OLD = [RenderedFile("pdf/old-name.pdf", b"%PDF old"), RenderedFile("site/index.html", b"<p>home</p>"),
       RenderedFile("site/a/b/page.html", b"<p>deep</p>"), RenderedFile("site/downloads/old-name.pdf", b"%PDF old")]
NEW = [RenderedFile("pdf/new-name.pdf", b"%PDF new"), RenderedFile("site/downloads/new-name.pdf", b"%PDF new")]
OLD_TREE = {f.rel_path: f.data for f in OLD} | {MARKER: None}
NEW_TREE = {"pdf/new-name.pdf": b"%PDF new", "site/index.html": b"<p>home</p>", "site/a/b/page.html": b"<p>deep</p>",
            "site/downloads/new-name.pdf": b"%PDF new", MARKER: None}


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file under ``root`` and its bytes (the marker's text does not matter)."""
    return {p.relative_to(root).as_posix(): (None if p.name == MARKER else p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_previous_site_is_kept_and_its_downloads_are_the_new_pdfs(tmp_path):
    output = tmp_path / "output"
    commit_output(output, OLD)
    page = (output / "site" / "a" / "b" / "page.html").stat()

    commit_output(output, NEW, carry="site")

    assert tree(output) == NEW_TREE  # old-name.pdf is gone from pdf/ and from the site's downloads
    moved = (output / "site" / "a" / "b" / "page.html").stat()
    assert (moved.st_ino, moved.st_dev) == (page.st_ino, page.st_dev)  # the same file, not a copy
    assert [p.name for p in tmp_path.iterdir()] == ["output"]


def test_without_a_previous_site_only_the_new_files_are_written(tmp_path):
    output = tmp_path / "output"
    commit_output(output, [RenderedFile("pdf/old-name.pdf", b"%PDF old")])

    commit_output(output, NEW, carry="site")

    assert tree(output) == {"pdf/new-name.pdf": b"%PDF new", "site/downloads/new-name.pdf": b"%PDF new", MARKER: None}


def _killing_script(root: Path, when: str) -> str:
    """A child that commits NEW over OLD in ``root/output`` and SIGKILLs itself at ``when``."""
    return textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from yearbook import output
        from yearbook.site.render import RenderedFile

        def die(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)

        when = {when!r}
        real_rename, real_replace = os.rename, os.replace
        if when == "before-move":
            output.os.rename = lambda src, dst: die() if str(src).endswith("site") else real_rename(src, dst)
        elif when == "after-move":
            output._finish_carry = die
        elif when == "while-replacing":  # the old downloads/ removed, the new one not yet in place
            output.os.replace = die
        elif when == "after-swap":  # the old output (without its site) not yet removed
            real_exchange = output._exchange
            output._exchange = lambda a, b: (real_exchange(a, b), die())
        new = [RenderedFile(path, data.encode("latin-1")) for path, data in {[(f.rel_path, f.data.decode("latin-1")) for f in NEW]!r}]
        output.commit_output(Path({str(root / "output")!r}), new, carry="site")
    """)


@pytest.mark.parametrize("when, expected", [("before-move", "old"), ("after-move", "new"),
                                            ("while-replacing", "new"), ("after-swap", "new")])
def test_a_build_killed_while_carrying_the_site_leaves_a_whole_output(when, expected, tmp_path):
    output = tmp_path / "output"
    commit_output(output, OLD)
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))

    result = subprocess.run([sys.executable, "-c", _killing_script(tmp_path, when)], env=env, timeout=60)
    assert result.returncode == -signal.SIGKILL
    assert [p.name for p in tmp_path.iterdir() if p.name != "output"], "the killed build should have left its folder"

    with lock_output(output, "build") as lock:
        clean_stale(output, lock)  # what the next build does first

    assert tree(output) == (OLD_TREE if expected == "old" else NEW_TREE)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".output.lock", "output"]


@pytest.mark.slow
def test_only_pdf_after_a_full_build_keeps_every_page_of_the_site(make_site, run_cli, tmp_path):
    content = make_site()
    assert run_cli("build", "--only", "html")[0] == 0
    site = tree(tmp_path / "output" / "site")

    code, out, err = run_cli("build", "--only", "pdf")

    assert code == 0, err
    after = tree(tmp_path / "output" / "site")
    pdfs = {p.name: p.read_bytes() for p in (tmp_path / "output" / "pdf").glob("*.pdf")}
    assert pdfs
    downloads = {name: data for name, data in after.items() if name.startswith("downloads/")}
    assert downloads == {f"downloads/{name}": data for name, data in pdfs.items()}  # every volume, screen edition
    assert {k: v for k, v in after.items() if k not in downloads} == {k: v for k, v in site.items() if not k.startswith("downloads/")}
    assert "previous site" in out
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".output-")) in ([], [".output-cache"])
