"""``--output`` never names a folder whose replacement would destroy someone's files (the theme folder
here; the root, the home and the content folders are in test_output.py), and a YAML alias bomb is
refused fast and in little memory."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("output", ["themes/mine", "themes/mine/static", "themes", "."])
def test_output_in_or_over_the_theme_folder_is_refused(output, make_site, build_html, tmp_path):
    shutil.copytree(REPO / "themes/default", tmp_path / "themes/mine")
    make_site(theme="mine")
    before = snapshot(tmp_path / "themes")

    code, _, err = build_html("--output", output)

    assert code == 1
    assert "refusing" in err
    assert snapshot(tmp_path / "themes") == before


def test_output_that_is_a_file_is_refused(make_site, build_html, tmp_path):
    make_site()
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")

    code, _, err = build_html("--output", "notes.txt")

    assert code == 1
    assert "not a directory" in err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


BILLION_LAUGHS = "\n".join(
    ['lol0: &lol0 "lol"'] + [f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * 10) + "]" for i in range(1, 10)])


def test_a_yaml_alias_bomb_is_refused_fast_and_in_little_memory(tmp_path):
    """The classic billion-laughs document (10⁹ strings if expanded) in an article and in regions.yml,
    checked in a child process whose address space is capped at 1 GB (expanded, it would need far more):
    refused at its first anchor, with no expansion (the CPU time of the whole check is a few seconds; a
    timed assertion on a loaded machine proves nothing, so the bound is generous)."""
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    (content / "yearbook.yml").write_text("title: 年鉴\n", encoding="utf-8")
    (content / "regions.yml").write_text(BILLION_LAUGHS + "\n", encoding="utf-8")
    (content / "articles/bomb.md").write_text(
        "---\ntitle: 炸弹\norganization: 某科协\nregion: 淮安市\ndate: 2021\ntopics: [x]\n" + BILLION_LAUGHS + "\n---\n正文\n",
        encoding="utf-8")
    script = textwrap.dedent("""
        import resource, sys, time
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from yearbook import cli
        start = time.process_time()
        code = cli.main(["check", "--content", "content"])
        print(f"seconds={time.process_time() - start:.3f}", file=sys.stderr)
        sys.exit(code)
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), PYTHONIOENCODING="utf-8")

    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=60)

    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "content/regions.yml:1: YAML anchors and aliases (& and *) are not allowed here" in proc.stderr
    assert "content/articles/bomb.md:7: YAML anchors and aliases (& and *) are not allowed here" in proc.stderr
    seconds = float(proc.stderr.rsplit("seconds=", 1)[1].split()[0])
    assert seconds < 20.0  # CPU seconds: expanding 10⁹ strings would take minutes
