"""The hostile catalogue, part four (issue 16, phase 2): the output and the preview server.

- the output follows the umask (a web server's account can read it), as other generators do;
- a ``serve`` killed during a rebuild leaves temporary files and a mixed site: the restart removes
  the former and its first rebuild makes the site one build's again;
- the preview server answers 414 to an address too long for the file system, closes idle
  connections, holds a burst of connections in its listen backlog, and sends ``nosniff`` and a
  Content-Security-Policy (an SVG opened by itself runs nothing; a page runs only the site's scripts
  and the live-reload script, by its nonce)."""
from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, page_of
from test_serve import raw_get, serving
from yearbook.serve import server as serve_server
from yearbook.serve.server import LiveState, PreviewServer

PYTHON = sys.executable


# --- the output's permissions ------------------------------------------------------------------------

def build_with_umask(root: Path, umask: int) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8")
    return subprocess.run([PYTHON, str(REPO / "build.py"), "build", "--only", "html", "--quiet"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300, preexec_fn=lambda: os.umask(umask))


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_the_output_folder_and_its_files_follow_the_umask(umask, make_site, tmp_path):
    make_site()
    for _ in range(2):  # the first build and one that replaces an output already there
        done = build_with_umask(tmp_path, umask)
        assert done.returncode == 0, done.stderr
        output = tmp_path / "output"
        assert stat.S_IMODE(output.stat().st_mode) == 0o777 & ~umask
        assert stat.S_IMODE((output / "site").stat().st_mode) == 0o777 & ~umask
        assert stat.S_IMODE((output / "site/index.html").stat().st_mode) == 0o666 & ~umask


# --- serve killed during a rebuild ---------------------------------------------------------------------

def test_a_restart_of_serve_removes_a_killed_rebuilds_temporaries_and_makes_the_site_whole(make_site, tmp_path):
    """What ``kill -9`` of serve during a rebuild leaves (stage_changed's ``.<name>.<pid>.tmp`` files,
    some pages renamed into place and others not), made by hand: the moment of a kill cannot be chosen."""
    content = make_site()
    with serving(content, tmp_path / "output"):
        pass
    site = tmp_path / "output/site"
    clean = page_of(tmp_path, "huaian-kexie-2021")
    leftovers = [site / ".index.html.999999.tmp", site / "articles/huaian-kexie-2021/.index.html.4242.tmp"]
    for path in leftovers:
        path.write_text("<html>half a rebuild</html>", encoding="utf-8")
    page = site / "articles/huaian-kexie-2021/index.html"
    page.write_text(clean.replace("淮安市科协", "半途的标题"), encoding="utf-8")  # renamed in before the kill
    kept = site / "articles/huaian-kexie-2021/notes.tmp"  # not a temporary of yearbook's: a name it never makes
    kept.write_text("x", encoding="utf-8")

    with serving(content, tmp_path / "output"):
        pass

    assert not any(path.exists() for path in leftovers)
    assert not [p for p in site.rglob("*.tmp") if re.match(r"^\..+\.\d+\.tmp$", p.name)]
    assert page.read_text(encoding="utf-8") == clean
    assert kept.read_text(encoding="utf-8") == "x"


# --- the preview server ----------------------------------------------------------------------------------

@pytest.fixture
def site_server(tmp_path):
    site = tmp_path / "output/site"
    (site / "media/images").mkdir(parents=True)
    (site / "index.html").write_text("<html><body><p>home</p></body></html>", encoding="utf-8")
    (site / "media/images/evil.svg").write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    server = PreviewServer(("127.0.0.1", 0), site, LiveState())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def response(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode("utf-8"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("path", ["/" + "长" * 13334, "/articles/" + "a" * 40000, "/" + "a" * 300 + "/"])
def test_an_address_too_long_for_the_file_system_is_answered_414_and_the_server_goes_on(path, site_server):
    port = site_server.server_address[1]

    status, _, body = response(port, path)

    assert status == 414, body
    assert raw_get(port, "/")[0] == 200


def test_an_svg_opened_by_itself_runs_nothing_and_nothing_is_sniffed(site_server):
    status, headers, body = response(site_server.server_address[1], "/media/images/evil.svg")

    assert status == 200 and headers["content-type"] == "image/svg+xml"
    assert headers["x-content-type-options"] == "nosniff"
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy.split("; ")


def test_a_page_runs_only_the_sites_scripts_and_the_live_reload_script_by_its_nonce(site_server):
    port = site_server.server_address[1]
    _, headers, body = response(port, "/")
    _, again, _ = response(port, "/")

    assert headers["x-content-type-options"] == "nosniff"
    policy = dict(part.split(" ", 1) for part in headers["content-security-policy"].split("; "))
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert "'unsafe-inline'" not in policy["script-src"] and "'self'" in policy["script-src"]
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert f'<script id="yearbook-live" nonce="{nonce}">'.encode() in body  # the script the policy lets run
    assert nonce not in again["content-security-policy"]  # a nonce per response


def test_idle_connections_are_closed_after_the_idle_timeout(site_server, monkeypatch):
    monkeypatch.setattr(serve_server.PreviewHandler, "timeout", 0.5)  # read by each handler as it starts
    port = site_server.server_address[1]
    before = threading.active_count()
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(40)]
    try:
        time.sleep(0.3)
        assert threading.active_count() >= before + 30  # a thread each, while they are held
        for sock in sockets:
            assert sock.recv(1) == b""  # closed by the server, not by us (recv would block: timeout=10)
        deadline = time.monotonic() + 10
        while threading.active_count() > before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert threading.active_count() <= before
    finally:
        for sock in sockets:
            sock.close()
    assert raw_get(port, "/")[0] == 200


def test_the_default_idle_timeout_is_longer_than_the_event_streams_keep_alive():
    assert serve_server.KEEPALIVE_SECONDS < serve_server.PreviewHandler.timeout <= 60


def test_a_burst_of_connections_waits_in_the_listen_backlog(tmp_path):
    """200 connections to a server that is not accepting yet (busy): each completes its handshake at
    once into the backlog (with the old backlog of 5, all but the first few waited for SYN retries)."""
    (tmp_path / "site").mkdir()
    server = PreviewServer(("127.0.0.1", 0), tmp_path / "site", LiveState())
    sockets = []
    try:
        for _ in range(200):
            sockets.append(socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=0.5))
    finally:
        for sock in sockets:
            sock.close()
        server.server_close()
    assert len(sockets) == 200
