"""Nobody in: what editors write is text on every page (titles, names, summaries, theme names, the
config), raw HTML is escaped unless the config turns it on and is then sanitized, and WeasyPrint reads
only files inside the content and theme folders (and, when the config allows remote images, exactly
those images from the network)."""
from __future__ import annotations

import http.server
import io
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO

BAD_URL = re.compile(r"^(javascript|vbscript|data|file):", re.I)


class PageScan(HTMLParser):
    """What a browser would run or fetch in a page: script elements (with their text), event-handler
    attributes and script/local URLs; and every text node, to see what readers see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []
        self.bad: list[str] = []
        self.texts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
            self.scripts.append(dict(attrs).get("src") or "")
        if tag in ("iframe", "object", "embed", "svg", "math", "base"):
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "")
            if name.startswith("on") or (name in ("href", "src", "action", "formaction") and BAD_URL.match(url)):
                self.bad.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.texts.append(data)


def scan(path: Path) -> PageScan:
    parser = PageScan()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def assert_nothing_runs(site: Path) -> None:
    pages = [p for p in site.rglob("*") if p.suffix in (".html", ".xml")]
    assert pages
    for page in pages:
        found = scan(page)
        assert found.bad == [], f"{page.relative_to(site)}: {found.bad}"
        assert not any("alert" in script for script in found.scripts), f"{page.relative_to(site)}: {found.scripts}"


# --- everything an editor writes is text ---------------------------------------------------------

PAYLOADS = {
    "title": "<script>alert(1)</script>标题",
    "kicker": "<img src=x onerror=alert(2)>引题",
    "organization": "<b onmouseover=alert(3)>测试市科协</b>",
    "region_note": '"><svg onload=alert(4)>',
    "source": "<a href=javascript:alert(5)>来源</a>",
}


def test_front_matter_topics_and_config_are_text_on_every_page(make_site, build_html, article, tmp_path):
    fields = {key: "'" + value.replace("'", "''") + "'" for key, value in PAYLOADS.items()}
    text = article(body="正文 <script>alert(6)</script>\n", summary="'<script>alert(7)</script>摘要'",
                   bylines="\n  - {role: '<i>记者</i>', name: '<script>alert(8)</script>'}",
                   keywords="\n  - title: '<img src=x onerror=alert(9)>'\n    scene: '<script>alert(10)</script>'\n"
                            "    observation: '[点](javascript:alert(11))'",
                   topics="[kexue-puji, '<svg onload=alert(12)>']", **fields)
    topics = (tmp_path / "topics.yml.extra")
    topics.write_text("- slug: evil\n  name: '<svg onload=alert(12)>'\n  description: '<script>alert(13)</script>'\n", encoding="utf-8")
    from conftest import TOPICS_YML
    make_site({"articles/evil.md": text, "topics.yml": TOPICS_YML + "\n" + topics.read_text(encoding="utf-8")},
              title="'<script>alert(14)</script>年鉴'", subtitle="'<img src=x onerror=alert(15)>'")

    code, _, err = build_html()

    assert code == 0, err
    site = tmp_path / "output/site"
    assert_nothing_runs(site)
    page = scan(site / "articles/evil/index.html")
    visible = "".join(page.texts)
    assert PAYLOADS["title"] in visible  # shown as the text it is
    assert "<script>alert(8)</script>" in visible  # (the search data is JSON that search.js shows with textContent)


# --- raw HTML when the config turns it on ------------------------------------------------------------

RAW_BODY = """\
段落里有<b>粗体</b>和<em>强调</em>。

<script>alert(1)</script>

<img src=x onerror=alert(2)> <a href="javascript:alert(3)">脚本链接</a> <a href="https://example.org/" onclick="alert(4)">好链接</a>

<iframe src="file:///etc/passwd"></iframe>

<p style="background:url(file:///etc/passwd)">样式</p>

<svg><script>alert(5)</script></svg> <a href="&#106;avascript:alert(6)">实体</a>

<img src="../images/photo.jpg"> <img src="http://127.0.0.1:9/tracker.png">

![照片](../images/photo.jpg)
"""


@pytest.mark.parametrize("raw_html", [False, True])
def test_raw_html_is_escaped_when_off_and_sanitized_when_on(raw_html, make_site, build_html, article, article_page, tmp_path):
    make_site({"articles/x.md": article(body=RAW_BODY), "images/photo.jpg": b"\xff\xd8\xff\xe0jpeg"},
              markdown=f"{{raw_html: {str(raw_html).lower()}}}")

    code, _, err = build_html()

    assert code == 0, err
    assert_nothing_runs(tmp_path / "output/site")
    page = article_page("x")
    assert re.search(r'<img src="[./]*media/images/photo.jpg"', page)  # the Markdown image, checked, stays
    assert "tracker.png" not in re.sub(r"&lt;.*?&gt;", "", page)  # a raw <img> never reaches the network
    if raw_html:
        assert "<b>粗体</b>" in page and "<em>强调</em>" in page
        assert '<a href="https://example.org/">好链接</a>' in page
        assert "background:url" not in page
        assert len(re.findall(r'<img src="[./]*media/images/photo.jpg"', page)) == 1  # the raw one lost its src
    else:
        assert "&lt;b&gt;粗体&lt;/b&gt;" in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_raw_html_switch_is_a_boolean(make_site, run_cli, find_problem):
    make_site(markdown="{raw_html: 1, remote_imgs: true}")

    code, _, err = run_cli("check")

    assert code == 1
    find_problem(err, "content/yearbook.yml:", containing="'markdown.raw_html' must be true or false")
    _, hint = find_problem(err, "content/yearbook.yml:", containing="unknown setting 'markdown.remote_imgs'")
    assert "remote_images" in hint


# --- what WeasyPrint may read ------------------------------------------------------------------------

@pytest.fixture
def fetcher_dirs(tmp_path):
    content, theme, outside = tmp_path / "content", tmp_path / "theme", tmp_path / "outside"
    for folder in (content / "images", theme / "static", outside):
        folder.mkdir(parents=True)
    (content / "images/ok.png").write_bytes(b"png")
    (theme / "static/print.css").write_text("body{}", encoding="utf-8")
    (outside / "secret.txt").write_text("secret", encoding="utf-8")
    (content / "images/link.png").symlink_to(outside / "secret.txt")
    return content, theme, outside


def _fetch(fetcher, url: str) -> bytes:
    result = fetcher.fetch(url)
    body = result.get("string") if isinstance(result, dict) else None
    if body is None:
        stream = result.get("file_obj") if isinstance(result, dict) else getattr(result, "file_obj", result)
        body = stream.read()
        stream.close()
    return body


@pytest.mark.parametrize("url", ["file:///etc/passwd", "file:///etc/../etc/passwd", "FILE:///etc/passwd",
                                 "http://127.0.0.1:9/x.png", "https://example.org/x.css", "ftp://example.org/x",
                                 "{content}/../outside/secret.txt", "{content}/images/link.png", "{content}/images/%2e%2e/%2e%2e/outside/secret.txt"])
def test_the_pdf_fetcher_refuses_what_is_outside_the_content_and_theme(url, fetcher_dirs):
    from yearbook.book.render import make_url_fetcher

    content, theme, _ = fetcher_dirs
    fetcher = make_url_fetcher([content, theme])
    url = url.replace("{content}", content.as_uri())

    with pytest.raises(ValueError, match="refused"):
        _fetch(fetcher, url)


def test_the_pdf_fetcher_reads_content_and_theme_files_and_only_the_listed_remote_images(fetcher_dirs):
    from yearbook.book.render import make_url_fetcher

    content, theme, _ = fetcher_dirs
    fetcher = make_url_fetcher([content, theme], remote_urls={"http://127.0.0.1:9/allowed.png"})

    assert _fetch(fetcher, (content / "images/ok.png").as_uri()) == b"png"
    assert _fetch(fetcher, (theme / "static/print.css").as_uri()) == b"body{}"
    with pytest.raises(ValueError, match="refused"):
        _fetch(fetcher, "http://127.0.0.1:9/other.png")
    with pytest.raises(ValueError, match="refused"):
        _fetch(fetcher, "file:///etc/passwd")


class _Server:
    """A tiny HTTP server on 127.0.0.1 that serves a PNG for any path and remembers what was asked."""

    def __init__(self) -> None:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (600, 400), (200, 30, 30)).save(buffer, "PNG")
        png, requests = buffer.getvalue(), []
        self.requests = requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png" if self.path.endswith(".png") else "text/css")
                self.end_headers()
                self.wfile.write(png if self.path.endswith(".png") else b"body { color: red }")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.close()


@pytest.mark.slow
def test_remote_images_when_allowed_are_linked_by_the_site_and_fetched_for_the_pdf_alone(server, make_site, run_cli,
                                                                                       article, article_page, tmp_path):
    theme = tmp_path / "themes/remote"
    shutil.copytree(REPO / "themes/default", theme)
    with (theme / "static/print.css").open("a", encoding="utf-8") as css:
        css.write(f'\n@import url("{server.url}/theme-import.css");\nbody {{ background: url("{server.url}/theme-bg.png"); }}\n')
    make_site({"articles/x.md": article(body=f"![远程照片]({server.url}/photo.png)\n\n[网页]({server.url}/page.html)\n",
                                        date="2021-06-01")},
              markdown="{remote_images: true}", theme="remote")

    code, _, err = run_cli("build", "--content", "content", "--output", "output")

    assert code == 0, err
    assert f'src="{server.url}/photo.png"' in article_page("x")
    assert "/photo.png" in server.requests  # the PDF has it
    assert not {"/theme-import.css", "/theme-bg.png", "/page.html"} & set(server.requests), server.requests


@pytest.mark.parametrize("target", ["file:///etc/passwd", "../../secret.png", "/etc/passwd"])
def test_local_paths_outside_stay_refused_when_remote_images_are_allowed(target, make_site, run_cli, article):
    make_site({"articles/x.md": article(body=f"![图]({target})\n")}, markdown="{remote_images: true}")

    code, _, err = run_cli("check")

    assert code == 1
    assert re.search(r"content/articles/x.md:\d+: image '[^']+' (is not allowed|points outside the content directory)", err), err


@pytest.mark.slow
def test_theme_css_cannot_make_weasyprint_read_files_outside(make_site, run_cli, tmp_path, monkeypatch):
    from weasyprint.urls import URLFetcher

    (tmp_path / "outside.css").write_text("body { color: red }", encoding="utf-8")
    (tmp_path / "outside.png").write_bytes((REPO / "themes/default/static/favicon.svg").read_bytes()
                                           if (REPO / "themes/default/static/favicon.svg").exists() else b"x")
    theme = tmp_path / "themes/evil"
    shutil.copytree(REPO / "themes/default", theme)
    with (theme / "static/print.css").open("a", encoding="utf-8") as css:
        css.write('\n@import url("file:///etc/passwd");\n@import url("../../../outside.css");\n'
                  'body { background: url("file:///etc/hostname"); }\nh1 { background: url("../../../outside.png"); }\n')
    read: list[str] = []
    real_fetch = URLFetcher.fetch

    def spy(self, url, *args, **kwargs):
        read.append(url)
        return real_fetch(self, url, *args, **kwargs)

    monkeypatch.setattr(URLFetcher, "fetch", spy)
    make_site(theme="evil")

    code, _, err = run_cli("build", "--content", "content", "--output", "output")

    assert code == 0, err
    assert read, "the spy saw no fetch at all"
    outside = [url for url in read if "/etc/" in url or "outside." in url]
    assert outside == []
    assert "refused" in err  # WeasyPrint's failed fetches come back as warnings naming what was refused
