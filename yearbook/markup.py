"""Markdown → HTML fragment (markdown-it-py, CommonMark + tables + ``::: figure`` blocks).

Raw HTML is off. Image and link targets are checked here: remote images, absolute paths and
paths that leave the content tree are problems; local targets are emitted as placeholders that the
renderers turn into site or print URLs (see :data:`MEDIA_MARK`, :data:`ARTICLE_MARK`).
No file I/O except checking that a referenced file exists."""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from .urls import safe_content_path

# NUL never survives sources.decode_bytes, so these marks cannot come from an editor's text.
MEDIA_MARK = "\x00media:"
ARTICLE_MARK = "\x00article:"
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2014\u2018-\u201f\u2026]")
REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class MarkupProblem:
    message: str
    line: int | None  # 0-based line inside the Markdown text
    hint: str | None = None


@dataclass
class Markup:
    html: str
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # (level, text, anchor)
    images: list[str] = field(default_factory=list)  # content-relative paths
    article_links: list[tuple[str, int | None]] = field(default_factory=list)  # (content-relative .md path, line)
    problems: list[MarkupProblem] = field(default_factory=list)


def _render_figure(self, tokens: list[Token], idx: int, options, env) -> str:
    return '<figure class="figure">\n' if tokens[idx].nesting == 1 else "</figure>\n"


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(container_plugin, name="figure", render=_render_figure)
    return md


PARSER = _make_parser()


class _Context:
    def __init__(self, source_dir: str, content_dir: Path, anchor_prefix: str):
        self.source_dir = source_dir  # content-relative directory of the article, posix
        self.content_dir = content_dir
        self.anchor_prefix = anchor_prefix
        self.result = Markup(html="")

    def problem(self, message: str, token: Token, hint: str | None = None) -> None:
        line = token.map[0] if token.map else None
        self.result.problems.append(MarkupProblem(message, line, hint))

    def resolve_local(self, target: str, token: Token, what: str) -> str | None:
        path_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
        joined = posixpath.join(self.source_dir, path_part) if self.source_dir else path_part
        rel = safe_content_path(joined) if not path_part.startswith("/") else None
        if rel is None:
            self.problem(
                f"{what} '{target}' points outside the content directory",
                token,
                "use a path relative to the article inside content/, without '..' past the content root or a leading '/'",
            )
            return None
        if not (self.content_dir / rel).is_file():
            self.problem(f"{what} '{path_part}' does not exist (looked for content/{rel})", token, "check the file name and its folder")
            return None
        if not (self.content_dir / rel).resolve().is_relative_to(self.content_dir.resolve()):
            self.problem(f"{what} '{path_part}' is a link to a file outside the content directory", token,
                         "copy the file into content/ instead of linking to it")
            return None
        return rel


def _fix_softbreaks(children: list[Token]) -> None:
    """A line break inside a Chinese paragraph must not become a space between characters."""
    for index, child in enumerate(children):
        if child.type != "softbreak":
            continue
        before = children[index - 1].content[-1:] if index > 0 else ""
        after = children[index + 1].content[:1] if index + 1 < len(children) else ""
        if CJK.match(before) or CJK.match(after):
            child.type = "text"
            child.content = ""


def _process_inline(inline: Token, block: Token, ctx: _Context) -> None:
    children = inline.children or []
    _fix_softbreaks(children)
    for child in children:
        if child.type == "image":
            src = child.attrGet("src") or ""
            if REMOTE.match(src) or src.startswith("//"):
                ctx.problem(f"remote image '{src}' is not allowed", block, "download the image into content/images/ and link it by a relative path")
                child.attrSet("src", "")
                continue
            rel = ctx.resolve_local(src, block, "image")
            child.attrSet("src", "")
            if rel:
                ctx.result.images.append(rel)
                child.attrSet("src", MEDIA_MARK + rel)
        elif child.type == "link_open":
            href = child.attrGet("href") or ""
            if href.startswith("#") or REMOTE.match(href) or href.startswith("//"):
                continue
            rel = ctx.resolve_local(href, block, "link")
            child.attrSet("href", "")
            if rel and rel.endswith(".md"):
                ctx.result.article_links.append((rel, block.map[0] if block.map else None))
                child.attrSet("href", ARTICLE_MARK + rel)
            elif rel:
                ctx.result.images.append(rel)
                child.attrSet("href", MEDIA_MARK + rel)


def _collect_heading(tokens: list[Token], index: int, ctx: _Context) -> None:
    token = tokens[index]
    text = "".join(c.content for c in (tokens[index + 1].children or []) if c.type in ("text", "code_inline"))
    anchor = f"{ctx.anchor_prefix}s{len(ctx.result.headings) + 1}"
    token.attrSet("id", anchor)
    level = int(token.tag[1])
    ctx.result.headings.append((level, text, anchor))
    if not text.strip():
        ctx.problem("a heading has no text", token, "remove the empty heading or write its title")


def render_markdown(text: str, source_rel_path: str = "", content_dir: Path | None = None, anchor_prefix: str = "") -> Markup:
    """Render ``text`` (Markdown) to an HTML fragment; ``source_rel_path`` is the article's content-relative path."""
    source_dir = posixpath.dirname(source_rel_path.replace("\\", "/"))
    ctx = _Context(source_dir, content_dir or Path("."), anchor_prefix)
    tokens = PARSER.parse(text)
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            _collect_heading(tokens, index, ctx)
        elif token.type == "inline":
            block = tokens[index - 1] if index > 0 else token
            _process_inline(token, block if block.map else token, ctx)
    html = PARSER.renderer.render(tokens, PARSER.options, {})
    ctx.result.html = FIGURE.sub(lambda m: _figure_captions(m.group(0)), html)
    return ctx.result


FIGURE = re.compile(r'<figure class="figure">.*?</figure>', re.S)
FIGURE_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
IMAGE_TAG = re.compile(r"<img [^>]*>")


def _figure_captions(figure_html: str) -> str:
    """Inside a figure block, images stand alone and the remaining text becomes the figcaption."""
    def paragraph(match: re.Match) -> str:
        inner = match.group(1)
        images = "".join(IMAGE_TAG.findall(inner))
        caption = IMAGE_TAG.sub("", inner).strip()
        return images + (f"<figcaption>{caption}</figcaption>" if caption else "")

    html = FIGURE_PARAGRAPH.sub(paragraph, figure_html)
    if "<img " not in html:
        html = html.replace('<figure class="figure">', '<figure class="figure figure-caption-only">', 1)
    return html


def plain_text(html: str) -> str:
    """Visible text of an HTML fragment (for summaries, search and metadata)."""
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html)).strip()


def shift_headings(html: str, by: int) -> str:
    """Demote every heading of a fragment by ``by`` levels (h2 → h3 for the book)."""
    def shift(match: re.Match) -> str:
        return f"{match.group(1)}h{min(6, int(match.group(2)) + by)}"

    return re.sub(r"(</?)h([1-6])", shift, html)
