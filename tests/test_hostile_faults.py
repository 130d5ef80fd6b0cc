"""The hostile catalogue, part three: what the book cannot print, and the machine's faults.

- **The PDF** (``check`` tells, and ``build`` stops before the PDF is laid out): a table wider than the
  page and characters no installed font has are content errors at their line, with the limit or the
  fonts tried; a table as wide as the page may be is printed whole (read back from the PDF).
- **Faults**: a folder or file the building account cannot read (run as ``nobody`` with ``setpriv``:
  the sandbox and CI build as root, for whom permissions do not apply), a full disk, a read-only
  file system and a mount point as the output (real ones, on tmpfs in a mount namespace of their own:
  ``unshare -m``), a file-size limit (``ulimit -f``), an image deleted or changed while the build runs.
  Each ends with exit 1, a plain sentence that names the path, the previous output whole and nothing
  left beside it, never "a bug in yearbook"."""
from __future__ import annotations

import hashlib
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import REPO, article_md, line_of, write_site

A = "articles/x.md"
A_PATH = "content/" + A
PYTHON = sys.executable


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run(args: list[str], cwd: Path, prefix: list[str] = (), **kwargs) -> tuple[int, str]:
    """``python build.py *args`` in ``cwd`` (after ``prefix``: setpriv, unshare …): (exit status, stderr)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8", HOME=str(cwd))
    proc = subprocess.run([*prefix, PYTHON, str(REPO / "build.py"), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, **kwargs)
    return proc.returncode, proc.stderr


def assert_plain_failure(code: int, err: str) -> None:
    assert "Traceback" not in err, err
    assert "internal error" not in err and "a bug in yearbook" not in err, err
    assert code == 1, err


# --- the PDF: what it could not print ------------------------------------------------------------------

def table(columns: int, cell=lambda i: f"列{i}", indent: str = "") -> str:
    row = "| " + " | ".join(cell(i) for i in range(columns)) + " |"
    return "\n".join(indent + line for line in (row, "|" + "---|" * columns, row)) + "\n"


def test_a_table_wider_than_the_page_is_an_error_with_the_limit(make_site, run_cli, find_problem):
    text = article_md(body="前文。\n\n" + table(200))
    make_site({A: text})

    code, _, err = run_cli("check")

    assert code == 1, err
    line, hint = find_problem(err, f"{A_PATH}:{line_of(text, '| 列0')}: ", "the table has 200 columns")
    assert "the page of the book holds at most 22" in line and "44 characters wide" in line
    assert "at most 22 columns" in hint


@pytest.mark.parametrize("where, columns", [("body", 23), ("quotation", 21), ("list", 21), ("observation", 22)])
def test_one_column_more_than_fits_is_an_error_where_the_table_is_set_in(where, columns, make_site, run_cli, find_problem):
    """The limit depends on how far print.css sets the table in: a quotation or a list is narrower."""
    body, keywords = "前文。\n\n", None
    if where == "body":
        body += table(columns)
    elif where == "quotation":
        body += "> 引文\n>\n" + table(columns, indent="> ")
    elif where == "list":
        body += "- 条目\n\n" + table(columns, indent="  ")
    else:
        keywords = "\n  - title: 关键\n    scene: 场景\n    observation: |\n" + table(columns, indent="      ")
    text = article_md(body=body, keywords=keywords)
    make_site({A: text})

    code, _, err = run_cli("check")

    assert code == 1, err
    find_problem(err, f"{A_PATH}:{line_of(text, '| 列0')}: ", f"the table has {columns} columns; the page of the book "
                                                             f"holds at most {columns - 1}")


def test_a_table_wider_than_the_page_stops_the_build_before_the_pdf(make_site, run_cli, tmp_path):
    make_site({"pages/fanli.md": "---\ntitle: 凡例\n---\n\n" + table(40)})

    code, _, err = run_cli("build")

    assert code == 1, err
    assert re.search(r"content/pages/fanli.md:5: the table has 40 columns", err), err
    assert not (tmp_path / "output").exists()


@pytest.mark.slow
def test_tables_as_wide_as_the_page_holds_print_whole_inside_the_text_block(make_site, run_cli, tmp_path):
    """Tables of as many columns as fit, of long numbers that must break, in the body, a quotation, a
    list, a 现场回放 and a 记者观察: read back from the PDF, every digit of every cell is on the page,
    inside the text block (the limit is not taken on trust: the PDF shows it)."""
    from yearbook.book.geometry import page_geometry
    from yearbook.book.preflight import max_table_columns
    from yearbook.content.config import Config

    class Book:
        config = Config(content_dir=tmp_path / "content")

    fits = {key: max_table_columns(Book, key) for key in [(), ("blockquote",), ("list",), ("scene",), ("observation",)]}
    number = "8765432109876"
    cell = lambda i: number  # noqa: E731
    body = ("前文。\n\n" + table(fits[()], cell) + "\n> 引文\n>\n" + table(fits[("blockquote",)], cell, "> ")
            + "\n- 条目\n\n" + table(fits[("list",)], cell, "  "))
    keywords = ("\n  - title: 关键\n    scene: |\n" + table(fits[("scene",)], cell, "      ")
                + "    observation: |\n" + table(fits[("observation",)], cell, "      "))
    make_site({A: article_md(body=body, keywords=keywords)})

    code, _, err = run_cli("build", "--edition", "screen")

    assert code == 0, err
    assert fits[()] == 22 and fits[("blockquote",)] < fits[()]
    pdf = tmp_path / "output/pdf/nianjian-2021.pdf"
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    geometry = page_geometry(Book.config.pdf)
    mm = 72 / 25.4
    digits = 0
    for page in bbox.split("<page ")[1:]:
        words = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([0-9]+)<', page)
        for x_min, x_max, text in words:
            if not set(text) <= set(number):
                continue
            digits += len(text)
            # inside the text block of a verso or a recto (inner margin on the left or on the right)
            left = min(geometry.margin_inner, geometry.margin_outer) * mm - 1
            right = (geometry.width - min(geometry.margin_inner, geometry.margin_outer)) * mm + 1
            assert left <= float(x_min) and float(x_max) <= right, (text, x_min, x_max, left, right)
    cells = 2 * sum(fits.values())  # a head row and a body row each
    assert digits >= cells * len(number), (digits, cells * len(number))


RARE = "𠀀𪚥𪜀"


def test_characters_no_installed_font_has_are_errors_naming_each_and_the_fonts_tried(make_site, run_cli, find_problem):
    if shutil.which("fc-list") is None:
        pytest.skip("no fontconfig")
    text = article_md(title="罕见字𠀀测试", body=f"第一段。\n\n正文里的罕见字：{RARE}。\n")
    make_site({A: text})

    code, _, err = run_cli("check")

    assert code == 1, err
    line, hint = find_problem(err, f"{A_PATH}:{line_of(text, 'title:')}: ", "'𠀀' (U+20000, CJK Extension B)")
    assert "is in no installed font" in line
    line, _ = find_problem(err, f"{A_PATH}:{line_of(text, '正文里的罕见字')}: ", "the characters '𠀀' (U+20000")
    assert "'𪚥' (U+2A6A5, CJK Extension B)" in line and "'𪜀' (U+2A700, CJK Extension C)" in line
    assert hint.startswith("fonts tried: Noto Serif CJK SC, Noto Sans CJK SC and then every other installed font")


def test_a_missing_glyph_stops_the_build_before_the_pdf_and_the_site(make_site, run_cli, tmp_path):
    if shutil.which("fc-list") is None:
        pytest.skip("no fontconfig")
    make_site({A: article_md(bylines=f"\n  - {{role: 记者, name: 张{RARE[0]}}}")})

    code, _, err = run_cli("build")

    assert code == 1, err
    assert re.search(rf"{A_PATH}:\d+: the character '𠀀'", err), err
    assert err.rstrip().endswith("nothing was written.")
    assert not (tmp_path / "output").exists()


def test_rare_characters_the_fonts_have_and_invisible_ones_are_not_errors(make_site, run_cli):
    """Extension A (㐀 䶵), compatibility ideographs, a variation selector and a zero-width joiner: no
    false alarm, and a site-only build never asks about the PDF's fonts."""
    make_site({A: article_md(title="㐀䶵测试", body="正文\ufe00里的\u200d字：\uf900。\n"),
               "articles/y.md": article_md(title="只建网站", body=f"{RARE}\n", date="2021-03-01")})

    code, _, err = run_cli("check")
    assert code == 1 and "㐀" not in err and "U+FE00" not in err and "U+200D" not in err and "U+F900" not in err, err

    code, _, err = run_cli("build", "--only", "html")
    assert code == 0, err


# --- unreadable content: the build as an account that is not root ----------------------------------------

NOBODY = 65534


@pytest.fixture
def as_nobody():
    """A tree in a folder every account can reach, owned by ``nobody``; ``build(*args)`` runs the CLI as
    ``nobody`` there (setpriv), as an editor's account would."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root (to become nobody) and setpriv")
    base = Path(tempfile.mkdtemp(prefix="yearbook-nobody-"))
    base.chmod(0o755)
    root = base / "tree"
    root.mkdir()
    write_site(root)

    def chown() -> None:
        for path in [root, *root.rglob("*")]:
            os.lchown(path, NOBODY, NOBODY)

    def build(*args: str) -> tuple[int, str]:
        chown()
        return run(["build", "--only", "html", "--quiet", *args], root,
                   prefix=["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"])

    build.root = root
    build.chown = chown
    yield build
    for path in [root, *root.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(base, ignore_errors=True)


def test_an_article_folder_without_read_permission_is_an_error_not_skipped(as_nobody):
    code, err = as_nobody()
    assert code == 0, err
    root = as_nobody.root
    before = snapshot(root / "output")
    folder = root / "content/articles/2021"
    assert (folder / "tongzhou-kexie-2021.md").is_file()
    as_nobody.chown()
    folder.chmod(0)

    code, err = as_nobody()

    assert_plain_failure(code, err)
    assert "content/articles/2021: cannot read the folder: Permission denied; the articles in it would be missing" in err
    assert snapshot(root / "output") == before


def test_an_article_file_without_read_permission_is_an_error(as_nobody):
    root = as_nobody.root
    write_site(root, {A: article_md()})
    code, err = as_nobody()
    assert code == 0, err
    before = snapshot(root / "output")
    (root / "content" / A).chmod(0)

    code, err = as_nobody()

    assert_plain_failure(code, err)
    assert f"{A_PATH}: cannot read file: Permission denied" in err
    assert snapshot(root / "output") == before


def test_an_image_without_read_permission_is_an_error_at_its_line(as_nobody):
    root = as_nobody.root
    text = article_md(body="前文。\n\n![照片](../images/photo.png)\n")
    write_site(root, {A: text, "images/photo.png": b"\x89PNG\r\n\x1a\nphoto"})
    code, err = as_nobody()
    assert code == 0, err
    before = snapshot(root / "output")
    (root / "content/images/photo.png").chmod(0)

    code, err = as_nobody()

    assert_plain_failure(code, err)
    assert f"{A_PATH}:{line_of(text, '![照片]')}: image '../images/photo.png' cannot be read: permission denied" in err
    assert snapshot(root / "output") == before


def test_an_images_folder_without_search_permission_is_an_error_at_the_line(as_nobody):
    root = as_nobody.root
    text = article_md(body="![照片](../images/photo.png)\n")
    write_site(root, {A: text, "images/photo.png": b"\x89PNG\r\n\x1a\nphoto"})
    as_nobody.chown()
    (root / "content/images").chmod(0o600)

    code, err = as_nobody()

    assert_plain_failure(code, err)
    assert f"{A_PATH}:{line_of(text, '![照片]')}: image '../images/photo.png' cannot be read: Permission denied" in err


def test_an_output_folder_that_cannot_be_written_beside_is_refused_before_the_build(as_nobody):
    root = as_nobody.root
    code, err = as_nobody("--output", "site-out/out")
    assert code == 0, err
    before = snapshot(root / "site-out")
    as_nobody.chown()
    (root / "site-out").chmod(0o555)

    code, err = as_nobody("--output", "site-out/out")

    assert_plain_failure(code, err)
    assert "site-out/out: cannot write into site-out: permission denied; yearbook writes the new output there" in err
    (root / "site-out").chmod(0o755)
    assert snapshot(root / "site-out") == before
    assert not list((root / "site-out").glob(".out-*"))


def test_an_output_folder_without_write_permission_is_refused_and_nothing_is_left_beside_it(as_nobody):
    root = as_nobody.root
    code, err = as_nobody()
    assert code == 0, err
    before = snapshot(root / "output")
    as_nobody.chown()
    (root / "output").chmod(0o555)

    code, err = as_nobody()

    assert_plain_failure(code, err)
    assert "output: cannot write into output: permission denied; yearbook removes the previous output" in err
    assert "chmod u+w" in err
    (root / "output").chmod(0o755)
    assert snapshot(root / "output") == before
    assert not list(root.glob(".output-*"))


# --- the disk: full, read-only, a mount point, a file-size limit ------------------------------------------

def _can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = tempfile.mkdtemp(prefix="yearbook-mount-")
    try:
        return subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {probe}"],
                              capture_output=True, timeout=30).returncode == 0
    finally:
        os.rmdir(probe)


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs root and unshare -m to mount a small tmpfs")


def _in_namespace(root: Path, setup: str, args: list[str], check: str = "") -> tuple[int, str, str]:
    """``setup`` (shell: mounts), then the build, then ``check`` (shell, its output returned), in a
    mount namespace of their own: the mounts vanish with it."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8", HOME=str(root))
    build = " ".join([PYTHON, str(REPO / "build.py"), *args])
    script = f"set -e\n{setup}\nset +e\n{build}\necho \"exit=$?\" >&2\n{check}\n"
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=root, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    code = int(re.findall(r"exit=(\d+)", proc.stderr)[-1])
    return code, proc.stderr, proc.stdout


@pytest.fixture
def big_site(tmp_path):
    write_site(tmp_path, {A: article_md(body="![图](../images/big.png)\n"),
                          "images/big.png": b"\x89PNG\r\n\x1a\n" + os.urandom(2_000_000)})
    (tmp_path / "disk").mkdir()
    return tmp_path


@needs_mount
def test_a_full_disk_is_said_in_plain_words_and_the_output_survives(big_site):
    code, err, listing = _in_namespace(
        big_site, "mount -t tmpfs -o size=4m tmpfs disk\n"
                  f"{PYTHON} {REPO / 'build.py'} build --only html -q --output disk/out\n"  # the previous output
                  "cd disk/out && find . -type f | sort | xargs sha256sum > ../before && cd ../..\n"
                  "mv content/images/big.png content/images/big.old && head -c 3000000 /dev/urandom > content/images/big.png\n"
                  "dd if=/dev/zero of=disk/filler bs=1k count=1200 2>/dev/null",
        ["build", "--only", "html", "-q", "--output", "disk/out"],
        "cd disk/out && find . -type f | sort | xargs sha256sum > ../after && cd .. && cmp before after && echo same; ls -a")

    assert "Traceback" not in err and "a bug in yearbook" not in err, err
    assert code == 1, err
    assert re.search(r"disk/out: cannot write the new output \(disk/\.out-new-\w+/site/media/images/big.png\): the disk is full", err), err
    assert "the build stopped; the previous output is unchanged." in err
    assert "same" in listing.split()
    assert not [name for name in listing.split() if name.startswith(".out-new")], listing


@needs_mount
def test_a_read_only_file_system_is_refused_before_the_build(big_site):
    code, err, _ = _in_namespace(big_site, "mount -t tmpfs -o size=8m tmpfs disk\nmount -o remount,ro disk",
                                 ["build", "--only", "html", "-q", "--output", "disk/out"])

    assert code == 1, err
    assert "a bug in yearbook" not in err
    assert "disk/out: cannot write into disk: the file system is read-only" in err


@needs_mount
def test_a_mount_point_as_the_output_is_refused_before_the_build(big_site):
    code, err, _ = _in_namespace(big_site, "mount -t tmpfs -o size=8m tmpfs disk\nmkdir disk/out\n"
                                           "mount -t tmpfs -o size=8m tmpfs disk/out",
                                 ["build", "--only", "html", "-q", "--output", "disk/out"])

    assert code == 1, err
    assert "a bug in yearbook" not in err
    assert "disk/out: disk/out is a mount point: yearbook replaces the output folder whole, by renaming" in err
    assert "--output MOUNT/site" in err


def test_a_file_size_limit_is_said_in_plain_words(big_site):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))

    code, err = run(["build", "--only", "html", "-q"], big_site, preexec_fn=limit)

    assert_plain_failure(code, err)
    assert re.search(r"output: cannot write the new output \(\.output-new-\w+/site/media/images/big.png\): the file is too "
                     r"large for the file system or for this process's file-size limit \(ulimit -f\)", err), err
    assert not list(big_site.glob(".output-*"))


def test_an_output_path_through_a_file_is_refused(make_site, build_html, tmp_path):
    make_site()
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")

    code, _, err = build_html("--output", "notes.txt/out")

    assert_plain_failure(code, err)
    assert "notes.txt is a file, not a folder, so --output notes.txt/out cannot be made" in err
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


# --- files that change while the build runs ---------------------------------------------------------------

def _during_the_copy(monkeypatch, action) -> None:
    """Run ``action`` when the site's files to copy are listed: after the content was checked and the
    pages made, before the images are copied."""
    from yearbook.site import render

    real = render.HtmlRenderer.copied_files

    def copied_files(self):
        action()
        return real(self)

    monkeypatch.setattr(render.HtmlRenderer, "copied_files", copied_files)


def test_an_image_deleted_while_the_build_runs_is_named_and_the_output_survives(make_site, build_html, tmp_path, monkeypatch):
    make_site({A: article_md(body="![照片](../images/photo.png)\n"), "images/photo.png": b"\x89PNG\r\n\x1a\nphoto"})
    assert build_html()[0] == 0
    before = snapshot(tmp_path / "output")
    _during_the_copy(monkeypatch, lambda: (tmp_path / "content/images/photo.png").unlink())

    code, _, err = build_html()

    assert_plain_failure(code, err)
    assert "content/images/photo.png: cannot read the file: it does not exist (was it moved or deleted while the build ran?)" in err
    assert snapshot(tmp_path / "output") == before
    assert not list(tmp_path.glob(".output-*"))


def test_an_svg_given_a_script_while_the_build_runs_is_still_published_as_drawing(make_site, build_html, tmp_path, monkeypatch):
    clean = b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'
    make_site({A: article_md(body="![图](../images/d.svg)\n"), "images/d.svg": clean})
    evil = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><rect width="1" height="1"/></svg>'
    _during_the_copy(monkeypatch, lambda: (tmp_path / "content/images/d.svg").write_bytes(evil))

    code, _, err = build_html()

    assert code == 0, err
    copy = (tmp_path / "output/site/media/images/d.svg").read_bytes()
    assert b"alert" not in copy and b"<rect" in copy


def test_an_svg_broken_while_the_build_runs_is_named(make_site, build_html, tmp_path, monkeypatch):
    make_site({A: article_md(body="![图](../images/d.svg)\n"),
               "images/d.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'})
    _during_the_copy(monkeypatch, lambda: (tmp_path / "content/images/d.svg").write_bytes(b"<svg><g></svg>"))

    code, _, err = build_html()

    assert_plain_failure(code, err)
    assert "content/images/d.svg:1: the image cannot be shown: the SVG is not well-formed XML" in err


@pytest.mark.slow
def test_a_full_disk_in_the_pdf_cache_is_said_in_plain_words(make_site, run_cli, tmp_path, monkeypatch):
    """The split render keeps laid-out parts in .output-cache/ beside the output: no room there is the
    disk's problem, said so, and the previous output stays."""
    import errno

    from yearbook.book.split import cache

    files = {f"articles/a{n:02d}.md": article_md(title=f"文章{n}", date=f"2021-{1 + n % 12:02d}-01") for n in range(20)}
    make_site(files)
    assert run_cli("build", "--only", "html")[0] == 0
    before = snapshot(tmp_path / "output")

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(cache, "write_sealed", full)

    code, _, err = run_cli("build")

    assert_plain_failure(code, err)
    assert re.search(r"output: cannot write the PDF cache \(\.output-cache/pdf/[^)]+\): the disk is full", err), err
    assert "the PDF cache folder" in err or ".output-cache/ beside the output may be deleted" in err
    assert snapshot(tmp_path / "output") == before


# --- the importer --------------------------------------------------------------------------------------------

def _docx(path: Path, chunks) -> None:
    import zipfile

    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
             '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        with archive.open("word/document.xml", "w", force_zip64=True) as stream:
            stream.write(b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                         b'wordprocessingml/2006/main"><w:body>')
            for chunk in chunks:
                stream.write(chunk)
            stream.write(b"</w:body></w:document>")


@pytest.mark.parametrize("kind", ["text", "paragraphs"])
def test_a_docx_zip_bomb_is_refused_quickly_with_the_limit(kind, make_site, run_cli, tmp_path):
    """A .docx of 70 KB that expands to 64 MB of text, and one of 46 KB with 400,000 paragraphs (which
    took over ten minutes): refused from the zip's directory and a count of paragraphs, with the limit."""
    import time

    make_site()
    bomb = tmp_path / "bomb.docx"
    if kind == "text":
        _docx(bomb, (b"<w:p><w:r><w:t>" + b" " * (1 << 20) + b"</w:t></w:r></w:p>" for _ in range(64)))
    else:
        _docx(bomb, (b"<w:p><w:r><w:t>\xe7\xa7\x91</w:t></w:r></w:p>" * 1000 for _ in range(400)))
    assert bomb.stat().st_size < 2_000_000

    start = time.process_time()  # CPU, not wall time: the machine is shared (as test_hostile_output's alias bomb)
    code, _, err = run_cli("import", str(bomb))
    seconds = time.process_time() - start

    assert code == 1, err
    assert "Traceback" not in err
    if kind == "text":
        assert "bomb.docx: the Word file's text and formatting expand to 64 MB when it is opened; the limit is 16 MB" in err
    else:
        assert "bomb.docx: the Word file has 400,000 paragraphs and table cells; the limit is 20,000" in err
    assert seconds < 20, seconds  # CPU seconds: reading it took minutes before; a bound, not a benchmark
    assert not list((tmp_path / "content/articles").glob("*bomb*"))


def test_a_report_file_over_the_size_limit_says_the_limit(make_site, run_cli, tmp_path):
    make_site()
    big = tmp_path / "big.txt"
    big.write_bytes("很长的报告。\n".encode() * 3_000_000)

    code, _, err = run_cli("import", str(big))

    assert code == 1
    assert re.search(r"big.txt: the file is \d+ MB; the limit for a report is 32 MB", err), err
