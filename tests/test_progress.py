"""progress.py: a progress line on a terminal's stderr, nothing in CI or in a pipe."""
from __future__ import annotations

import io

from yearbook.progress import Progress, progress_enabled


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_only_on_a_terminal_outside_ci():
    assert progress_enabled(Terminal(), environ={})
    assert not progress_enabled(Terminal(), environ={"CI": "true"})
    assert not progress_enabled(io.StringIO(), environ={})
    assert progress_enabled(Terminal(), environ={"CI": "false"})


def test_the_line_names_the_stage_and_the_count_then_is_cleared():
    stream = Terminal()
    progress = Progress(stream, enabled=True)
    progress.stage("HTML pages", 3)
    for _ in range(3):
        progress.advance()
    shown = stream.getvalue()
    assert "HTML pages: 0/3 (0%)" in shown and "HTML pages: 3/3 (100%)" in shown
    progress.done()
    assert stream.getvalue().endswith("\r")


def test_a_build_in_a_pipe_prints_no_progress(make_site, run_cli):
    make_site()
    code, out, err = run_cli("build", "--content", "content", "--output", "output", "--only", "html", subprocess=True)
    assert code == 0, err
    assert "\r" not in err and "HTML pages" not in err
