"""The output directory: replaced whole by a good build, untouched by a failed one, and never a
folder yearbook did not make."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from yearbook import pipeline


def snapshot(root: Path) -> dict[str, str]:
    """Checksum of every file below ``root`` (relative posix path → sha256)."""
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def no_writing(monkeypatch):
    """Make any attempt to write the output fail the test loudly (for outputs that must be refused)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the build tried to write an output it should have refused")
    monkeypatch.setattr(pipeline, "commit_output", refuse)
    monkeypatch.setattr(pipeline, "clean_stale", refuse)


def test_build_writes_the_site_and_a_marker(make_site, build_html, tmp_path):
    make_site()

    code, out, err = build_html()

    assert code == 0, err
    output = tmp_path / "output"
    assert (output / ".yearbook-output").is_file()
    assert (output / "site/index.html").is_file()
    for slug in ("huaian-kexie-2021", "tongzhou-kexie-2021", "fuyang-kexie-2022"):
        assert (output / "site/articles" / slug / "index.html").is_file()


def test_failed_build_leaves_the_previous_output_byte_identical(make_site, build_html, article, tmp_path):
    make_site()
    assert build_html()[0] == 0
    before = snapshot(tmp_path / "output")
    assert before

    make_site({"articles/huaian-kexie-2021.md": article(date="2021年12月"),
               "articles/new-article-2021.md": article(title="新文章")})
    code, _, err = build_html()

    assert code == 1
    assert "nothing was written" in err
    assert snapshot(tmp_path / "output") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".output-")] == []
    assert (tmp_path / ".output.lock").read_bytes() == b""  # the lock file stays, empty: nobody holds it


def test_rebuild_removes_pages_of_deleted_articles(make_site, build_html, tmp_path):
    make_site()
    assert build_html()[0] == 0
    assert (tmp_path / "output/site/articles/fuyang-kexie-2022/index.html").is_file()

    make_site({"articles/fuyang-kexie-2022.md": None})
    code, _, err = build_html()

    assert code == 0, err
    assert not (tmp_path / "output/site/articles/fuyang-kexie-2022").exists()
    assert (tmp_path / "output/site/articles/huaian-kexie-2021/index.html").is_file()


def test_output_root_of_the_filesystem_is_refused(make_site, build_html, no_writing):
    make_site()

    code, _, err = build_html("--output", "/")

    assert code == 1
    assert "refusing" in err


def test_output_home_directory_is_refused(make_site, build_html, no_writing, monkeypatch, tmp_path):
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents" / "notes.txt").write_text("mine", encoding="utf-8")
    (home / ".yearbook-output").write_text("", encoding="utf-8")  # even with a marker
    monkeypatch.setenv("HOME", str(home))
    make_site()
    before = snapshot(home)

    code, _, err = build_html("--output", str(home))

    assert code == 1
    assert "refusing" in err
    assert snapshot(home) == before


@pytest.mark.parametrize("output", ["content", "content/site", "."])
def test_output_in_or_over_the_content_dir_is_refused(output, make_site, build_html, no_writing, tmp_path):
    content = make_site()
    before = snapshot(content)

    code, _, err = build_html("--output", output)

    assert code == 1
    assert "refusing" in err
    assert snapshot(content) == before


def test_non_empty_folder_without_the_marker_is_refused_and_left_alone(make_site, build_html, tmp_path):
    make_site()
    mine = tmp_path / "my-site"
    (mine / "css").mkdir(parents=True)
    (mine / "index.html").write_text("<p>my own page</p>", encoding="utf-8")
    (mine / "css" / "my.css").write_text("p{}", encoding="utf-8")
    before = snapshot(mine)

    code, _, err = build_html("--output", "my-site")

    assert code == 1
    assert ".yearbook-output" in err
    assert snapshot(mine) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content", "my-site"]


def test_existing_empty_folder_may_be_the_output(make_site, build_html, tmp_path):
    make_site()
    (tmp_path / "site-out").mkdir()

    code, _, err = build_html("--output", "site-out")

    assert code == 0, err
    assert (tmp_path / "site-out/site/index.html").is_file()


def test_output_made_by_an_earlier_build_is_replaced(make_site, build_html, tmp_path):
    make_site()
    assert build_html()[0] == 0
    (tmp_path / "output/site/leftover.html").write_text("old", encoding="utf-8")

    code, _, err = build_html()

    assert code == 0, err
    assert not (tmp_path / "output/site/leftover.html").exists()


def test_stale_staging_folders_beside_the_output_are_cleaned_up(make_site, build_html, tmp_path):
    make_site()
    assert build_html()[0] == 0
    stale_new = tmp_path / ".output-new-abc123"
    stale_old = tmp_path / ".output-old-def456"
    for stale in (stale_new, stale_old):
        (stale / "site").mkdir(parents=True)
        (stale / "site" / "index.html").write_text("half-written", encoding="utf-8")
    unrelated = tmp_path / ".output-backup"
    unrelated.mkdir()
    (unrelated / "keep.txt").write_text("keep", encoding="utf-8")

    code, _, err = build_html()

    assert code == 0, err
    assert not stale_new.exists()
    assert not stale_old.exists()
    assert (unrelated / "keep.txt").read_text(encoding="utf-8") == "keep"
    assert "half-written" not in (tmp_path / "output/site/index.html").read_text(encoding="utf-8")


def test_check_writes_nothing(make_site, run_cli, tmp_path):
    content = make_site()
    before = snapshot(tmp_path)

    code, out, err = run_cli("check", "--content", "content", "--output", "output")

    assert code == 0, err
    assert "ok: 3 articles" in out
    assert not (tmp_path / "output").exists()
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]
