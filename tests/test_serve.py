"""`yearbook serve`: incremental rebuilds that never leave stale navigation, a server that never leaves
output/site and binds 127.0.0.1, live reload and the error overlay, a clear message for a busy port,
and a clean stop on Ctrl-C."""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from yearbook.cli import make_parser
from yearbook.serve.rebuild import SiteState, rebuild_site, write_search_index
from yearbook.serve.server import LiveState, PreviewServer, Refused, ServeOptions, inject_live_script, serve, site_path

REPO = Path(__file__).resolve().parents[1]
OLD_TITLE, NEW_TITLE = "淮安市科协聚焦绿色高地", "淮安市科协改过的新标题"


# --- incremental rebuilds -------------------------------------------------------------------------

def retitle(content: Path, new: str = NEW_TITLE) -> None:
    path = content / "articles" / "huaian-kexie-2021.md"
    path.write_text(path.read_text(encoding="utf-8").replace(f"title: {OLD_TITLE}", f"title: {new}"), encoding="utf-8")


def test_after_a_title_edit_neighbours_and_indexes_show_it_and_unrelated_pages_are_not_rendered(make_site, tmp_path):
    content = make_site()
    output = tmp_path / "output"
    state = SiteState()
    first = rebuild_site(content, output, state)
    unrelated = output / "site/articles/fuyang-kexie-2022/index.html"  # another volume, region and theme
    stamp = unrelated.stat().st_mtime_ns
    retitle(content)
    report = rebuild_site(content, output, state)
    assert "articles/fuyang-kexie-2022/index.html" not in report.rendered
    assert unrelated.stat().st_mtime_ns == stamp
    assert len(report.rendered) < len(first.rendered)
    for page in ("articles/huaian-kexie-2021/", "articles/tongzhou-kexie-2021/",  # the article and its neighbour
                 "index.html", "volumes/2021/", "regions/jiangsu/", "regions/jiangsu/huaian/", "years/2021/",
                 "themes/kexue-puji/", "themes/kexue-puji/jiangsu/", "themes/dangjian-yinling/", "people/lirong/"):
        path = output / "site" / page
        html = (path / "index.html" if page.endswith("/") else path).read_text(encoding="utf-8")
        assert NEW_TITLE in html and OLD_TITLE not in html, page
    assert state.cache.misses == 1  # only the edited file was read again


def test_another_theme_is_rendered_whole_but_only_changed_files_are_written(make_site, tmp_path):
    import shutil

    shutil.copytree(REPO / "themes" / "default", tmp_path / "themes" / "custom")
    content = make_site(theme="custom")
    state = SiteState()
    rebuild_site(content, tmp_path / "output", state)
    unrelated = tmp_path / "output/site/articles/fuyang-kexie-2022/index.html"
    stamp = unrelated.stat().st_mtime_ns
    retitle(content)
    report = rebuild_site(content, tmp_path / "output", state)
    assert "articles/fuyang-kexie-2022/index.html" in report.rendered  # its theme may show anything …
    assert "articles/fuyang-kexie-2022/index.html" not in report.written  # … but its bytes did not change
    assert unrelated.stat().st_mtime_ns == stamp


@pytest.mark.xfail(reason="the pages added for issue 15 (lists in pages, years, theme × province, the book's pages) "
                          "have no fingerprint: by agreement, serve's fingerprints are being replaced by a "
                          "mechanism that covers every page (branch serve-correct); until then serve renders "
                          "them on every rebuild (it still writes only changed files)", strict=False)
def test_an_unchanged_tree_renders_and_writes_nothing(make_site, tmp_path):
    content = make_site()
    state = SiteState()
    rebuild_site(content, tmp_path / "output", state)
    report = rebuild_site(content, tmp_path / "output", state)
    assert [r for r in report.rendered if r.endswith(".html")] == [] and report.written == []


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_incremental_output_equals_a_full_build_after_every_kind_of_edit(make_site, article, run_cli, tmp_path):
    content = make_site()
    state = SiteState()
    live = tmp_path / "live"
    edits = [
        lambda: retitle(content),
        lambda: (content / "articles/2021/tongzhou-kexie-2021.md").write_text(
            (content / "articles/2021/tongzhou-kexie-2021.md").read_text(encoding="utf-8").replace("topics: [dangjian-yinling, 科普]",
                                                                                                   "topics: [xiangcun-zhenxing]"), encoding="utf-8"),
        lambda: (content / "articles/new-kexie-2022.md").write_text(article(title="新来的报道", region="阜阳市", date="2022-06",
                                                                              bylines="[{role: 记者, name: 李蓉}]"), encoding="utf-8"),
        lambda: (content / "articles/fuyang-kexie-2022.md").unlink(),
        lambda: (content / "topics.yml").write_text((content / "topics.yml").read_text(encoding="utf-8").replace("name: 科学普及", "name: 科普工作（改）"), encoding="utf-8"),
    ]
    for number, edit in enumerate(edits):
        time.sleep(0.01)
        edit()
        report = rebuild_site(content, live, state, pdf_names=set())
        write_search_index(report, live)
        code, _, err = run_cli("build", "--content", "content", "--output", f"full{number}", "--only", "html")
        assert code == 0, err
        full, incremental = site_files(tmp_path / f"full{number}" / "site"), site_files(live / "site")
        assert sorted(incremental) == sorted(full), f"edit {number}"
        different = [name for name in full if full[name] != incremental[name]]
        assert different == [], f"edit {number}: stale files {different}"
        assert not [name for name, data in full.items() if b"__yearbook" in data]  # no live-reload script on disk


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
