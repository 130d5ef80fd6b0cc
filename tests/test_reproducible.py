"""Two builds of the same content give byte-identical output, HTML and PDF alike: dates come from the
content or SOURCE_DATE_EPOCH, never from the clock, and nothing is random (IDs, set order under
another hash seed). Archives and caches rely on it."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, write_site

pytestmark = [pytest.mark.slow,  # two whole builds, PDF included
              pytest.mark.skipif(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip() == "",
                                 reason="needs a CJK font for the PDF")]


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def build(root: Path, output: str, epoch: str | None, seed: str) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONHASHSEED"] = seed  # another set and dict order of strings in each build
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--output", output, "--quiet"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(set(a) ^ set(b)) + sorted(k for k in set(a) & set(b) if a[k] != b[k])


@pytest.mark.parametrize("epoch", ["1700000000", None], ids=["SOURCE_DATE_EPOCH", "no-epoch"])
def test_two_builds_of_the_same_content_are_byte_identical(epoch, tmp_path):
    write_site(tmp_path)

    build(tmp_path, "first", epoch, seed="1")
    time.sleep(1.1)  # a clock read anywhere would now differ by a second
    build(tmp_path, "second", epoch, seed="2")

    first, second = snapshot(tmp_path / "first"), snapshot(tmp_path / "second")
    assert any(name.endswith(".pdf") for name in first), "the build made no PDF"
    assert any(name.endswith(".html") for name in first)
    assert differences(first, second) == []
