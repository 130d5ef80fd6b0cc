"""SVG images made safe to publish. An SVG is a document that can run script when a reader opens it
(``<script>``, ``onload=``, a ``javascript:`` link, ``<foreignObject>`` HTML), fetch from the network
(``<image href="http://…">``, CSS ``@import``) or expand entities without bound. The site's copy of an
SVG keeps only drawing: SVG elements and attributes, links to its own fragments (``#id``) and
embedded raster pictures; everything else is removed and the editor is told what. An SVG in which
nothing had to be removed is copied byte for byte.

The file is read with expat: an internal entity of plain text is expanded (Illustrator declares
its namespaces so), an external or parameter entity, or one made of other entities, is a problem (it
is how entity bombs and external files come in), and the text is capped; then it is written back by
:func:`sanitize_svg`. Elements of another namespace are dropped without a word (an editor's own data:
Inkscape's, Illustrator's, RDF metadata), but XHTML and MathML, which a browser would act on."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from ..i18n import _

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ACTIVE_NS = {"http://www.w3.org/1999/xhtml": "XHTML", "http://www.w3.org/1998/Math/MathML": "MathML"}
MAX_SVG_BYTES = 16 * 1024 * 1024
MAX_TEXT_CHARS = 32 * 1024 * 1024  # the text of the parsed SVG, entities expanded

# Drawing elements (SVG 1.1 and 2, as sanitizers such as DOMPurify allow them). Not here: script,
# foreignObject (HTML inside), the animation elements (animate and set can turn an href into
# javascript:), use of other files, font-face-uri, iframe/video/audio/canvas and anything unknown.
ELEMENTS = {
    "svg", "g", "defs", "desc", "title", "metadata", "symbol", "use", "switch", "view", "a", "style",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "textPath", "tref",
    "image", "marker", "pattern", "clipPath", "mask", "linearGradient", "radialGradient", "stop", "filter",
    "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix", "feDiffuseLighting",
    "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR",
    "feGaussianBlur", "feImage", "feMerge", "feMergeNode", "feMorphology", "feOffset", "fePointLight",
    "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence", "hatch", "hatchpath", "mpath", "solidcolor",
}
LINKS = {"href"}  # (in no namespace or in xlink's): only "#fragment" or an embedded raster picture
SAFE_DATA = re.compile(r"^\s*data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.I)
SCRIPT_URL = re.compile(r"(java|vb)script:|data:(?!image/(png|jpeg|gif|webp)[;,])", re.I)
FETCH_URL = re.compile(r"url\s*\(\s*['\"]?\s*(?!#)", re.I)  # url(…) of anything but a fragment of the file
CSS_FETCH = re.compile(r"@import|url\s*\(\s*['\"]?\s*(?!#)|expression\s*\(|behavior\s*:|-moz-binding|javascript:", re.I)


class SvgError(Exception):
    """The file is not an SVG that can be read: ``line`` (1-based) when expat knows it."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Sanitized:
    data: bytes  # what the site publishes: the file itself when nothing was removed
    removed: list[str] = field(default_factory=list)  # what was taken out, as the editor should be told

    @property
    def changed(self) -> bool:
        return bool(self.removed)


@dataclass
class _Element:
    tag: str  # local name
    attributes: list[tuple[str, str]]  # (qualified name as written back, value)
    children: list = field(default_factory=list)  # _Element or str


def _split(name: str) -> tuple[str, str]:
    """expat's 'namespace}local' (namespace_separator '}') → (namespace, local)."""
    namespace, _separator, local = name.rpartition("}")
    return namespace, local


def _parse(data: bytes, removed: list[str]) -> _Element:
    if len(data) > MAX_SVG_BYTES:
        raise SvgError(_("the SVG is {size} MB; the limit is {limit} MB", size=len(data) // 1024 // 1024,
                         limit=MAX_SVG_BYTES // 1024 // 1024))
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Element] = []
    root: list[_Element] = []
    size = [0]

    def entity(name, is_parameter, value, base, system_id, public_id, notation):
        if is_parameter or value is None or "&" in value or "%" in value or len(value) > 1024:
            raise SvgError(_("the SVG declares the entity '{name}', which an image may not (only short plain-text "
                             "entities are allowed)", name=name), parser.CurrentLineNumber)

    def instruction(target, data):
        if target.lower() == "xml-stylesheet":
            removed.append(_("the xml-stylesheet instruction (it fetches a style sheet from elsewhere)"))

    def start(name, attributes):
        element = _Element(name, list(attributes.items()))
        if stack:
            stack[-1].children.append(element)
        else:
            root.append(element)
        stack.append(element)

    def end(name):
        stack.pop()

    def text(data):
        size[0] += len(data)
        if size[0] > MAX_TEXT_CHARS:
            raise SvgError(_("the SVG's text is over {limit} million characters", limit=MAX_TEXT_CHARS // 1024 // 1024),
                           parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(data)

    parser.EntityDeclHandler = entity
    parser.ProcessingInstructionHandler = instruction
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.ordered_attributes = False
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise SvgError(_("the SVG is not well-formed XML: {reason}", reason=expat.ErrorString(exc.code)), exc.lineno) from None
    if not root or _split(root[0].tag)[1] != "svg" or _split(root[0].tag)[0] not in ("", SVG_NS):
        raise SvgError(_("the file is not an SVG image (its first element is not <svg>)"), 1)
    return root[0]


def _clean(element: _Element, removed: list[str]) -> _Element | None:
    namespace, local = _split(element.tag)
    if namespace not in ("", SVG_NS):
        if namespace in ACTIVE_NS:
            removed.append(_("the {language} element <{element}>", language=ACTIVE_NS[namespace], element=local))
        return None  # the rest is inert: an editor's own data
    if local not in ELEMENTS:
        removed.append(_("the <{element}> element", element=local))
        return None
    attributes: list[tuple[str, str]] = []
    for name, value in element.attributes:
        space, attribute = _split(name)
        if space == XLINK_NS and attribute in LINKS or space == "" and attribute in LINKS:
            if value.strip().startswith("#") or (local in ("image", "feImage") and SAFE_DATA.match(value)):
                attributes.append(("xlink:href" if space else "href", value))
            else:
                removed.append(_("the link {target!r} of <{element}>", target=value[:60], element=local))
            continue
        if space == XML_NS:
            attributes.append((f"xml:{attribute}", value))
            continue
        if space not in ("", SVG_NS):
            continue  # an editor's own data (inkscape:label, sodipodi:…): nothing a reader sees
        if attribute.lower().startswith("on"):
            removed.append(_("the event handler {attribute}", attribute=attribute))
            continue
        if SCRIPT_URL.search(value) or FETCH_URL.search(value) or (attribute == "style" and CSS_FETCH.search(value)):
            removed.append(_("the {attribute} attribute of <{element}> (it holds a script or fetches from elsewhere)",
                             attribute=attribute, element=local))
            continue
        attributes.append((attribute, value))
    clean = _Element(local, attributes)
    for child in element.children:
        if isinstance(child, str):
            if local == "style" and CSS_FETCH.search(child):
                removed.append(_("a <style> element that fetches from elsewhere or holds a script"))
                return None
            clean.children.append(child)
        else:
            kept = _clean(child, removed)
            if kept is not None:
                clean.children.append(kept)
    return clean


def _escape(text: str, quote: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def _write(element: _Element, out: list[str], top: bool = False) -> None:
    attributes = [(name, value) for name, value in element.attributes if not name.startswith("xmlns")]
    if top:
        attributes = [("xmlns", SVG_NS), ("xmlns:xlink", XLINK_NS)] + attributes
    out.append("<" + element.tag + "".join(f' {name}="{_escape(value, True)}"' for name, value in attributes))
    if not element.children:
        out.append("/>")
        return
    out.append(">")
    for child in element.children:
        if isinstance(child, str):
            out.append(_escape(child))
        else:
            _write(child, out)
    out.append(f"</{element.tag}>")


def sanitize_svg(data: bytes) -> Sanitized:
    """The SVG with only drawing left (see the module's docstring); SvgError when it cannot be read."""
    removed: list[str] = []
    root = _parse(data, removed)
    clean = _clean(root, removed)
    if not removed:
        return Sanitized(data)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(clean, out, top=True)
    out.append("\n")
    return Sanitized("".join(out).encode("utf-8"), list(dict.fromkeys(removed)))
