"""The fast paths of large builds give exactly what the plain paths give: articles read in worker
processes (collect.load_articles_in_parallel), the search index built in a forked process
(pipeline.render_site_files), files carried over from the previous output by hard link
(output.write_files), YAML parsed in one pass when a second cannot find anything and its data built in
one walk of the nodes when it is plain (yamlfile)."""
from __future__ import annotations

import pytest

from yearbook.content import collect
from yearbook.content.config import load_config
from yearbook.errors import ProblemLog
from yearbook.content.topics import load_topics


def load(content, parallel_from: int):
    collect.PARALLEL_MIN_FILES = parallel_from
    log = ProblemLog()
    config = load_config(content, log)
    regions, _ = collect.load_regions(content, log)
    topics = load_topics(content, log)
    articles = collect.load_articles(config, regions, topics, log)
    return articles, [problem.format() for problem in log.problems]


def test_parallel_load_gives_the_serial_articles_and_problems_in_order(make_site, article, monkeypatch):
    monkeypatch.setattr(collect, "PARALLEL_MIN_FILES", collect.PARALLEL_MIN_FILES)
    files = {f"articles/more/extra-{n:02d}.md": article(f"第{n}篇正文。\n\n## 小节\n\n更多内容。\n", title=f"第{n}篇")
             for n in range(12)}
    files["articles/more/extra-03.md"] = article(titel="拼错的键")  # a warning
    files["articles/more/extra-07.md"] = article(region="不存在的地方")  # an error
    files["articles/more/extra-09.md"] = article(draft="true")  # checked, not returned
    content = make_site(files)

    serial_articles, serial_problems = load(content, parallel_from=10**9)
    parallel_articles, parallel_problems = load(content, parallel_from=2)

    assert parallel_problems == serial_problems
    assert any("titel" in p for p in serial_problems) and any("不存在的地方" in p for p in serial_problems)
    assert [a.slug for a in parallel_articles] == [a.slug for a in serial_articles]
    assert parallel_articles == serial_articles


def test_site_with_the_search_index_built_in_a_forked_process_is_the_serial_site(make_site, tmp_path, monkeypatch):
    from yearbook import pipeline
    from yearbook.site import render as site_render

    content = make_site()

    def site_files(output):
        pipeline.build(pipeline.BuildOptions(content_dir=content, output_dir=output, only="html"))
        return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(output.rglob("*")) if p.is_file()}

    serial = site_files(tmp_path / "serial")
    monkeypatch.setattr(site_render, "PARALLEL_MIN_ARTICLES", 1)
    forked = site_files(tmp_path / "forked")

    assert any("search" in name for name in serial)
    assert forked == serial


def test_files_carried_over_from_the_previous_output_keep_their_bytes(tmp_path):
    from yearbook.output import commit_output
    from yearbook.site.render import RenderedFile

    output = tmp_path / "output"
    commit_output(output, [RenderedFile("pdf/book.pdf", b"%PDF old"), RenderedFile("site/index.html", b"old")])
    kept = output / "pdf" / "book.pdf"
    commit_output(output, [RenderedFile("pdf/book.pdf", source=kept), RenderedFile("site/index.html", b"new")])

    assert (output / "pdf" / "book.pdf").read_bytes() == b"%PDF old"
    assert (output / "site" / "index.html").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["output"]  # the old output is gone


def test_yaml_parsed_once_gives_what_the_checked_parse_gives(monkeypatch):
    from pathlib import Path

    from yearbook.content import yamlfile

    text = (
        "title: 淮安市科协：聚焦“绿色高地、枢纽新城”\nregion: '320800'\ndate: 2021-12-27\ntopics: [kexue-puji, 党建引领]\n"
        "keywords:\n  - title: 标题\n    scene: 现场。\n    observation: 观察。\nbylines:\n  - {role: 记者, name: 李蓉}\n"
    )
    assert not yamlfile._needs_scan(text)
    once = yamlfile.load_yaml(text, Path("a.md"), 2)
    monkeypatch.setattr(yamlfile, "_needs_scan", lambda text: True)
    twice = yamlfile.load_yaml(text, Path("a.md"), 2)
    assert once[0] == twice[0] and once[1].lines == twice[1].lines


def test_yaml_that_could_hide_an_alias_or_deep_nesting_is_still_checked():
    from yearbook.content.yamlfile import _needs_scan

    assert _needs_scan("a: &x 1\nb: *x")
    assert _needs_scan("a: " + "[" * 60 + "]" * 60)
    assert _needs_scan("- " * 30 + "x")
    assert _needs_scan("a: 1\n...\nb: 2")
    assert not _needs_scan("a:\n- b:\n  - c\nd: [1, {e: f}]")


def test_glyphs_read_from_a_page_content_are_those_a_plain_reading_finds():
    """split/layout.content_glyphs reads each hex string as an array of 16-bit numbers; the plain
    reading takes four digits at a time. Random content streams, dense in what could go wrong:
    white space inside strings, lengths that are not a multiple of four, empty strings, strings
    before any font, font changes, upper-case digits."""
    import random
    import re

    from yearbook.book.split.layout import content_glyphs

    operator = re.compile(rb"/([^\s/\[\]<>()]+)\s+-?[\d.]+\s+Tf|<([0-9a-fA-F\s]*)>")

    def plain(content: bytes) -> dict[str, list[int]]:
        used: dict[str, set[int]] = {}
        font = None
        for match in operator.finditer(content):
            if match.group(1) is not None:
                font = match.group(1).decode("latin-1")
            elif font is not None:
                digits = re.sub(rb"\s", b"", match.group(2))
                used.setdefault(font, set()).update(int(digits[i:i + 4], 16) for i in range(0, len(digits) - 3, 4))
        return {name: sorted(gids) for name, gids in used.items()}

    rnd = random.Random(17)
    found = 0
    for _ in range(5000):
        items = []
        for _ in range(rnd.randint(0, 8)):
            if rnd.random() < 0.3:
                items.append(b"/F%d %d Tf" % (rnd.randint(0, 3), rnd.randint(1, 20)))
            else:
                text = "".join(rnd.choice("0123456789abcdefABCDEF \n\t") for _ in range(rnd.randint(0, 30)))
                items.append(b"[<" + text.encode() + b"> -12.5] TJ")
        content = b"BT " + b" ".join(items) + b" ET"
        glyphs = content_glyphs(content)
        assert glyphs == plain(content), content
        found += sum(len(g) for g in glyphs.values())
    assert found > 10000  # the cases read glyphs, not only empty strings


# --- the front matter's data, built in one walk of the YAML nodes ------------------------------------------

YAML_LINES = ["title: 科普大篷车", "date: 2021-03-04", "date: 2021-02-30", "year: 2021", "n: 0x1F", "f: 1.5e3", "f: .inf",
              "ok: yes", "ok: false", "none: ~", "empty:", "'2021': text", "2021: number key", "null: key", "true: key",
              "title: again", "<<: {a: 1}", "=: value key", "v: =", "b: !!binary aGk=", "s: !!set {a, b}", "o: !!omap [a: 1]",
              "t: !!str 12", "i: !!int '7'", "i: !!int x", "x: !custom y", "list: [1, two, 2021-01-01, {k: v}]",
              "map: {a: 1, a: 2}", "map: {[1, 2]: x}", "? [a]\n: b", "nested:\n  - name: 王明\n    role: 记者\n  - 2022-13-01",
              "keywords:\n  - title: 现场\n    scene: 回放\n    title: 重复"]


@pytest.mark.parametrize("seed", range(3))
def test_front_matter_data_built_by_the_short_walk_is_the_loaders(seed):
    """yamlfile.construct_data builds plain documents itself and leaves the rest to PyYAML's constructor:
    whatever the document, the same data, the same duplicates noted, or the same error."""
    import random

    from yearbook.content import yamlfile

    def outcome(text: str, construct) -> tuple:
        loader = yamlfile.Loader(text)
        try:
            node = loader.get_single_node()
            try:
                return "data", repr(construct(loader, node)), loader.duplicates
            except Exception as exc:  # noqa: BLE001 - compared, not handled
                return "error", type(exc).__name__, str(exc), loader.duplicates
        except Exception:  # noqa: BLE001 - not YAML at all: nothing to construct
            return ("not yaml",)
        finally:
            loader.dispose()

    rng = random.Random(seed)
    shortcuts = 0
    for _ in range(1500):
        text = "\n".join(rng.sample(YAML_LINES, rng.randrange(1, 6))) + "\n"
        expected = outcome(text, lambda loader, node: loader.construct_document(node))
        assert outcome(text, yamlfile.construct_data) == expected, text
        loader = yamlfile.Loader(text)
        try:
            yamlfile._plain(loader, loader.get_single_node())
            shortcuts += 1
        except Exception:  # noqa: BLE001 - left to the Loader
            pass
        finally:
            loader.dispose()
    assert 100 < shortcuts < 1400, "both ways are taken"
