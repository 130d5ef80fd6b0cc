"""Drafts to review: ``check`` lists every undecided item of every draft at its line, a build never
publishes a draft, serve shows each at its own URL with a 草稿 banner and outside every list (not with
--no-drafts), duplicate slugs among drafts are errors."""
from __future__ import annotations

import io
import threading
import urllib.error
import urllib.request
from pathlib import Path

from PIL import Image

from yearbook.serve.rebuild import RebuildSettings, SiteState, drafts_dir, rebuild_site
from yearbook.serve.server import ServeOptions, serve

# two drafts as `yearbook import` writes them: one imported in Chinese, one in English
DRAFT_ZH = """\
---
# 由 `yearbook import` 于 2025-05-20 从 来稿.txt 导入的草稿。
# 待定事项——发布前请核对（核对后删去 `draft: true`）：
#   - date：报告没有写日期；建议用 2021 （正文提到的最晚年份）——请核对
#   - topics：根据正文用词建议了（kexue-puji）——请核对
# 导入时做的改动：
#   - 删去了第 1 行的面包屑导航
title: 盱眙县科协开展科普进乡村活动
organization: 盱眙县科协
region: 淮安市
date: 2021
topics: [kexue-puji]
draft: true
---

盱眙县科协组织专家走进乡村，开展科普宣传。

![活动现场](../images/draft-only.png)
"""

DRAFT_EN = """\
---
# Draft imported by `yearbook import` from report.txt on 2025-05-20.
# Undecided — check before publishing (then remove `draft: true`):
#   - title: the report has no headline; proposed its first sentence — write the title
title: 涟水县科协举办青少年科技节
organization: 涟水县科协
region: 淮安市
date: 2021-06-01
topics: [kexue-puji]
draft: true
---

涟水县科协举办第五届青少年科技节。
"""

DRAFT_READY = """\
---
title: 金湖县科协召开年度工作会议
organization: 金湖县科协
region: 淮安市
date: 2021-03-01
topics: [kexue-puji]
draft: true
---

金湖县科协召开年度工作会议。
"""

def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return buffer.getvalue()


PNG = png()
DRAFTS = {"articles/xuyi-kepu.md": DRAFT_ZH, "articles/lianshui-kejijie.md": DRAFT_EN,
          "articles/jinhu-gongzuo.md": DRAFT_READY, "images/draft-only.png": PNG}


def site_text(site: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(site.rglob("*")) if p.is_file())


def test_check_lists_every_undecided_item_of_every_draft_at_its_line(make_site, run_cli, find_line):
    content = make_site(DRAFTS)
    code, out, err = run_cli("check", "--content", content)
    assert code == 0, err
    assert "drafts to review: 3 draft(s), 3 undecided item(s)" in out
    zh_line = find_line(DRAFT_ZH, "#   - date")
    assert f"content/articles/xuyi-kepu.md:{zh_line}: date：报告没有写日期" in out
    assert f"content/articles/xuyi-kepu.md:{zh_line + 1}: topics：根据正文用词建议了" in out
    en_line = find_line(DRAFT_EN, "#   - title")
    assert f"content/articles/lianshui-kejijie.md:{en_line}: title: the report has no headline" in out
    assert "content/articles/jinhu-gongzuo.md: a draft with no undecided items listed" in out
    assert "删去了第 1 行" not in out  # what the importer changed is not to decide
    assert "ok: 3 articles" in out  # drafts are checked, not counted as published


def test_duplicate_slugs_among_drafts_are_errors(make_site, run_cli):
    content = make_site({"articles/xuyi-kepu.md": DRAFT_ZH, "articles/2021/xuyi-kepu.md": DRAFT_EN,
                         "images/draft-only.png": PNG})
    code, _out, err = run_cli("check", "--content", content)
    assert code == 1 and "duplicate slug 'xuyi-kepu'" in err


def test_a_build_never_publishes_a_draft(make_site, build_html, tmp_path):
    make_site(DRAFTS)
    code, out, err = build_html()
    assert code == 0, err
    assert "built 3 articles" in out
    site = tmp_path / "output" / "site"
    assert (site / "articles" / "huaian-kexie-2021" / "index.html").is_file()
    text = site_text(site)  # every page, the sitemap, the feed and the search index
    for slug, title in [("xuyi-kepu", "盱眙县科协开展科普进乡村活动"), ("lianshui-kejijie", "涟水县科协举办青少年科技节"),
                        ("jinhu-gongzuo", "金湖县科协召开年度工作会议")]:
        assert slug not in text and title not in text
    assert "draft-only" not in text and not any(site.rglob("draft-only.png"))
    assert "草稿" not in text


def test_the_preview_shows_drafts_with_a_banner_outside_every_list_and_none_with_no_drafts(make_site, tmp_path):
    content = make_site(DRAFTS)
    output = tmp_path / "output"
    report = rebuild_site(content, output, SiteState())
    assert report.drafts == 3
    folder = drafts_dir(output)
    assert not folder.is_relative_to(output)  # beside the output: never in a copy or upload of the site
    page = (folder / "articles" / "xuyi-kepu" / "index.html").read_text(encoding="utf-8")
    assert 'class="draft-banner' in page and "<strong>草稿</strong>" in page and 'content="noindex"' in page
    assert "盱眙县科协开展科普进乡村活动" in page and 'rel="canonical"' not in page
    assert (folder / "media" / "images" / "draft-only.png").read_bytes() == PNG  # the picture only a draft shows
    assert "xuyi-kepu" not in site_text(output / "site") and "草稿" not in site_text(output / "site")
    # published (draft: true removed): its page is in the site and no longer among the drafts
    path = content / "articles" / "jinhu-gongzuo.md"
    path.write_text(DRAFT_READY.replace("draft: true\n", ""), encoding="utf-8")
    report = rebuild_site(content, output, SiteState())
    assert report.drafts == 2 and not (folder / "articles" / "jinhu-gongzuo").exists()
    assert "草稿" not in (output / "site" / "articles" / "jinhu-gongzuo" / "index.html").read_text(encoding="utf-8")
    report = rebuild_site(content, output, SiteState(), settings=RebuildSettings(drafts=False))
    assert report.drafts == 0 and not any(p.is_file() for p in folder.rglob("*"))


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def serving(content: Path, output: Path, **options):
    out, err, ready, stop = io.StringIO(), io.StringIO(), threading.Event(), threading.Event()
    started = {}
    thread = threading.Thread(target=serve, args=(ServeOptions(content, output, port=0, pdf_delay=0, **options),),
                              kwargs=dict(out=out, err=err, ready=lambda p: started.update(port=p) or ready.set(), stop=stop),
                              daemon=True)
    thread.start()
    assert ready.wait(60)
    return started["port"], out, stop, thread


def test_serve_answers_a_drafts_url_with_its_page_and_not_with_no_drafts(make_site, tmp_path):
    content = make_site(DRAFTS)
    port, out, stop, thread = serving(content, tmp_path / "output")
    try:
        status, page = get(port, "/articles/lianshui-kejijie/")
        assert status == 200 and "<strong>草稿</strong>" in page and 'id="yearbook-live"' in page
        assert get(port, "/media/images/draft-only.png")[0] == 200
        status, home = get(port, "/")
        assert status == 200 and "lianshui-kejijie" not in home
        assert "3 draft(s) shown, marked 草稿" in out.getvalue()
    finally:
        stop.set()
        thread.join(20)
    port, out, stop, thread = serving(content, tmp_path / "output", drafts=False)
    try:
        assert get(port, "/articles/lianshui-kejijie/")[0] == 404
    finally:
        stop.set()
        thread.join(20)
