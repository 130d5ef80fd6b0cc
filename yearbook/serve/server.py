"""``yearbook serve``: build, serve ``output/site`` on 127.0.0.1, rebuild on every save, reload the browser.

- Files come only from ``output/site``: a path with a ``..`` segment (also encoded, ``%2e%2e``), an
  encoded slash or backslash, a NUL, or one that resolves outside the site (a symlink) is refused.
- HTML responses get a small live-reload script (never the files on disk; livereload.py). It listens to
  ``/__yearbook/events`` (server-sent events: build number, changed files, errors): it reloads when its
  page (or a stylesheet, script or image) changed, and shows an overlay with every ``path:line: message``
  while the content has errors; the next good save clears it (Zola ``serve.rs``, MkDocs ``livereload``).
- ``GET /__yearbook/state`` is the same state as JSON; ``POST /__yearbook/pdf`` makes the PDF now.
- Every rebuild runs in the builder process (builder.py, rebuild.py): every page rendered from the
  new model, only files whose bytes changed written. The watcher runs from before the first build, so
  a save made during any build brings another one after it.
- A content error never stops the server: the last good pages stay on disk and keep being served.
- The PDF is made in a child process after a quiet period (``--pdf-delay``), so it never delays the HTML;
  so is the search index of a tree of more than SEARCH_IN_PROCESS_MAX articles (after a second of quiet).
"""
from __future__ import annotations

import dataclasses
import errno
import html
import http.server
import json
import logging
import mimetypes
import secrets
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO
from urllib.parse import unquote, urlsplit

from ..site import urls
from ..errors import OutputError
from ..i18n import ENGLISH, Translator, _
from .background import BackgroundJob
from .livereload import EVENTS_PATH, STATE_PATH, LiveState, inject_live_script
from ..output import OutputLock, check_output_dir, ensure_output_dir, lock_output, remove_temporaries, waiting_message
from .builder import Builder, BuilderCrashed, RebuildFailed, RebuildSummary
from .rebuild import RebuildSettings, drafts_dir
from ..themes import PROJECT_THEMES
from .watch import Watcher

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PDF_PATH = "/__yearbook/pdf"
KEEPALIVE_SECONDS = 15.0
# Hardening of the preview server: a request path longer than this is answered 414 (the file system
# would refuse the name anyway); a connection that sends nothing for IDLE_TIMEOUT_SECONDS is closed
# (every connection is a thread); the listen backlog holds a browser's burst of requests (the
# default 5 overflowed under 50 clients: SYN retries of a second and more). The event stream writes
# every KEEPALIVE_SECONDS, well inside the idle timeout.
MAX_PATH_BYTES = 8192
IDLE_TIMEOUT_SECONDS = 30.0
LISTEN_BACKLOG = 1024  # the kernel caps it at net.core.somaxconn
# Every response: no content sniffing. HTML pages: scripts only from the site and the live-reload
# script (by its nonce), no plugins, no <base>; any other file (an SVG image opened by itself, say)
# runs nothing at all, in a sandbox. PDFs get no policy (a browser's PDF viewer refuses a sandbox).
PAGE_POLICY = ("default-src 'self'; script-src 'self' 'nonce-%s'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: http: https:; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'self'")
FILE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
SEARCH_IN_PROCESS_MAX = 200  # articles; above, the search index is rebuilt in a child process (background.py)
SEARCH_DELAY_SECONDS = 1.0  # … after this much quiet


class PortInUseError(Exception):
    """The port cannot be bound; ``message`` says which and suggests another."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ServeOptions:
    content_dir: Path
    output_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    pdf_delay: float = 10.0  # seconds of quiet before the PDF is made again; 0: only on request
    debug: bool = False
    quiet: bool = False  # print only problems
    translate: Translator = ENGLISH  # the language of every message: terminal, overlay, pages (and the child processes')
    drafts: bool = True  # show the drafts (marked 草稿, outside every list; --no-drafts: not at all)


# --- which file a request means ------------------------------------------------------------------------

class Refused(Exception):
    """A request path that must not be served (status 400 or 403)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def site_path(site_dir: Path, raw_path: str) -> tuple[Path, str]:
    """The file under ``site_dir`` for the URL path ``raw_path`` and its site-relative name; directory
    URLs give their index.html. Raises :class:`Refused` for anything that could leave the site."""
    path = urlsplit(raw_path).path
    lowered = path.lower()
    if "%2f" in lowered or "%5c" in lowered or "%00" in lowered:
        raise Refused(400, _("encoded slashes are not allowed in paths"))
    decoded = unquote(path, errors="strict")
    if "\\" in decoded or "\x00" in decoded or not decoded.startswith("/"):
        raise Refused(400, _("bad path"))
    parts = decoded.split("/")[1:]
    if any(part in (".", "..") for part in parts):
        raise Refused(403, _("'..' is not allowed in paths"))
    rel = "/".join(parts)
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    root = site_dir.resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root):
        raise Refused(403, _("outside the site"))
    return target, rel


class PreviewHandler(http.server.BaseHTTPRequestHandler):
    server: "PreviewServer"
    server_version = "yearbook-serve"
    timeout = IDLE_TIMEOUT_SECONDS  # socketserver.StreamRequestHandler: the socket's timeout

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("%s - %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self._get(head=True)

    def do_GET(self) -> None:
        self._get(head=False)

    def do_POST(self) -> None:
        if urlsplit(self.path).path == PDF_PATH and self.server.preview is not None:
            self.server.preview.request_pdf()
            self._send(202, "application/json", json.dumps(self.server.live.snapshot()).encode())
        else:
            self._send(405, "text/plain; charset=utf-8", self._said(_("method not allowed")))

    def _get(self, head: bool) -> None:
        if len(self.path.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
            return self._send(414, "text/plain; charset=utf-8", self._said(_("414 the address is longer than {limit} bytes",
                                                                               limit=MAX_PATH_BYTES)), head)
        try:
            return self._route(head)
        except OSError as exc:  # a name the file system refuses (a part over 255 bytes): no such page
            if exc.errno == errno.ENAMETOOLONG:
                return self._send(414, "text/plain; charset=utf-8", self._said(_("414 a part of the address is too long")), head)
            return self._send(404, "text/plain; charset=utf-8", self._said(_("not found")), head)

    def _route(self, head: bool) -> None:
        route = urlsplit(self.path).path
        if route == EVENTS_PATH and not head:
            return self._events()
        if route == STATE_PATH:
            return self._send(200, "application/json", json.dumps(self.server.live.snapshot()).encode(), head)
        if route.startswith("/__yearbook/"):
            return self._send(404, "text/plain; charset=utf-8", self._said(_("not found")), head)
        try:
            target, rel = site_path(self.server.site_dir, self.path)
        except (Refused, UnicodeDecodeError) as exc:
            status, reason = (exc.status, exc.reason) if isinstance(exc, Refused) else (400, _("bad encoding"))
            return self._send(status, "text/plain; charset=utf-8", f"{status} {self.server.translate(reason)}\n".encode(), head)
        if target.is_dir():
            location = urlsplit(self.path).path + "/"
            return self._send(301, "text/plain; charset=utf-8", self._said(_("moved")), head, {"Location": location})
        if target.is_file():
            return self._file(target, rel, 200, head)
        draft = self._draft(head)  # a draft's page (or a picture only drafts show), kept outside the site
        if draft:
            return None
        t = self.server.translate
        if rel.startswith(urls.pdf_url("")) and rel.endswith(".pdf") and self.server.live.pdf != "failed":
            command = f"curl -X POST http://{html.escape(self.headers.get('Host', ''))}{PDF_PATH}"
            body = _page(t, "PDF", t(_("The PDF is being made; try again in a moment.")) + " " +
                         t(_("(Not started? Make it now: {command})", command="<code>" + command + "</code>")))
            return self._send(503, "text/html; charset=utf-8", body, head, {"Retry-After": "10"}, page=rel)
        not_found = self.server.site_dir / "404.html"
        if not_found.is_file():
            return self._file(not_found, "404.html", 404, head)
        body = _page(t, "404", t(_("Nothing here (yet).")))
        return self._send(404, "text/html; charset=utf-8", body, head, page="404.html")

    def _draft(self, head: bool) -> bool:
        """Serve the request from the drafts' folder (rebuild.drafts_dir) when it has the file; True if it did."""
        folder = self.server.drafts_dir
        if folder is None:
            return False
        try:
            target, rel = site_path(folder, self.path)
        except (Refused, UnicodeDecodeError):
            return False
        if target.is_dir() and (target / "index.html").is_file():
            location = urlsplit(self.path).path + "/"
            self._send(301, "text/plain; charset=utf-8", self._said(_("moved")), head, {"Location": location})
            return True
        if target.is_file():
            self._file(target, rel, 200, head)
            return True
        return False

    def _file(self, target: Path, rel: str, status: int, head: bool) -> None:
        try:
            data = target.read_bytes()
        except OSError:
            return self._send(404, "text/plain; charset=utf-8", self._said(_("not found")), head)
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json", "application/xml"):
            ctype += "; charset=utf-8"
        self._send(status, ctype, data, head, page=rel if ctype.startswith("text/html") else None)

    def _said(self, message) -> bytes:
        """A short plain-text answer in the language of the run."""
        return (self.server.translate(message) + "\n").encode("utf-8")

    def _send(self, status: int, ctype: str, body: bytes, head: bool = False, headers: dict | None = None,
              page: str | None = None) -> None:
        policy = None if ctype == "application/pdf" else FILE_POLICY
        if page is not None:
            state = self.server.live.snapshot()
            ahead = self.server.preview.ahead.get(page) if self.server.preview is not None else None
            if ahead is not None:  # written before the rest of its rebuild: already the page of that build
                state["build"] = max(state["build"], ahead)
            nonce = secrets.token_urlsafe(16)
            body = inject_live_script(body, page, state, overlay_labels(self.server.translate), nonce)
            policy = PAGE_POLICY % nonce
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            if policy is not None:
                self.send_header("Content-Security-Policy", policy)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _events(self) -> None:
        live = self.server.live
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            state = live.snapshot()
            while True:
                if state is None:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    self.wfile.write(f"data: {json.dumps(state, ensure_ascii=False)}\n\n".encode("utf-8"))
                    seen = state["version"]
                self.wfile.flush()
                if live.closed:
                    return
                state = live.wait(seen, KEEPALIVE_SECONDS)
        except (BrokenPipeError, ConnectionResetError, OSError):
            return


class PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG
    allow_reuse_address = True  # lets a restart bind while old connections linger; a listening socket still refuses

    def __init__(self, address: tuple[str, int], site_dir: Path, live: LiveState, drafts: Path | None = None,
                 translate: Translator = ENGLISH):
        self.site_dir = site_dir
        self.drafts_dir = drafts  # serve's drafts' pages (None: not shown)
        self.translate = translate
        self.live = live
        self.preview: Preview | None = None
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)


def free_port_near(host: str, port: int, tries: int = 20) -> int | None:
    """The first port after ``port`` that can be bound on ``host``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, candidate))
                return candidate
            except OSError:
                continue
    return None


def bind_server(host: str, port: int, site_dir: Path, live: LiveState, drafts: Path | None = None,
                translate: Translator = ENGLISH) -> PreviewServer:
    """Bind the preview server or raise :class:`PortInUseError` with a port to try instead."""
    try:
        return PreviewServer((host, port), site_dir, live, drafts, translate)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES, getattr(errno, "WSAEADDRINUSE", -1)):
            other = free_port_near(host, port if exc.errno == errno.EADDRINUSE else 8000 - 1)
            in_use = exc.errno != errno.EACCES
            if other:
                message = (_("port {port} is in use; try --port {other}", port=port, other=other) if in_use else
                           _("port {port} needs privileges on this machine; try --port {other}", port=port, other=other))
            else:
                message = (_("port {port} is in use; choose another with --port N", port=port) if in_use else
                           _("port {port} needs privileges on this machine; choose another with --port N", port=port))
            raise PortInUseError(message) from exc
        if exc.errno in (errno.EADDRNOTAVAIL, getattr(errno, "EAFNOSUPPORT", -1)) or isinstance(exc, socket.gaierror):
            raise PortInUseError(_("cannot listen on {host}: {reason}; try --host 127.0.0.1", host=host,
                                   reason=exc.strerror or str(exc))) from exc
        raise


def overlay_labels(translate: Translator) -> dict:
    """The overlay's words (livereload.LIVE_SCRIPT), in the run's language."""
    return {"heading": translate(_("yearbook: the content has errors; this page shows the last good build.")),
            "close": translate(_("close"))}


def _page(translate: Translator, title: str, paragraph_html: str) -> bytes:
    """A small page of the server's own (503 while the PDF is made, 404 before the first build)."""
    lang = "zh-CN" if translate.language == "zh" else "en"
    return (f"<!doctype html><html lang={lang}><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<body><p>{paragraph_html}</p></body></html>").encode("utf-8")


# --- the rebuild loop ----------------------------------------------------------------------------------

class Preview:
    """Rebuilds on change (one at a time, in the builder process), tells the browser, and schedules the PDF."""

    def __init__(self, options: ServeOptions, live: LiveState, out: TextIO, err: TextIO, lock: OutputLock | None = None,
                 settings: RebuildSettings = RebuildSettings()):
        self.options = options
        self.content_dir = options.content_dir.resolve()
        self.output_dir = options.output_dir.resolve()
        self.live = live
        self.out, self.err = out, err
        self.lock = threading.Lock()
        self.base = Path.cwd()
        self.t = options.translate
        if options.drafts != settings.drafts:
            settings = dataclasses.replace(settings, drafts=options.drafts)
        self.builder = Builder(self.content_dir, self.output_dir, self.base, settings, self.t.language)
        self.watcher: Watcher | None = None
        self.pdf = BackgroundJob("pdf", self.content_dir, self.output_dir, options.pdf_delay, self._pdf_done, live.set_pdf, lock=lock,
                                 translate=self.t)
        self.search = BackgroundJob("search", self.content_dir, self.output_dir, SEARCH_DELAY_SECONDS, self._search_done, lock=lock,
                                    translate=self.t)
        self._last_warnings: list[str] = []
        self.last_report: RebuildSummary | None = None
        self.ahead: dict[str, int] = {}  # pages written ahead of the rest of a rebuild → the build they belong to
        self.closing = False

    def say(self, text: str, stream: TextIO | None = None) -> None:
        if stream is None and self.options.quiet:
            return
        stream = stream or self.out
        print(f"[{time.strftime('%H:%M:%S')}] {self.t(text)}", file=stream, flush=True)

    def rebuild(self, changed: set[Path] | None = None) -> bool:
        """One rebuild; True if it succeeded. Errors go to the terminal and the browser, never up.
        A save that comes meanwhile is gathered by the watcher, which asks for the next rebuild after."""
        with self.lock:
            start = time.perf_counter()

            def first_written(written: list[str]) -> None:
                """The edited articles' pages are on disk: their open pages may reload now. The next build
                (the rest of this rebuild) lists them again, for a page that polls and missed this one; a
                page fetched in between is told it already is of that build, so it does not reload twice."""
                if changed is not None:
                    self.ahead = {page: self.live.snapshot()["build"] + 2 for page in written}
                    self.live.built(written)

            try:
                try:
                    report = self.builder.rebuild(on_first=first_written, on_stage=self.live.set_stage)
                except BaseException:
                    if self.ahead:
                        self.live.built(sorted(self.ahead))  # the build those pages were promised
                        self.ahead = {}
                    raise
                finally:
                    self.live.set_stage(None)
            except RebuildFailed as exc:
                for line in exc.lines:
                    print(line, file=self.err, flush=True)
                self.say(_("{count} error(s); still serving the last good build", count=exc.errors), self.err)
                self.live.failed(exc.lines)
                return False
            except BuilderCrashed as exc:  # a bug in yearbook: report it, keep serving
                if self.closing:
                    return False
                if self.options.debug and exc.details:
                    print(exc.details, file=self.err, flush=True)
                message = self.t(_("internal error (a bug in yearbook, not in your content): {error}; "
                                   "rerun serve with --debug for details", error=exc.message))
                print(message, file=self.err, flush=True)
                self.live.failed([message])
                return False
            elapsed = time.perf_counter() - start
            self.last_report = report
            self.live.built(None if changed is None else report.written + report.removed)
            self.ahead = {}
            self._report(report, elapsed, changed)
            if report.articles > SEARCH_IN_PROCESS_MAX:
                self.search.changed()  # a large tree: the index is made in a child process, off this thread
            elif self.watcher is None or not self.watcher.batcher.pending:
                try:
                    self.builder.write_search()
                except (RebuildFailed, BuilderCrashed) as exc:
                    if not self.closing:
                        print(self.t(_("the search index was not updated: {error}", error=getattr(exc, "message", None) or
                                       exc.args[0] if exc.args else str(exc))), file=self.err, flush=True)
            self.pdf.changed()
            return True

    def _report(self, report: RebuildSummary, elapsed: float, changed: set[Path] | None) -> None:
        if report.warnings != self._last_warnings:
            for line in report.warnings:
                print(line, file=self.err, flush=True)
            self._last_warnings = report.warnings
        first = report.timings.get("first")
        fields = {"pages": report.pages, "written": len(report.written), "seconds": elapsed}
        line = (_("built {pages} pages, wrote {written} file(s) in {seconds:.2f}s", **fields) if changed is None else
                _("rebuilt {pages} pages, wrote {written} file(s) in {seconds:.2f}s", **fields))
        parts = [self.t(line)]
        if changed:
            parts[0] += f" ({', '.join(sorted(p.name for p in changed)[:3])})"
        if first is not None:
            parts.append(self.t(_("edited page written after {seconds:.2f}s", seconds=first)))
        if report.drafts:
            parts.append(self.t(_("{count} draft(s) shown, marked 草稿", count=report.drafts)))
        self.say(("；" if self.t.language == "zh" else "; ").join(parts))

    def close(self) -> None:
        """Stop rebuilding: the builder first (a rebuild under way is dropped), then the watcher."""
        self.closing = True
        self.builder.stop()
        if self.watcher is not None:
            self.watcher.stop()

    def request_pdf(self) -> None:
        self.say(_("PDF requested"))
        self.pdf.request()

    def _search_done(self, result: dict) -> None:
        if result.get("ok"):
            self.say(_("search index updated ({count} file(s), {seconds:.1f}s)", count=len(result["files"]),
                       seconds=result.get("seconds", 0)))
        else:
            for line in result.get("problems", []):
                print(line, file=self.err, flush=True)

    def _pdf_done(self, result: dict) -> None:
        if result.get("ok"):
            for line in result.get("warnings", []):
                print(line, file=self.err, flush=True)
            self.say(_("PDF ready: {files} ({seconds:.1f}s)", files=", ".join(result["files"]), seconds=result.get("seconds", 0)))
        else:
            for line in result.get("problems", []):
                print(line, file=self.err, flush=True)
            self.say(_("the PDF was not made (see above); the HTML preview is unaffected"), self.err)

    def watch_roots(self) -> list[Path]:
        roots = [self.content_dir, self.content_dir.parent / "themes", PROJECT_THEMES]
        unique: list[Path] = []
        for root in roots:
            root = root.resolve()
            if root.is_dir() and not any(root.is_relative_to(u) for u in unique):
                unique = [u for u in unique if not u.is_relative_to(root)] + [root]
        return unique


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def serve(options: ServeOptions, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
          ready: Callable[[int], None] | None = None, stop: threading.Event | None = None) -> int:
    """Run the preview until Ctrl-C (or ``stop``). Returns the exit status; raises PortInUseError and
    OutputError for the CLI to report. ``ready(port)`` is called once it serves (port 0: any free port).
    Holds the output's lock (output.lock_output) for its whole life, shared with its background jobs:
    a build of the same output waits until serve stops, and serve waits for a build under way."""
    content_dir = options.content_dir.resolve()
    if not content_dir.is_dir():
        raise OutputError(_("content directory {path} does not exist", path=str(options.content_dir)), None,
                          _("pass --content DIR"))
    check_output_dir(options.output_dir, [content_dir, PROJECT_THEMES])
    on_wait = lambda holder: print(options.translate(waiting_message(options.output_dir, holder)), file=err, flush=True)  # noqa: E731
    with lock_output(options.output_dir, "serve", on_wait=on_wait) as lock:
        return _serve(options, lock, out, err, ready, stop)


def _serve(options: ServeOptions, lock: OutputLock, out: TextIO, err: TextIO, ready: Callable[[int], None] | None,
           stop: threading.Event | None) -> int:
    ensure_output_dir(options.output_dir.resolve())
    # a serve killed during a rebuild (kill -9) left half of it: its temporary files go now, and the
    # first rebuild below renders every page again and writes what differs, so the site is one build's
    remove_temporaries(options.output_dir, lock)
    live = LiveState()
    server = bind_server(options.host, options.port, options.output_dir.resolve() / "site", live,
                         drafts_dir(options.output_dir) if options.drafts else None, options.translate)
    preview = Preview(options, live, out, err, lock)
    server.preview = preview
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    if options.host not in ("127.0.0.1", "localhost", "::1"):
        print(options.translate(_("warning: serving on {host}: other machines on the network can see the preview",
                                  host=options.host)), file=err)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as cleanly as Ctrl-C
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="yearbook-http", daemon=True)
    try:
        preview.builder.start()  # its imports go on while the server and the watcher start
        thread.start()  # serves the previous output (or a 404 with the overlay) during the first build
        # watching before the first build: a save made during it brings a rebuild right after it
        preview.watcher = Watcher(preview.watch_roots(), preview.rebuild, ignored_dirs=[options.output_dir.resolve()])
        preview.watcher.start()
        preview.rebuild(None)
        preview.pdf.start()
        preview.search.start()
        preview.pdf.changed()
        when = _("after {seconds:g}s of quiet", seconds=options.pdf_delay) if options.pdf_delay > 0 else _("on request")
        address = f"http://{shown}:{port}"
        print(options.translate(_("serving {site} at {url}  (Ctrl-C to stop; PDF: {when}, or now with: {command})",
                                  site=str(options.output_dir / "site"), url=address + "/", when=when,
                                  command="curl -X POST " + address + PDF_PATH)), file=out, flush=True)
        if ready is not None:
            ready(port)
        while thread.is_alive():
            if stop is not None and stop.wait(0.2):
                break
            if stop is None:
                thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        preview.close()
        preview.pdf.stop()
        preview.search.stop()
        live.close()
        if thread.is_alive():
            server.shutdown()
        server.server_close()
    print(options.translate(_("stopped.")), file=out, flush=True)
    return 0
