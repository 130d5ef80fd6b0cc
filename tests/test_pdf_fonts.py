"""One font program per face in a joined book (pdf_fonts): the merged program of two documents'
subsets draws every glyph either document draws, exactly as that document's own program does, and
the CFF table edited as bytes is the table fontTools would compile, glyph for glyph."""
from __future__ import annotations

import io

import pikepdf
import pytest

from yearbook.book.split import fonts as pdf_fonts

weasyprint = pytest.importorskip("weasyprint")
from fontTools.ttLib import TTFont  # noqa: E402 - after the skip

TEXTS = ["科协组织专家深入企业调研，推动科技成果转化。", "服务地方经济社会发展，院士工作站落户园区。"]


def subsets(text: str) -> dict[str, tuple[bytes, set[int], object]]:
    """Per face, the font program WeasyPrint embeds for ``text`` and the glyphs it uses."""
    html = f'<p style="font-family: Noto Serif CJK SC">{text}</p><p style="font-family: Noto Sans CJK SC; font-weight: bold">{text}</p>'
    pdf = pikepdf.open(io.BytesIO(weasyprint.HTML(string=html).write_pdf()))
    found = {}
    for name, cid_font, _ in pdf_fonts._type0_fonts(pdf):
        data = cid_font.FontDescriptor.FontFile3.read_bytes()
        found[name] = (data, pdf_fonts._cids(cid_font.get("/W")), pdf)
    return found


@pytest.fixture(scope="module")
def faces():
    first, second = subsets(TEXTS[0]), subsets(TEXTS[1])
    assert set(first) == set(second) and len(first) == 2
    return {name: [first[name], second[name]] for name in first}


def charstrings(data: bytes) -> dict[int, bytes]:
    font = TTFont(io.BytesIO(data))
    strings = font["CFF "].cff.topDictIndex[0].CharStrings
    return {gid: strings[name].bytecode for gid, name in enumerate(font.getGlyphOrder())}  # as stored: not decompiled


def merge(name, members, splice: bool, monkeypatch) -> bytes:
    programs = {}
    for data, glyphs, pdf in members:
        index = pdf_fonts._charstrings(data)
        programs[pdf_fonts._digest(data)] = pdf_fonts._Program(set(glyphs), index[3], index[4], lambda pdf=pdf: pdf)
    with monkeypatch.context() as patch:
        if not splice:
            patch.setattr(pdf_fonts, "_with_charstrings", lambda *args: None)
        merged = pdf_fonts._merged(name, programs, {})
    assert merged is not None
    return merged


@pytest.mark.slow
def test_the_merged_program_draws_every_glyph_of_every_subset(faces, monkeypatch):
    for name, members in faces.items():
        merged = charstrings(merge(name, members, True, monkeypatch))
        for data, glyphs, _ in members:
            own = charstrings(data)
            assert glyphs and all(merged[gid] == own[gid] for gid in glyphs), name


@pytest.mark.slow
def test_the_cff_table_edited_as_bytes_is_what_fonttools_compiles(faces, monkeypatch):
    for name, members in faces.items():
        spliced = merge(name, members, True, monkeypatch)
        compiled = merge(name, members, False, monkeypatch)
        a, b = TTFont(io.BytesIO(spliced)), TTFont(io.BytesIO(compiled))
        assert charstrings(spliced) == charstrings(compiled)
        assert [fd.Private.rawDict for fd in a["CFF "].cff.topDictIndex[0].FDArray] == \
               [fd.Private.rawDict for fd in b["CFF "].cff.topDictIndex[0].FDArray]
        assert {tag: a.reader[tag] for tag in a.reader.keys() if tag not in ("CFF ", "head")} == \
               {tag: b.reader[tag] for tag in b.reader.keys() if tag not in ("CFF ", "head")}
        # the file's checksums are right: fontTools writes the same bytes back when it changes nothing
        out = io.BytesIO()
        TTFont(io.BytesIO(spliced), recalcTimestamp=False, recalcBBoxes=False).save(out, reorderTables=False)
        assert out.getvalue() == spliced


IMPORT_SCRIPT = """
import json, sys
from pathlib import Path
from yearbook.book.weasy import import_weasyprint
import_weasyprint(Path(sys.argv[1]))
from weasyprint.text import ffi
print(json.dumps({name: getattr(ffi, name) is not None for name in ("gobject", "pango", "harfbuzz", "harfbuzz_subset", "fontconfig", "pangoft2")}))
"""


@pytest.mark.slow
def test_weasyprint_imported_with_kept_library_look_ups_finds_the_same_libraries(tmp_path):
    """A worker imports WeasyPrint with the library look-ups of an earlier build (libraries.json): it
    finds the same libraries, HarfBuzz's subsetter among them; look-ups kept for another system
    (another key) are not used."""
    import json
    import subprocess
    import sys

    from conftest import REPO

    def run() -> dict:
        result = subprocess.run([sys.executable, "-c", IMPORT_SCRIPT, str(tmp_path)], cwd=REPO, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    looked_up = run()
    kept = json.loads((tmp_path / "libraries.json").read_text(encoding="utf-8"))
    assert looked_up["harfbuzz_subset"] and all(looked_up.values())
    assert run() == looked_up  # from the kept answers
    (tmp_path / "libraries.json").write_text(json.dumps({"key": "another system", "names": {n: None for n in kept["names"]}}))
    assert run() == looked_up  # not from answers kept for another system
    assert json.loads((tmp_path / "libraries.json").read_text(encoding="utf-8"))["key"] == kept["key"]
