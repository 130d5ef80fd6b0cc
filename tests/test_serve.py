"""`yearbook serve`: incremental rebuilds that never leave stale navigation, a server that never leaves
output/site and binds 127.0.0.1, live reload and the error overlay, a clear message for a busy port,
and a clean stop on Ctrl-C."""
from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from yearbook.cli import make_parser
from yearbook.errors import TemplateError
from yearbook.serve.rebuild import RebuildSettings, SiteState, rebuild_site, write_search_index
from yearbook.serve.server import LiveState, PreviewServer, Refused, ServeOptions, inject_live_script, serve, site_path

REPO = Path(__file__).resolve().parents[1]
OLD_TITLE, NEW_TITLE = "淮安市科协聚焦绿色高地", "淮安市科协改过的新标题"


# --- incremental rebuilds -------------------------------------------------------------------------

def retitle(content: Path, new: str = NEW_TITLE) -> None:
    path = content / "articles" / "huaian-kexie-2021.md"
    path.write_text(path.read_text(encoding="utf-8").replace(f"title: {OLD_TITLE}", f"title: {new}"), encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def assert_same_site(live: Path, clean: Path, what: str = "") -> None:
    """Every file of the two output/site trees, byte for byte (serve adds nothing on disk)."""
    full, incremental = site_files(clean / "site"), site_files(live / "site")
    assert sorted(incremental) == sorted(full), what
    different = [name for name in full if full[name] != incremental[name]]
    assert different == [], f"{what}: stale files {different}"
    assert not [name for name, data in full.items() if b"__yearbook" in data]  # no live-reload script on disk


def local_theme(tmp_path: Path, name: str = "custom") -> Path:
    """A copy of the built-in theme beside the content, as a theme author starts one; its templates folder."""
    shutil.copytree(REPO / "themes" / "default", tmp_path / "themes" / name)
    return tmp_path / "themes" / name / "templates"


def test_a_title_edit_reaches_every_page_that_shows_it_and_unchanged_files_are_not_written(make_site, tmp_path):
    content = make_site()
    output = tmp_path / "output"
    state = SiteState()
    rebuild_site(content, output, state)
    unrelated = output / "site/articles/fuyang-kexie-2022/index.html"  # another volume, region and theme
    stamp = unrelated.stat().st_mtime_ns
    retitle(content)
    report = rebuild_site(content, output, state)
    assert "articles/fuyang-kexie-2022/index.html" not in report.written
    assert unrelated.stat().st_mtime_ns == stamp
    for page in ("articles/huaian-kexie-2021/", "articles/tongzhou-kexie-2021/",  # the article and its neighbour
                 "index.html", "volumes/2021/", "regions/", "regions/jiangsu/", "regions/jiangsu/huaian/",
                 "themes/", "themes/kexue-puji/", "themes/dangjian-yinling/", "people/", "people/lirong/"):
        path = output / "site" / page
        html = (path / "index.html" if page.endswith("/") else path).read_text(encoding="utf-8")
        assert NEW_TITLE in html and OLD_TITLE not in html, page
        assert (page + "index.html" if page.endswith("/") else page) in report.written
    assert state.cache.misses == 1  # only the edited file was read again


def test_the_edited_articles_page_is_written_and_told_before_any_other_page(make_site, tmp_path):
    content = make_site()
    output = tmp_path / "output"
    state = SiteState()
    rebuild_site(content, output, state)
    others = [output / "site/articles/tongzhou-kexie-2021/index.html", output / "site/index.html",
              output / "site/regions/jiangsu/huaian/index.html"]
    seen = []

    def first_written(written: list[str]) -> None:
        edited = (output / "site/articles/huaian-kexie-2021/index.html").read_text(encoding="utf-8")
        seen.append((written, NEW_TITLE in edited, [NEW_TITLE in p.read_text(encoding="utf-8") for p in others]))

    retitle(content)
    report = rebuild_site(content, output, state, on_first_written=first_written)
    # when serve is told, the edited page is on disk and the pages that list it are still the old ones …
    assert seen == [(["articles/huaian-kexie-2021/index.html"], True, [False, False, False])]
    assert report.first == ["articles/huaian-kexie-2021/index.html"] and report.written[0] == report.first[0]
    # … which come with the rest of the rebuild
    assert all(NEW_TITLE in p.read_text(encoding="utf-8") for p in others)


def test_an_unchanged_tree_writes_nothing(make_site, tmp_path):
    content = make_site()
    state = SiteState()
    rebuild_site(content, tmp_path / "output", state)
    report = rebuild_site(content, tmp_path / "output", state)
    assert report.written == [] and report.removed == [] and report.first == []


def test_incremental_output_equals_a_full_build_after_every_kind_of_edit(make_site, article, run_cli, tmp_path):
    content = make_site()
    state = SiteState()
    live = tmp_path / "live"
    edits = [
        lambda: retitle(content),
        lambda: edit(content / "articles/2021/tongzhou-kexie-2021.md", "topics: [dangjian-yinling, 科普]", "topics: [xiangcun-zhenxing]"),
        lambda: (content / "articles/new-kexie-2022.md").write_text(article(title="新来的报道", region="阜阳市", date="2022-06",
                                                                              bylines="[{role: 记者, name: 李蓉}]"), encoding="utf-8"),
        lambda: (content / "articles/fuyang-kexie-2022.md").unlink(),
        lambda: edit(content / "topics.yml", "name: 科学普及", "name: 科普工作（改）"),
        lambda: edit(content / "articles/huaian-kexie-2021.md", "市科协广泛对接海外高端科技资源。", "市科协广泛对接海外高端科技资源，正文改了。"),
    ]
    for number, change in enumerate(edits):
        time.sleep(0.01)
        change()
        report = rebuild_site(content, live, state, pdf_names=set())
        write_search_index(report, live)
        code, _, err = run_cli("build", "--content", "content", "--output", f"full{number}", "--only", "html")
        assert code == 0, err
        assert_same_site(live, tmp_path / f"full{number}", f"edit {number}")


BODY_OLD, BODY_NEW = "市科协广泛对接海外高端科技资源。", "市科协广泛对接海外高端科技资源，再添一句更长的正文。"

# what theme authors do: show more of the model on a page, then editors edit an article's text
TEMPLATE_EDITS = [  # (template, old text, new text)
    ("home.html", "{{ m.article_item(article, summary=true) }}",
     "{{ m.article_item(article, summary=true) }}<i>{{ article.body_html|length }}</i>"),
    ("base.html", "</body>", "<p>{{ yearbook.articles|map(attribute='body_html')|join|length }}</p></body>"),
    ("article.html", "{% if article.previous or article.next %}",
     "{% if article.next %}<b>{{ article.next.body_html|length }}</b>{% endif %}{% if article.previous or article.next %}"),
    ("topic.html", "{% block main %}", "{% block main %}{% for a in yearbook.articles %}{{ a.headings|length }}{{ a.body_html[:9] }}{% endfor %}"),
]


def test_after_any_template_change_and_a_body_edit_every_page_equals_a_clean_build(make_site, run_cli, tmp_path):
    templates = local_theme(tmp_path)
    content = make_site(theme="custom")
    state = SiteState()
    live = tmp_path / "live"
    rebuild_site(content, live, state, pdf_names=set())
    body = content / "articles/huaian-kexie-2021.md"
    for number, (template, old, new) in enumerate(TEMPLATE_EDITS):
        for step, change in enumerate([lambda: edit(templates / template, old, new),
                                       lambda: edit(body, *((BODY_OLD, BODY_NEW) if number % 2 == 0 else (BODY_NEW, BODY_OLD)))]):
            time.sleep(0.01)
            change()
            report = rebuild_site(content, live, state, pdf_names=set())
            write_search_index(report, live)
            code, _, err = run_cli("build", "--content", "content", "--output", f"full{number}-{step}", "--only", "html")
            assert code == 0, err
            assert_same_site(live, tmp_path / f"full{number}-{step}", f"{template}, step {step}")
        assert report.first == ["articles/huaian-kexie-2021/index.html"]  # the body edit's page went first


SCENARIO = """
import json, sys, time
from pathlib import Path
from yearbook.errors import TemplateError
from yearbook.serve.rebuild import RebuildSettings, SiteState, rebuild_site, write_search_index
content, live, edits = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
state = SiteState()
write_search_index(rebuild_site(content, live, state, pdf_names=set()), live)
for path, old, new in edits:
    text = Path(path).read_text(encoding="utf-8")
    assert old in text, (path, old)
    time.sleep(0.01)
    Path(path).write_text(text.replace(old, new), encoding="utf-8")
    write_search_index(rebuild_site(content, live, state, pdf_names=set()), live)
"""


def test_the_built_in_theme_changed_by_hand_then_a_body_edit_equals_a_clean_build(make_site, tmp_path):
    """The tester's case: home.html of the built-in theme (here of a copy of the project, so that the
    built-in theme may be edited) shows each latest article's body length; an editor then edits a body."""
    project = tmp_path / "project"
    for part in ("yearbook", "themes"):
        shutil.copytree(REPO / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "build.py", project / "build.py")
    content = make_site()
    home = project / "themes/default/templates/home.html"
    template, old, new = TEMPLATE_EDITS[0]
    edits = [(str(home), old, new), (str(content / "articles/huaian-kexie-2021.md"), BODY_OLD, BODY_NEW)]
    env = dict(os.environ, PYTHONPATH=str(project), PYTHONIOENCODING="utf-8")
    run = subprocess.run([sys.executable, "-c", SCENARIO, str(content), str(tmp_path / "live"), json.dumps(edits)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, str(project / "build.py"), "build", "--content", "content", "--output", "clean",
                          "--only", "html"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "<i>" in (tmp_path / "clean/site/index.html").read_text(encoding="utf-8")  # the copy's theme is the one used
    assert_same_site(tmp_path / "live", tmp_path / "clean", "built-in theme")


def test_pages_shared_with_a_forked_process_are_the_pages_of_a_clean_build(make_site, run_cli, tmp_path):
    from yearbook.parallel import worker_count

    if worker_count() < 2:
        pytest.skip("one core: the pages are not shared")
    templates = local_theme(tmp_path)
    content = make_site(theme="custom")
    state, live = SiteState(), tmp_path / "live"
    shared = RebuildSettings(parallel_min_articles=1, page_chunk=2)
    assert rebuild_site(content, live, state, pdf_names=set(), settings=shared).processes == 2
    edit(templates / "base.html", "</body>", "<p>{{ page_url }}</p></body>")
    retitle(content)
    report = rebuild_site(content, live, state, pdf_names=set(), settings=shared)
    write_search_index(report, live)
    assert report.processes == 2
    code, _, err = run_cli("build", "--content", "content", "--output", "clean", "--only", "html")
    assert code == 0, err
    assert_same_site(live, tmp_path / "clean", "shared")
    assert rebuild_site(content, live, state, pdf_names=set()).processes == 1  # a small tree, by default: one process


@pytest.mark.parametrize("processes", [1, 2])
def test_a_template_that_fails_half_way_writes_nothing(make_site, tmp_path, processes):
    templates = local_theme(tmp_path)
    content = make_site(theme="custom")
    state, live = SiteState(), tmp_path / "live"
    settings = RebuildSettings(parallel_min_articles=1 if processes == 2 else 10**6, page_chunk=2)
    rebuild_site(content, live, state, pdf_names=set(), settings=settings)
    before = site_files(live / "site")
    edit(templates / "base.html", "</body>", "<p>{{ page_url }}</p></body>")  # every page changes …
    edit(templates / "topic.html", "{% block main %}", "{% block main %}{{ 1 // (entry.topic.slug != 'xiangcun-zhenxing') }}")
    with pytest.raises(TemplateError) as failed:  # … but one of them fails
        rebuild_site(content, live, state, pdf_names=set(), settings=settings)
    assert "topic.html" in str(failed.value.problem.location.path)
    assert site_files(live / "site") == before  # no page written, no temporary file left


def test_a_failed_rebuild_writes_nothing(make_site, article, tmp_path):
    content = make_site()
    state = SiteState()
    rebuild_site(content, tmp_path / "output", state)
    before = site_files(tmp_path / "output" / "site")
    retitle(content)
    (content / "articles" / "broken.md").write_text(article(region="不存在的地方"), encoding="utf-8")
    with pytest.raises(Exception):
        rebuild_site(content, tmp_path / "output", state)
    assert site_files(tmp_path / "output" / "site") == before


# --- which files may be served -----------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/articles/../../secret.txt", "/.%2e/secret.txt",
    "/%2e%2e%2fsecret.txt", "/..%2fsecret.txt", "/..%5csecret.txt", "/..\\secret.txt", "/articles/%2e%2e/%2e%2e/secret.txt",
    "/%00", "/./index.html",
])
def test_paths_that_could_leave_the_site_are_refused(raw, tmp_path):
    site = tmp_path / "output" / "site"
    site.mkdir(parents=True)
    with pytest.raises(Refused):
        site_path(site, raw)


def test_a_double_encoded_dot_dot_is_just_a_missing_file(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    target, rel = site_path(site, "/%252e%252e/secret.txt")
    assert target.is_relative_to(site.resolve()) and rel == "%2e%2e/secret.txt"


def test_a_symlink_out_of_the_site_is_refused(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", site / "link.txt")
    with pytest.raises(Refused):
        site_path(site, "/link.txt")


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """A GET with the path sent exactly as given (HTTP clients would normalise the '..')."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.fixture
def static_server(tmp_path):
    site = tmp_path / "output" / "site"
    (site / "articles" / "a").mkdir(parents=True)
    (site / "index.html").write_text("<html><body><p>home</p></body></html>", encoding="utf-8")
    (site / "articles" / "a" / "index.html").write_text("<html><body>文章</body></html>", encoding="utf-8")
    (tmp_path / "output" / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    server = PreviewServer(("127.0.0.1", 0), site, LiveState())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("raw", ["/../secret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/..%2f..%2fetc/passwd",
                                 "/articles/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt", "//../secret.txt"])
def test_the_server_never_answers_with_a_file_outside_the_site(raw, static_server):
    status, body = raw_get(static_server.server_address[1], raw)
    assert status in (400, 403, 404)
    assert b"TOP SECRET" not in body and b"root:" not in body


def test_html_gets_the_live_reload_script_but_the_file_on_disk_does_not(static_server, tmp_path):
    status, body = raw_get(static_server.server_address[1], "/articles/a/")
    assert status == 200 and b'id="yearbook-live"' in body and "文章".encode() in body
    assert b"yearbook-live" not in (tmp_path / "output/site/articles/a/index.html").read_bytes()
    status, _ = raw_get(static_server.server_address[1], "/articles/a")
    assert status == 301  # directory URLs get their slash


def test_the_script_goes_before_the_closing_body_tag():
    html = inject_live_script(b"<html><body><p>x</p></body></html>", "index.html", LiveState().snapshot())
    assert html.index(b"yearbook-live") < html.index(b"</body>")
    assert b'"page": "index.html"' in html


# --- binding ---------------------------------------------------------------------------------------

def test_serve_binds_127_0_0_1_and_port_8000_by_default():
    args = make_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert (ServeOptions(Path("c"), Path("o")).host, ServeOptions(Path("c"), Path("o")).port) == ("127.0.0.1", 8000)


def test_a_busy_port_gives_a_clear_message_a_suggestion_and_exit_2(make_site, run_cli):
    make_site()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run_cli("serve", "--content", "content", "--output", "output", "--port", str(port))
    assert code == 2
    assert f"port {port} is in use; try --port " in err


# --- the live preview ------------------------------------------------------------------------------

def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def state_of(port: int) -> dict:
    return json.loads(get(port, "/__yearbook/state")[1])


def wait_for(port: int, condition, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = state_of(port)
        if condition(state):
            return state
        time.sleep(0.05)
    raise AssertionError(f"state never matched: {state}")


@pytest.fixture
def preview(make_site, tmp_path):
    content = make_site()
    out, err = io.StringIO(), io.StringIO()
    started, stop = {}, threading.Event()
    ready = threading.Event()

    def on_ready(port: int) -> None:
        started["port"] = port
        ready.set()

    options = ServeOptions(content, tmp_path / "output", port=0, pdf_delay=0)
    thread = threading.Thread(target=serve, args=(options,), kwargs=dict(out=out, err=err, ready=on_ready, stop=stop), daemon=True)
    thread.start()
    assert ready.wait(60)
    yield started["port"], content, out, err
    stop.set()
    thread.join(10)
    assert not thread.is_alive()


def test_a_content_error_shows_in_the_browser_and_terminal_and_the_next_good_save_clears_it(preview, find_line):
    port, content, out, err = preview
    build = state_of(port)["build"]
    path = content / "articles" / "huaian-kexie-2021.md"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("region: 淮安市", "region: 淮安"), encoding="utf-8")
    state = wait_for(port, lambda s: s["errors"])
    line = find_line(good, "region:")
    # path:line: message (the path as seen from the working directory)
    assert any(f"content/articles/huaian-kexie-2021.md:{line}: unknown region '淮安'" in e for e in state["errors"])
    assert f"content/articles/huaian-kexie-2021.md:{line}: unknown region" in err.getvalue()
    status, html = get(port, "/articles/huaian-kexie-2021/")
    assert status == 200 and OLD_TITLE in html and 'id="yearbook-live"' in html  # the last good page, with the overlay script
    path.write_text(good.replace(f"title: {OLD_TITLE}", f"title: {NEW_TITLE}"), encoding="utf-8")
    state = wait_for(port, lambda s: not s["errors"] and s["build"] > build)
    assert "articles/huaian-kexie-2021/index.html" in state["changed"]
    # the edited page is written first; the neighbour that shows its title comes with the rest
    state = wait_for(port, lambda s: "articles/tongzhou-kexie-2021/index.html" in s["changed"])
    assert "articles/huaian-kexie-2021/index.html" in state["changed"] and not state["errors"]
    assert NEW_TITLE in get(port, "/articles/tongzhou-kexie-2021/")[1]


def slow_theme(tmp_path: Path) -> str:
    """A theme whose 404 page (the last page of a build) takes half a second or so to render."""
    templates = local_theme(tmp_path, "slow")
    edit(templates / "404.html", "{% block main %}", "{% block main %}{% for i in range(8000000) %}{% endfor %}")
    return "slow"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(content: Path, output: Path, port: int = 0, wait: bool = True):
    """serve() in a thread; yields its port, stdout and stderr (once it serves, with ``wait``)."""
    out, err, ready, stop = io.StringIO(), io.StringIO(), threading.Event(), threading.Event()
    started = {"port": port}
    options = ServeOptions(content, output, port=port, pdf_delay=0)
    thread = threading.Thread(target=serve, args=(options,), daemon=True,
                              kwargs=dict(out=out, err=err, ready=lambda p: started.update(port=p) or ready.set(), stop=stop))
    thread.start()
    try:
        if wait:
            assert ready.wait(60)
        yield started["port"], out, err, ready
    finally:
        stop.set()
        thread.join(20)
    assert not thread.is_alive()


def test_a_save_during_the_first_build_brings_a_rebuild_after_it(make_site, tmp_path):
    content = make_site(theme=slow_theme(tmp_path))
    with serving(content, tmp_path / "output", port=free_port(), wait=False) as (port, out, err, ready):
        deadline = time.monotonic() + 60
        while True:  # the server answers from the start; the first build has read the content once it renders
            try:
                state = state_of(port)
                if state["build"] == 0 and state["stage"] == "render":
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and not ready.is_set(), "the first build was never seen rendering"
            time.sleep(0.01)
        retitle(content)
        assert ready.wait(60)
        wait_for(port, lambda s: s["build"] >= 2 and s["stage"] is None, timeout=60)
        assert NEW_TITLE in get(port, "/articles/huaian-kexie-2021/")[1]
        assert "(huaian-kexie-2021.md)" in out.getvalue()  # a rebuild of its own, after the first build


def test_a_save_during_a_rebuild_brings_another_rebuild_after_it(make_site, tmp_path):
    content = make_site(theme=slow_theme(tmp_path))
    with serving(content, tmp_path / "output") as (port, out, err, ready):
        edit(content / "articles/2021/tongzhou-kexie-2021.md", "title: 努力开创", "title: 改过的努力开创")
        wait_for(port, lambda s: s["stage"] == "render", timeout=30)  # that rebuild has read the tree
        retitle(content)
        wait_for(port, lambda s: s["build"] >= 5 and s["stage"] is None, timeout=60)  # 1 + 2 rebuilds, 2 events each
        page = get(port, "/articles/huaian-kexie-2021/")[1]
        assert NEW_TITLE in page and "改过的努力开创" in page  # the neighbour's new title too
        log = out.getvalue()
        assert log.index("(tongzhou-kexie-2021.md)") < log.index("(huaian-kexie-2021.md)")


def builder_processes() -> list[int]:
    """The pids of this process's serve builders (Linux: /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent == os.getpid() and b"yearbook.serve.builder" in (stat.parent / "cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the builder process through /proc")
def test_a_builder_killed_during_a_rebuild_is_reported_and_the_next_save_starts_another(make_site, tmp_path):
    content = make_site(theme=slow_theme(tmp_path))
    with serving(content, tmp_path / "output") as (port, out, err, ready):
        [builder] = builder_processes()
        retitle(content)
        wait_for(port, lambda s: s["stage"] == "render", timeout=30)
        os.kill(builder, signal.SIGKILL)
        state = wait_for(port, lambda s: s["errors"], timeout=30)
        assert "internal error" in state["errors"][0] and "builder process stopped" in state["errors"][0]
        (content / "articles/huaian-kexie-2021.md").touch()  # a save, the text unchanged
        wait_for(port, lambda s: not s["errors"] and s["stage"] is None, timeout=60)
        assert NEW_TITLE in get(port, "/articles/huaian-kexie-2021/")[1] and NEW_TITLE in get(port, "/")[1]
        assert builder_processes() not in ([], [builder])  # another one
    assert builder_processes() == []


def test_the_events_stream_sends_the_state_at_once(preview):
    port = preview[0]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /__yearbook/events HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        while b"\n\ndata: " not in data and b"\r\n\r\ndata: " not in data or not data.endswith(b"\n\n"):
            data += sock.recv(4096)
    assert b"text/event-stream" in data
    event = json.loads(data.split(b"data: ", 1)[1].split(b"\n\n", 1)[0])
    assert event["errors"] == [] and event["build"] >= 1


def test_a_missing_page_is_the_sites_404_page(preview):
    status, html = get(preview[0], "/articles/no-such-article/")
    assert status == 404 and 'id="yearbook-live"' in html


def test_ctrl_c_stops_the_server_cleanly(make_site, tmp_path):
    make_site()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--content", "content", "--output", "output",
                             "--port", str(port), "--pdf-delay", "0"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(90, proc.kill)  # never hang the suite on a server that does not start
    watchdog.start()
    try:
        line = proc.stdout.readline()
        while line and "serving" not in line:
            line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped." in out and "Traceback" not in err


# --- the PDF in the background ---------------------------------------------------------------------

def make_scheduler(tmp_path, delay: float):
    from yearbook.serve.background import BackgroundJob

    runs, done = [], threading.Event()
    scheduler = BackgroundJob("pdf", tmp_path, tmp_path, delay, on_done=lambda result: done.set())
    scheduler._run = lambda: runs.append(time.monotonic()) or {"ok": True, "files": ["x.pdf"]}
    scheduler.start()
    return scheduler, runs, done


def test_the_pdf_waits_for_a_quiet_period_and_runs_once_for_a_burst_of_changes(tmp_path):
    scheduler, runs, done = make_scheduler(tmp_path, delay=0.3)
    try:
        start = time.monotonic()
        for _ in range(3):
            scheduler.changed()
            time.sleep(0.1)
        assert done.wait(5)
        time.sleep(0.4)
        assert len(runs) == 1 and runs[0] - start >= 0.5  # 0.2 s of changes + 0.3 s of quiet
        assert scheduler.status == "ok"
    finally:
        scheduler.stop()


def test_with_no_delay_the_pdf_is_made_only_on_request(tmp_path):
    scheduler, runs, done = make_scheduler(tmp_path, delay=0)
    try:
        scheduler.changed()
        time.sleep(0.3)
        assert runs == []
        scheduler.request()
        assert done.wait(5) and len(runs) == 1
    finally:
        scheduler.stop()


def test_post_to_the_pdf_endpoint_requests_a_pdf(preview, monkeypatch):
    port = preview[0]
    request = urllib.request.Request(f"http://127.0.0.1:{port}/__yearbook/pdf", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 202
    state = wait_for(port, lambda s: s["pdf"] in ("waiting", "building", "ok", "failed"))
    assert state["pdf"] in ("waiting", "building", "ok", "failed")


def test_an_editors_swap_file_does_not_empty_the_article_cache(make_site, tmp_path):
    content = make_site()
    state = SiteState()
    rebuild_site(content, tmp_path / "output", state)
    (content / "articles" / ".huaian-kexie-2021.md.swp").write_bytes(b"vim swap")
    (content / "articles" / "huaian-kexie-2021.md~").write_bytes(b"backup")
    retitle(content)
    rebuild_site(content, tmp_path / "output", state)
    assert (state.cache.hits, state.cache.misses) == (2, 1)


def test_the_tree_stamp_sees_every_content_file_but_scratch_files_and_hidden_folders(make_site, tmp_path):
    from yearbook.serve.cache import tree_stamp

    content = make_site({"images/a.png": b"png", "images/.thumbs/b.png": b"hidden", "articles/.drafts/x.md": "hidden",
                         "articles/sub/y.md": "an article", "articles/sub/y.md~": "backup", "4913": "vim's probe"})
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "z.md").write_text("linked", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere", content / "articles" / "linked")  # a folder: listed as a link, not followed
    os.symlink(tmp_path / "elsewhere" / "z.md", content / "articles" / "z.md")
    others, articles, links = tree_stamp(content)
    rel = lambda paths: sorted(Path(p).relative_to(content).as_posix() for p in paths)  # noqa: E731
    assert rel(path for path, _ in others) == ["images/a.png", "regions.yml", "topics.yml", "yearbook.yml"]
    assert rel(articles) == ["articles/2021/tongzhou-kexie-2021.md", "articles/fuyang-kexie-2022.md",
                             "articles/huaian-kexie-2021.md", "articles/sub/y.md", "articles/z.md"]
    assert rel(links) == ["articles/linked", "articles/z.md"]
    stamp = dict(others)[str(content / "images/a.png")]
    (content / "images/a.png").write_bytes(b"png, changed")
    assert dict(tree_stamp(content)[0])[str(content / "images/a.png")] != stamp
