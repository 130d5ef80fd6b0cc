"""The PDF needs a CJK font: without one the build stops and says how to install it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="needs fontconfig's fc-list")
def test_build_without_a_cjk_font_stops_with_install_advice_and_keeps_output(tmp_path):
    (tmp_path / "fonts").mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(EMPTY_FONTCONFIG.format(fonts=tmp_path / "fonts", cache=tmp_path / "cache"), encoding="utf-8")
    out = tmp_path / "output"
    out.mkdir()
    (out / ".yearbook-output").write_text("previous build\n", encoding="utf-8")
    (out / "keep.txt").write_text("from the previous build", encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    result = subprocess.run([sys.executable, "build.py", "build", "--only", "pdf", "--output", str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "fonts-noto-cjk" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "keep.txt").read_text(encoding="utf-8") == "from the previous build"
