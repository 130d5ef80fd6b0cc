"""Markdown → HTML fragment (markdown-it-py, CommonMark + tables + ``::: figure`` blocks).

Raw HTML is off (``markdown: {raw_html: true}`` in the config turns it on, and then the fragment is
sanitized with nh3: no script, event handler or javascript: URL survives). Image and link targets are
checked here: remote images (unless ``remote_images`` is on, and then only http(s)), file: URLs,
absolute paths and paths that leave the content tree are problems; local targets are emitted as
placeholders that the renderers turn into site or print URLs (see :data:`MEDIA_MARK`, :data:`ARTICLE_MARK`).
No file I/O except checking that a referenced file exists."""
from __future__ import annotations

import os
import posixpath
import re
import secrets
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from .model import Table
from .slugs import safe_content_path
from .svg import SvgError, sanitize_svg

from ..i18n import Listing, _

# NUL never survives sources.decode_bytes, so these marks cannot come from an editor's text.
MEDIA_MARK = "\x00media:"
ARTICLE_MARK = "\x00article:"
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u2014\u2018-\u201f\u2026]")
REMOTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
HTTP = re.compile(r"^https?://[^/\s]", re.I)
LOCAL_SCHEME = re.compile(r"^\s*(file|data):", re.I)  # never a link on a public page
SCRIPT_SCHEME = re.compile(r"^\s*(javascript|vbscript):", re.I)


# In a URL path, the ASCII characters that are not themselves there (a space, '#' would start a fragment,
# '?' a query, '%' an escape, quotes and angle brackets end attributes): written %XX. Other characters,
# Chinese ones too, stay as they are (an IRI), so that the site's HTML stays readable.
URL_UNSAFE = re.compile(r"[\x00-\x20\"#%<>?\\^`{|}\x7f]")


def url_path(rel: str) -> str:
    """A content-relative file path as the path of a URL: ``images/图 片 1#%.png`` → ``images/图%20片%201%23%25.png``."""
    return URL_UNSAFE.sub(lambda m: "".join(f"%{byte:02X}" for byte in m.group(0).encode("utf-8")), rel)


@dataclass
class MarkupProblem:
    message: str
    line: int | None  # 0-based line inside the Markdown text
    hint: str | None = None
    severity: str = "error"  # or "warning"


@dataclass
class Markup:
    html: str
    headings: list[tuple[int, str, str]] = field(default_factory=list)  # (level, text, anchor)
    images: list[str] = field(default_factory=list)  # content-relative paths
    remote_images: list[str] = field(default_factory=list)  # http(s) URLs (only with remote_images on)
    article_links: list[tuple[str, int | None]] = field(default_factory=list)  # (content-relative .md path, line)
    tables: list[Table] = field(default_factory=list)  # every table, its line 0-based in this text
    problems: list[MarkupProblem] = field(default_factory=list)


def _render_figure(self, tokens: list[Token], idx: int, options, env) -> str:
    return '<figure class="figure">\n' if tokens[idx].nesting == 1 else "</figure>\n"


def _make_parser(raw_html: bool = False) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": raw_html, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(container_plugin, name="figure", render=_render_figure)
    # file: and data: targets reach _process_inline, which reports them (markdown-it would leave them as text)
    md.validateLink = lambda url: not SCRIPT_SCHEME.match(url)
    return md


PARSER = _make_parser()
RAW_HTML_PARSER = _make_parser(raw_html=True)


class _Context:
    def __init__(self, source_dir: str, content_dir: Path, anchor_prefix: str, remote_images: bool = False):
        self.source_dir = source_dir  # content-relative directory of the article, posix
        self.content_dir = content_dir
        self.anchor_prefix = anchor_prefix
        self.remote_images = remote_images
        self.result = Markup(html="")
        self.line_offset = 0  # line of the text being parsed inside the whole Markdown text (render_markdown)

    def problem(self, message: str, token: Token, hint: str | None = None, severity: str = "error") -> None:
        line = token.map[0] + self.line_offset if token.map else None
        self.result.problems.append(MarkupProblem(message, line, hint, severity))

    def resolve_local(self, target: str, token: Token, what: str) -> str | None:
        path_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
        whole = unquote(target)
        if what == "image" and whole != path_part and self._file(whole):  # an image has no fragment: 图 片 1#%.png
            path_part = whole
        joined = posixpath.join(self.source_dir, path_part) if self.source_dir else path_part
        rel = safe_content_path(joined) if not path_part.startswith("/") else None
        if rel is None:
            self.problem(
                _("{what} '{target}' points outside the content directory", what=what, target=target),
                token,
                _("use a path relative to the article inside content/, without '..' past the content root or a leading '/'"),
            )
            return None
        path = self.content_dir / rel
        try:
            mode = os.stat(path).st_mode
            if not stat.S_ISREG(mode):
                message = (_("{what} '{target}' is a folder (content/{path})", what=what, target=path_part, path=rel)
                           if stat.S_ISDIR(mode) else
                           _("{what} '{target}' is not a plain file (content/{path})", what=what, target=path_part, path=rel))
                self.problem(message, token, _("link the file itself"))
                return None
            found = True
        except (FileNotFoundError, NotADirectoryError):
            found = False
        except OSError as exc:  # a folder on the way that cannot be searched
            self.problem(_("{what} '{target}' cannot be read: {reason} (content/{path})", what=what, target=path_part,
                           reason=exc.strerror or str(exc), path=rel), token,
                         _("give the file and its folders read permission for the account that builds (chmod a+rX)"))
            return None
        if not found:
            other = _other_normal_form(path)
            if other is None:
                self.problem(_("{what} '{target}' does not exist (looked for content/{path})", what=what, target=path_part, path=rel), token,
                             _("check the file name and its folder"))
                return None
            rel = posixpath.join(posixpath.dirname(rel), other) if posixpath.dirname(rel) else other
            path = self.content_dir / rel
        if not path.resolve().is_relative_to(self.content_dir.resolve()):
            self.problem(_("{what} '{target}' is a link to a file outside the content directory", what=what, target=path_part), token,
                         _("copy the file into content/ instead of linking to it"))
            return None
        if not os.access(path, os.R_OK):
            self.problem(_("{what} '{target}' cannot be read: permission denied (content/{path})", what=what,
                           target=path_part, path=rel), token,
                         _("give the file read permission for the account that builds (chmod a+r)"))
            return None
        return rel

    def _file(self, path_part: str) -> bool:
        joined = posixpath.join(self.source_dir, path_part) if self.source_dir else path_part
        rel = safe_content_path(joined) if not path_part.startswith("/") else None
        try:
            return rel is not None and (self.content_dir / rel).is_file()
        except OSError:
            return False

    def check_svg(self, rel: str, token: Token) -> None:
        """An SVG is published only as drawing (svg.py): tell the editor what its copy on the site
        loses (a script, an event handler, a link elsewhere), or that it cannot be read at all."""
        try:
            with open(self.content_dir / rel, "rb") as stream:
                data = stream.read(MAX_SVG_READ)
            sanitized = sanitize_svg(data)
        except OSError as exc:
            self.problem(_("image content/{path} cannot be read: {reason}", path=rel, reason=exc.strerror or str(exc)), token)
            return
        except SvgError as exc:
            message = (_("image content/{path} cannot be shown: {reason} (line {line} of content/{path})", path=rel,
                         reason=exc.message, line=exc.line) if exc.line else
                       _("image content/{path} cannot be shown: {reason}", path=rel, reason=exc.message))
            self.problem(message, token, _("save the drawing again as a plain SVG from your drawing program, or as a PNG"))
            return
        if sanitized.changed:
            self.problem(_("image content/{path} is an SVG that could run a script or fetch from elsewhere; the site "
                           "shows it without {removed}", path=rel, removed=Listing(sanitized.removed)), token,
                         _("save the drawing again without scripts and links (or as a PNG) to keep the site's copy as it is"),
                         severity="warning")


MAX_SVG_READ = 16 * 1024 * 1024 + 1  # svg.MAX_SVG_BYTES: one byte more, to see that a file is larger


def _other_normal_form(path: Path) -> str | None:
    """The name of the file in ``path``'s folder that is ``path``'s name in another Unicode normal form
    (the text is NFC, sources.normalize_text; a file saved on a Mac may be named in NFD), or None."""
    name = unicodedata.normalize("NFC", path.name)
    try:
        with os.scandir(path.parent) as entries:
            for entry in entries:
                if entry.name != path.name and unicodedata.normalize("NFC", entry.name) == name and entry.is_file():
                    return entry.name
    except OSError:
        return None
    return None


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


def _process_inline(inline: Token, block: Token, ctx: _Context, in_figure: bool = False) -> None:
    children = inline.children or []
    _fix_softbreaks(children)
    for child in children:
        if child.type == "image":
            src = child.attrGet("src") or ""
            captioned = in_figure and any(c.type == "text" and c.content.strip() for c in children)
            if not child.content.strip() and not captioned:
                ctx.problem(_("the image '{src}' has no alt text: readers who cannot see it (or whose network "
                              "drops it) get nothing", src=src[:80]), block,
                            _("describe the photo between the brackets: ![通州区科技节开幕式](…), or put it in a "
                              "::: figure block with a caption"), severity="warning")
            if ctx.remote_images and HTTP.match(src):
                ctx.result.remote_images.append(src)
                continue
            if REMOTE.match(src) or src.startswith("//"):
                remote = HTTP.match(src) or src.startswith("//")
                ctx.problem(_("remote image '{src}' is not allowed", src=src) if remote else
                            _("image '{src}' is not allowed: only files inside content/ can be shown, "
                              "not a remote image, a file: URL or inline data", src=src[:80]), block,
                            _("download the image into content/images/ and link it by a relative path "
                              "(or set 'markdown: {{remote_images: true}}' in yearbook.yml)") if remote else
                            _("download the image into content/images/ and link it by a relative path"))
                child.attrSet("src", "")
                continue
            rel = ctx.resolve_local(src, block, _("image"))
            child.attrSet("src", "")
            if rel:
                if rel.lower().endswith(".svg"):
                    ctx.check_svg(rel, block)
                ctx.result.images.append(rel)
                child.attrSet("src", MEDIA_MARK + url_path(rel))
        elif child.type == "link_open":
            href = child.attrGet("href") or ""
            if LOCAL_SCHEME.match(href):
                ctx.problem(_("link '{href}' is not allowed: it points at a file on this computer or embeds data", href=href[:80]),
                            block, _("link a file inside content/ by a relative path, or a web page by its https:// address"))
                child.attrSet("href", "")
                continue
            if href.startswith("#") or REMOTE.match(href) or href.startswith("//"):
                continue
            rel = ctx.resolve_local(href, block, _("link"))
            child.attrSet("href", "")
            if rel and rel.endswith(".md"):
                ctx.result.article_links.append((rel, block.map[0] + ctx.line_offset if block.map else None))
                child.attrSet("href", ARTICLE_MARK + rel)
            elif rel:
                if rel.lower().endswith(".svg"):
                    ctx.check_svg(rel, block)
                ctx.result.images.append(rel)
                child.attrSet("href", MEDIA_MARK + url_path(rel))
    _report_unread_targets(children, block, ctx)


# ![说明](path with a space.jpg) is not an image for Markdown (a link's target ends at the first space),
# so it would stay on the page and in the book as its raw text: it is reported instead
UNREAD_TARGET = re.compile(r"(!?)\[([^\]\n]*)\]\(([^()<>\n]*?\s[^()<>\n]*?)\)")
FILE_LIKE = re.compile(r"[/\\]|\.[A-Za-z0-9]{2,5}\s*$")


def _report_unread_targets(children: list[Token], block: Token, ctx: _Context) -> None:
    text = "".join(child.content for child in children if child.type == "text")
    if "](" not in text:
        return
    for match in UNREAD_TARGET.finditer(text):
        bang, label, target = match.groups()
        if not bang and not FILE_LIKE.search(target):
            continue  # [1](见下文 说明) in prose: not meant as a link
        fixed = f"{bang}[{label}](<{target.strip()}>)"
        ctx.problem(_("the image {markdown!r} is not shown: its path has a space, so Markdown does not read it as an image",
                      markdown=match.group(0)) if bang else
                    _("the link {markdown!r} is not a link: its path has a space, so Markdown does not read it as a link",
                      markdown=match.group(0)),
                    block, _("write the path in angle brackets, {fixed}, or rename the file without spaces", fixed=fixed))


CONTAINERS = {f"{kind}_{end}": name for kind, name in (("blockquote", "blockquote"), ("bullet_list", "list"),
                                                        ("ordered_list", "list"), ("container_figure", "figure"))
              for end in ("open", "close")}


def _collect_table(tokens: list[Token], index: int, ctx: _Context, containers: tuple[str, ...]) -> None:
    """A table's line, its number of columns (the cells of its head row: markdown-it makes every row
    as wide) and the blocks it is in, for the book, which must fit it across the page (book/preflight.py)."""
    columns = 0
    for token in tokens[index + 1:]:
        if token.type in ("th_open", "td_open"):
            columns += 1
        elif token.type == "tr_close":
            break
    line = tokens[index].map[0] + ctx.line_offset if tokens[index].map else None
    ctx.result.tables.append(Table(line, columns, containers))


def _collect_heading(tokens: list[Token], index: int, ctx: _Context) -> None:
    token = tokens[index]
    text = "".join(c.content for c in (tokens[index + 1].children or []) if c.type in ("text", "code_inline"))
    anchor = f"{ctx.anchor_prefix}s{len(ctx.result.headings) + 1}"
    token.attrSet("id", anchor)
    level = int(token.tag[1])
    ctx.result.headings.append((level, text, anchor))
    if not text.strip():
        ctx.problem(_("a heading has no text"), token, _("remove the empty heading or write its title"))


# One line of text that no Markdown rule of PARSER can act on: no character that starts inline syntax
# (markdown-it's text rule stops only at ASCII punctuation: of those, \\ ` * _ [ ] ! < & act here), none
# that can start a block (# > | : ~ - + = and a list number at the start; a second line), no control
# character and no white space at either end (a paragraph is stripped). markdown-it makes of it exactly
# ``<p>`` + the text with " escaped + ``</p>``; most summaries, 现场回放 and 记者观察 are such a line.
PLAIN_LINE = r"(?!\s|[-+=]|\d{1,9}[.)])[^\x00-\x1f\x7f\\`*_\[\]!<>&#|~:]+(?<!\s)"
PLAIN_PARAGRAPH = re.compile(PLAIN_LINE)
PLAIN_HEADING = re.compile(r"(#{1,6}) (" + PLAIN_LINE + ")")  # an ATX heading of such text
BLANK_LINE = re.compile(r"[ \t]*")  # markdown-it's empty line
CONTAINER_LINE = re.compile(r" {0,3}(:{3,})(.*)")
NOT_SPLIT = re.compile(r"```|~~~|\]:|[\r\x00]")  # fences, reference definitions: markdown-it reads the whole text


def render_markdown(text: str, source_rel_path: str = "", content_dir: Path | None = None, anchor_prefix: str = "",
                    raw_html: bool = False, remote_images: bool = False) -> Markup:
    """Render ``text`` (Markdown) to an HTML fragment; ``source_rel_path`` is the article's content-relative path.
    ``raw_html`` and ``remote_images`` are the config's ``markdown:`` switches (both off by default).

    Paragraphs and headings of plain lines (:data:`PLAIN_PARAGRAPH`) are written here, as markdown-it
    writes them, and only the rest of the text goes through markdown-it (:func:`plain_blocks`)."""
    if not raw_html and PLAIN_PARAGRAPH.fullmatch(text):
        return Markup(html="<p>" + text.replace('"', "&quot;") + "</p>\n")
    source_dir = posixpath.dirname(source_rel_path.replace("\\", "/"))
    ctx = _Context(source_dir, content_dir or Path("."), anchor_prefix, remote_images)
    parser = RAW_HTML_PARSER if raw_html else PARSER
    runs = None if raw_html else plain_blocks(text)
    if runs is None:
        html = _render_run(parser, text, ctx)
    else:
        lines = text.split("\n")
        html = "".join(_render_plain(lines[start:end], ctx) if plain else
                       _render_run(parser, "\n".join(lines[start:end]), ctx, start)
                       for plain, start, end in runs)
    if raw_html:
        html = sanitize_html(html, ctx.result.remote_images)
    ctx.result.html = FIGURE.sub(lambda m: _figure_captions(m.group(0)), html)
    return ctx.result


def _render_run(parser: MarkdownIt, text: str, ctx: _Context, line_offset: int = 0) -> str:
    """markdown-it's HTML of ``text`` (lines ``line_offset`` … of the whole), its headings, images and links checked."""
    ctx.line_offset = line_offset
    tokens = parser.parse(text)
    containers: list[str] = []  # the blocks a table is inside: the book sets them in from the margins
    figures = 0
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            _collect_heading(tokens, index, ctx)
        elif token.type == "table_open":
            _collect_table(tokens, index, ctx, tuple(containers))
        elif token.type in CONTAINERS:
            if token.nesting == 1:
                containers.append(CONTAINERS[token.type])
            elif containers:
                containers.pop()
            if token.type == "container_figure_open":
                figures += 1
            elif token.type == "container_figure_close":
                figures -= 1
        elif token.type == "inline":
            block = tokens[index - 1] if index > 0 else token
            _process_inline(token, block if block.map else token, ctx, in_figure=figures > 0)
    return parser.renderer.render(tokens, parser.options, {})


def plain_blocks(text: str) -> list[tuple[bool, int, int]] | None:
    """The text as runs of lines (plain, start, end): the blocks (lines between blank lines) whose every
    line is a plain line or a plain ATX heading, and the runs of other blocks between them, which
    markdown-it renders on their own. That is what it renders in the whole text: a blank line followed
    by a line without indent or list marker ends every block but a ``:::`` container (followed here),
    and what could join blocks across the text (reference definitions; fences, whose text may hold
    blank lines) sends the whole text to markdown-it. None when no block is plain."""
    if NOT_SPLIT.search(text):
        return None
    runs: list[tuple[bool, int, int]] = []
    depth = 0  # containers open
    lines = text.split("\n")
    index, count = 0, len(lines)
    while index < count:
        if BLANK_LINE.fullmatch(lines[index]):
            index += 1
            continue
        start = index
        while index < count and not BLANK_LINE.fullmatch(lines[index]):
            index += 1
        block = lines[start:index]
        if depth == 0 and all(PLAIN_PARAGRAPH.fullmatch(line) or PLAIN_HEADING.fullmatch(line) for line in block):
            runs.append((True, start, index))
            continue
        for line in block:
            match = CONTAINER_LINE.match(line)
            if match:
                if match.group(1) != ":::":
                    return None
                depth += 1 if match.group(2).strip() else -1
                if depth < 0:
                    return None
        if runs and not runs[-1][0]:  # one markdown-it run from the start of the first block to the end of this one
            runs[-1] = (False, runs[-1][1], index)
        else:
            runs.append((False, start, index))
    if depth or not any(plain for plain, _, _ in runs):
        return None
    return runs


def _render_plain(lines: list[str], ctx: _Context) -> str:
    """The HTML markdown-it makes of a block of plain lines: ``<p>`` paragraphs (a line break between
    Chinese characters joins the lines, as :func:`_fix_softbreaks`) and ``<h1>``–``<h6>`` headings."""
    out: list[str] = []
    paragraph: list[str] = []
    for line in lines:
        heading = PLAIN_HEADING.fullmatch(line)
        if heading is None:
            paragraph.append(line)
            continue
        if paragraph:
            out.append(_plain_paragraph(paragraph))
            paragraph = []
        level, title = len(heading.group(1)), heading.group(2)
        anchor = f"{ctx.anchor_prefix}s{len(ctx.result.headings) + 1}"
        ctx.result.headings.append((level, title, anchor))
        out.append(f'<h{level} id="{escapeHtml(anchor)}">{escapeHtml(title)}</h{level}>\n')
    if paragraph:
        out.append(_plain_paragraph(paragraph))
    return "".join(out)


def _plain_paragraph(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        text += ("" if CJK.match(text[-1]) or CJK.match(line[0]) else "\n") + line
    return "<p>" + escapeHtml(text) + "</p>\n"


SANITIZED_ATTRIBUTES = {"figure": {"class"}, "th": {"style"}, "td": {"style"}, "img": {"src", "alt", "title"},
                        **{f"h{n}": {"id"} for n in range(1, 7)}}


def sanitize_html(html: str, remote_images: list[str] = ()) -> str:
    """Raw HTML is on: keep only harmless tags and attributes (nh3, the Rust ammonia sanitizer). Scripts,
    styles, event handlers and javascript:/file:/data: URLs go; an image stays only if the Markdown checks
    passed it (a placeholder of a checked content file, or an allowed remote image), so raw ``<img>`` can
    reach neither the file system nor the network."""
    import nh3

    token = f"yb{secrets.token_hex(8)}"  # stands for the NUL marks, which the sanitizer would not keep
    marks = {MEDIA_MARK: f"{token}-media:", ARTICLE_MARK: f"{token}-article:"}
    for mark, stand_in in marks.items():
        html = html.replace(mark, stand_in)
    allowed_images = set(remote_images)

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return value if value.startswith(f"{token}-media:") or value in allowed_images else None
        if attribute == "style":
            return value if re.fullmatch(r"text-align:\s*(left|right|center)", value) else None
        return value

    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, names in SANITIZED_ATTRIBUTES.items():
        attributes[tag] = attributes.get(tag, set()) | names
    html = nh3.clean(html, attributes=attributes, attribute_filter=attribute_filter, link_rel=None,
                     url_schemes={"http", "https", "mailto", "tel", f"{token}-media", f"{token}-article"},
                     clean_content_tags={"script", "style", "template", "noscript", "iframe", "object"})
    for mark, stand_in in marks.items():
        html = html.replace(stand_in, mark)
    return html


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
