"""Live reload and the error overlay of ``serve``: what the browser is told and the script that listens.

:class:`LiveState` holds the build number, the files the last build changed, the errors, the stage
of the rebuild under way and the PDF status; the rebuild thread updates it and every request
handler reads it. :func:`inject_live_script` adds the listening script to an HTML response (never
to a file on disk): it opens ``/__yearbook/events`` (server-sent events; ``/__yearbook/state``
polled where EventSource is missing), reloads when its own page (or a stylesheet, script or image)
changed, and shows every ``path:line: message`` in an overlay while the content has errors."""
from __future__ import annotations

import json
import threading
import uuid

EVENTS_PATH = "/__yearbook/events"
STATE_PATH = "/__yearbook/state"

LIVE_SCRIPT = """<script id="yearbook-live">(function () {
  var me = %(config)s, box = null;
  function show(errors) {
    if (!box) {
      box = document.createElement("div");
      box.id = "yearbook-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2em;margin:0;" +
        "background:rgba(24,24,24,.94);color:#fff;font:14px/1.6 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap";
      var close = document.createElement("button");
      close.textContent = "\\u00d7";
      close.setAttribute("aria-label", me.labels.close);
      close.style.cssText = "position:fixed;top:.5em;right:.8em;font-size:1.6em;background:none;border:0;color:#fff;cursor:pointer";
      close.onclick = function () { box.style.display = "none"; };
      box.appendChild(close);
      box.appendChild(document.createElement("pre"));
      (document.body || document.documentElement).appendChild(box);
    }
    box.style.display = "block";
    box.lastChild.style.cssText = "white-space:pre-wrap;margin:0;font:inherit";
    box.lastChild.textContent = me.labels.heading + "\\n\\n" + errors.join("\\n");
  }
  function hide() { if (box) { box.remove(); box = null; } }
  function apply(state) {
    if (state.session !== me.session) { location.reload(); return; }
    if (state.errors.length) { show(state.errors); } else { hide(); }
    if (state.build > me.build) {
      var changed = state.changed;
      var mine = !changed || changed.indexOf(me.page) >= 0 || changed.some(function (p) { return /^(static|media)\\//.test(p); });
      if (mine) { location.reload(); } else { me.build = state.build; }
    }
  }
  if (window.EventSource) {
    new EventSource("%(events)s").onmessage = function (e) { apply(JSON.parse(e.data)); };
  } else {
    setInterval(function () { fetch("%(state)s").then(function (r) { return r.json(); }).then(apply); }, 1000);
  }
})();</script>
"""


class LiveState:
    """Build number, changed files, errors and PDF status, shared by the rebuild thread and the handlers."""

    def __init__(self) -> None:
        self.session = uuid.uuid4().hex[:12]  # a new server process makes every open page reload
        self.build = 0
        self.changed: list[str] | None = None  # files of the last build; None: everything
        self.errors: list[str] = []
        self.pdf = "idle"
        self.stage: str | None = None  # of the rebuild under way ("load", "render"), None between rebuilds
        self.version = 0
        self._cond = threading.Condition()
        self.closed = False

    def snapshot(self) -> dict:
        with self._cond:
            return {"session": self.session, "build": self.build, "changed": self.changed, "errors": list(self.errors),
                    "pdf": self.pdf, "stage": self.stage, "version": self.version}

    def _bump(self) -> None:
        self.version += 1
        self._cond.notify_all()

    def built(self, changed: list[str] | None) -> None:
        with self._cond:
            if changed is None or changed or self.errors:
                self.build += 1
                self.changed = None if changed is None or len(changed) > 500 else sorted(changed)
            self.errors = []
            self._bump()

    def failed(self, errors: list[str]) -> None:
        with self._cond:
            self.errors = list(errors)
            self._bump()

    def set_stage(self, stage: str | None) -> None:
        """Shown by /__yearbook/state; not an event (open pages have nothing to do until the build ends)."""
        with self._cond:
            self.stage = stage

    def set_pdf(self, status: str) -> None:
        with self._cond:
            self.pdf = status
            self._bump()

    def wait(self, seen_version: int, timeout: float) -> dict | None:
        """The state once its version differs from ``seen_version``; None after ``timeout`` or on close."""
        with self._cond:
            if self.version == seen_version and not self.closed:
                self._cond.wait(timeout)
            if self.version == seen_version or self.closed:
                return None
        return self.snapshot()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


OVERLAY_LABELS = {"heading": "yearbook: the content has errors; this page shows the last good build.", "close": "close"}


def inject_live_script(html: bytes, page: str, state: dict, labels: dict | None = None, nonce: str | None = None) -> bytes:
    """``html`` with the live-reload script before ``</body>`` (or at the end); ``labels``: the overlay's
    heading and close button's name, in the run's language (server.overlay_labels); ``nonce``: the one the
    page's Content-Security-Policy allows (server.PAGE_POLICY)."""
    config = json.dumps({"session": state["session"], "build": state["build"], "page": page,
                         "labels": labels or OVERLAY_LABELS}, ensure_ascii=False).replace("</", "<\\/")
    script = (LIVE_SCRIPT % {"config": config, "events": EVENTS_PATH, "state": STATE_PATH}).encode("utf-8")
    if nonce is not None:
        script = script.replace(b'<script id="yearbook-live">', f'<script id="yearbook-live" nonce="{nonce}">'.encode("ascii"), 1)
    index = html.lower().rfind(b"</body>")
    return html + script if index < 0 else html[:index] + script + html[index:]
