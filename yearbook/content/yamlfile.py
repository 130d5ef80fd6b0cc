"""Read YAML safely (no object construction, no anchors or aliases, no key given twice) and keep the
line of every key, so that a problem in a value can be reported at its line."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError, ContentErrors, Problem, SourceLocation
from ..i18n import Listing, Message, N_, _, ngettext
from .sources import CONTROL, control_character_name, read_text

BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(BaseLoader):  # type: ignore[misc, valid-type]
    """The safe (C) loader; an impossible date stays text so that the field check reports it at its line,
    and a key given twice in one mapping is noted (``duplicates``: key, its line, the first one's line)
    instead of the last value silently winning."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[Any, int, int]] = []

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=True)  # constructed once: the parser keeps it
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: the constructor below reports it
                    continue
                if first is None:
                    seen[key] = key_node.start_mark.line
                else:
                    written = key_node.value if isinstance(key_node, yaml.ScalarNode) else key
                    self.duplicates.append((written, key_node.start_mark.line, first))
        return super().construct_mapping(node, deep=deep)


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)

STR_TAG, MAP_TAG, SEQ_TAG = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
PLAIN_SCALARS = {tag: Loader.yaml_constructors[tag] for tag in
                 ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                  "tag:yaml.org,2002:timestamp")}  # each a plain function of (loader, node), as the Loader calls it


class _NotPlain(Exception):
    """A node :func:`_plain` leaves to the Loader's constructor."""


def _plain(loader: Loader, node: yaml.Node) -> Any:
    """What ``loader.construct_document(node)`` makes of a document of text keys, plain scalars, lists and
    mappings, in one walk of the node tree; _NotPlain for anything else (a key given twice, a key that is
    not text, a merge key, another tag), and whatever a scalar's constructor raises."""
    tag = node.tag
    kind = type(node)
    if kind is yaml.ScalarNode:
        if tag == STR_TAG:
            return node.value
        construct = PLAIN_SCALARS.get(tag)
        if construct is None:
            raise _NotPlain
        return construct(loader, node)
    if kind is yaml.MappingNode and tag == MAP_TAG:
        data = {}
        for key_node, value_node in node.value:
            if key_node.tag != STR_TAG or type(key_node) is not yaml.ScalarNode or key_node.value in data:
                raise _NotPlain
            data[key_node.value] = _plain(loader, value_node)
        return data
    if kind is yaml.SequenceNode and tag == SEQ_TAG:
        return [_plain(loader, item) for item in node.value]
    raise _NotPlain


def construct_data(loader: Loader, node: yaml.Node) -> Any:
    """``loader.construct_document(node)``: by :func:`_plain` when it can (the Loader's constructor
    builds each mapping and list through a generator, 0.15 ms a front matter), else by the Loader, which
    then notes the duplicates and raises what it raises, in its own order, as if _plain had not tried."""
    try:
        return _plain(loader, node)
    except Exception:  # noqa: BLE001 - the Loader's constructor says what is wrong (or builds it)
        return loader.construct_document(node)
FULLWIDTH_KEY = re.compile(r"^(\s*-?\s*)([A-Za-z_][A-Za-z0-9_]*)\s*：")
COLON_IN_VALUE = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*):[ \t]+([^'\"\s#\[{|>][^#]*?:(?:[ \t]|$).*)$")
# PyYAML's own words for what is wrong, said in the editor's language when they are these
YAML_PROBLEMS = {N_("mapping values are not allowed in this context"), N_("mapping values are not allowed here"),
                 N_("found unexpected end of stream"), N_("did not find expected ',' or ']'"),
                 N_("did not find expected ',' or '}'"), N_("did not find expected '-' indicator"),
                 N_("found character that cannot start any token"), N_("did not find expected key"),
                 N_("found unknown escape character"), N_("did not find expected node content"),
                 N_("could not find expected ':'"), N_("invalid YAML")}
MAX_YAML_CHARS = 2 * 1024 * 1024
MAX_DEPTH = 50  # lists and mappings inside each other; libyaml's composer recurses (and crashes) without a limit


@dataclass
class LineMap:
    """Lines (0-based, relative to the YAML text) of mapping keys and sequence items, by key path."""

    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, *path: Any) -> int | None:
        """Line of the deepest known prefix of ``path``."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


def _walk(node: yaml.Node, path: tuple, lines: LineMap, seen: set[int]) -> None:
    if id(node) in seen:
        raise _AliasFound(node)
    seen.add(id(node))
    lines.lines.setdefault(path, node.start_mark.line)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            lines.lines[path + (key,)] = key_node.start_mark.line
            _walk(value_node, path + (key,), lines, seen)
            lines.lines[path + (key,)] = key_node.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines, seen)


def _control_characters(node: yaml.Node, location) -> list[Problem]:
    """A problem for each scalar whose value holds a control character. The file's own text cannot
    (YAML refuses them there), but a double-quoted escape can write one (``"\\x01"``, ``"\\0"``, ``"\\a"``),
    and it would reach the pages raw and make the feed ill-formed XML."""
    problems: list[Problem] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, yaml.ScalarNode):
            found = sorted(set(CONTROL.findall(item.value)))
            if found:
                problems.append(Problem(
                    ngettext("the text contains the control character {names}, written as an escape in quotes, which "
                             "cannot be shown on a page nor printed",
                             "the text contains the control characters {names}, written as an escape in quotes, which "
                             "cannot be shown on a page nor printed",
                             len(found), names=Listing(control_character_name(char) for char in found)),
                    location(item.start_mark.line),
                    _("remove the escape (such as \\x01, \\0 or \\a) from the quoted text")))
        elif isinstance(item, yaml.MappingNode):
            stack.extend(part for pair in reversed(item.value) for part in reversed(pair))
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(reversed(item.value))
    return problems


class _AliasFound(Exception):
    def __init__(self, node: yaml.Node):
        self.node = node


class _TooDeep(Exception):
    def __init__(self, event: yaml.Event):
        self.node = event


def _scan_events(text: str) -> None:
    """Read the YAML as events (libyaml's parser keeps its own stack, so this cannot overflow) and stop at
    the first alias or at nesting deeper than MAX_DEPTH, before anything builds a node tree from it."""
    scanner = Loader(text)
    try:
        depth = 0
        while True:
            event = scanner.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _AliasFound(event)
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _TooDeep(event)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif event is None or isinstance(event, yaml.StreamEndEvent):
                return
    finally:
        scanner.dispose()


DOCUMENT_MARK = re.compile(r"^(?:---|\.\.\.|%)", re.M)
BLOCK_PREFIX = re.compile(r"^(?:[ ]*[-?:](?=[ \t]|$))*[ \t]*", re.M)  # indentation and compact "- " / "? " / ": "


def _needs_scan(text: str) -> bool:
    """False when :func:`_scan_events` provably finds nothing, so the text is parsed once, not twice:
    no ``&`` or ``*`` (so no anchor or alias), one document, and nesting no deeper than MAX_DEPTH. A block
    collection starts inside its line's indentation-and-indicator prefix, and the column grows at least
    every second level (only a list may sit at its mapping key's column), so block nesting is at most
    2 × (longest prefix + 1); each flow collection needs its own ``[`` or ``{``."""
    if "&" in text or "*" in text or DOCUMENT_MARK.search(text):
        return True
    prefix = max((len(match.group(0)) for match in BLOCK_PREFIX.finditer(text)), default=0)
    return 2 * (prefix + 1) + text.count("[") + text.count("{") > MAX_DEPTH


def _fullwidth_colon_line(text: str) -> int | None:
    """0-based line of the first 'key：' written with a full-width colon, if any."""
    for number, raw in enumerate(text.split("\n")):
        if FULLWIDTH_KEY.match(raw):
            return number
    return None


def _syntax_hint(text: str, line: int | None, first_line: int) -> str | None:
    lines = text.split("\n")
    fullwidth = _fullwidth_colon_line(text)
    if fullwidth is not None:
        return _("line {line} uses a full-width colon '：' after a field name; type an ASCII colon ':' followed by a space",
                 line=first_line + fullwidth)
    if "\t" in text:
        return _("YAML does not allow tab characters for indentation; indent with spaces")
    if line is not None and 0 <= line < len(lines):
        bad = lines[line]
        if bad.count('"') % 2 or bad.count("'") % 2 == 1 and not bad.strip().startswith("#"):
            return _("a quotation mark is not closed on this line; close it or remove it")
    return _("check the indentation and that every 'key: value' has a space after the colon")


def _colon_in_value(text: str, line: int | None) -> tuple[str, str] | None:
    """(key, value) when ``line`` is ``key: value`` whose value holds ``: `` (``summary: 主题: 科技创新``), which
    YAML reads as a second field on the line."""
    lines = text.split("\n")
    if line is None or not 0 <= line < len(lines):
        return None
    match = COLON_IN_VALUE.match(lines[line])
    return (match.group(1), match.group(2).rstrip()) if match else None


def load_yaml(text: str, path: Path, first_line: int = 1) -> tuple[Any, LineMap]:
    """Parse ``text`` (which starts at file line ``first_line``) into plain data and a LineMap."""
    def location(line: int | None) -> SourceLocation:
        return SourceLocation(path, None if line is None else first_line + line)

    if len(text) > MAX_YAML_CHARS:
        raise ContentError(_("the YAML is larger than 2 MB"), location(0), _("move long text into the Markdown body"))
    loader = Loader(text)
    try:
        if _needs_scan(text):
            _scan_events(text)
        node = loader.get_single_node()
        if node is None:
            return None, LineMap()
        lines = LineMap()
        _walk(node, (), lines, set())
        # a value holds a control character only when the text does, or writes one as an escape
        escaped = _control_characters(node, location) if "\\" in text or CONTROL.search(text) else []
        if escaped:
            raise ContentErrors(escaped)
        data = construct_data(loader, node)
        if loader.duplicates:
            raise ContentErrors([Problem(_("duplicate key '{key}': it is already set on line {line}", key=key, line=first_line + first),
                                         location(line), _("keep one of the two (YAML would silently use only the last one)"))
                                 for key, line, first in loader.duplicates])
    except _AliasFound as found:
        raise ContentError(
            _("YAML anchors and aliases (& and *) are not allowed here"),
            location(found.node.start_mark.line),
            _("write the value out in full"),
        ) from None
    except _TooDeep as deep:
        raise ContentError(
            _("the YAML is nested more than {depth} levels deep", depth=MAX_DEPTH),
            location(deep.node.start_mark.line),
            _("write lists and fields at most a few levels inside each other"),
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        line = text[:exc.position].count("\n") if isinstance(exc.position, int) else None
        raise ContentError(_("the text contains a character YAML does not allow (#x{code:04x}): {reason}",
                             code=exc.character, reason=exc.reason),
                           location(line), _("delete the invisible character (often pasted from another program)")) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context and "quoted scalar" in exc.context and exc.context_mark is not None:
            mark = exc.context_mark  # an unclosed quote: where it opens, not where the text ends
        line = mark.line if mark is not None else None
        fullwidth = _fullwidth_colon_line(text)
        if fullwidth is not None:
            line = fullwidth
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "nesting depth" in problem:  # libyaml's own limit (PyYAML 6.0.3 and later) met before ours
            raise ContentError(_("the YAML is nested more than {depth} levels deep", depth=MAX_DEPTH), location(line),
                               _("write lists and fields at most a few levels inside each other")) from None
        colon = _colon_in_value(text, line) if fullwidth is None and "mapping values" in problem else None
        if colon is not None:  # summary: 主题: 科技创新 — not an indentation slip
            key, value = colon
            quoted = value.replace("\\", "\\\\").replace('"', '\\"')
            raise ContentError(_("the value of '{key}' contains a colon followed by a space (': '), which YAML reads as "
                                 "the start of another field", key=key), location(line),
                               _("put the value in quotes: {key}: \"{value}\" (or write the colon full-width: ：)",
                                 key=key, value=quoted)) from None
        said = Message(problem) if problem in YAML_PROBLEMS else problem
        raise ContentError(_("YAML syntax error: {problem}", problem=said), location(line),
                           _syntax_hint(text, line, first_line)) from None
    except yaml.YAMLError as exc:
        raise ContentError(_("YAML error: {error}", error=str(exc)), location(None), _syntax_hint(text, None, first_line)) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2021-13-45
        raise ContentError(_("invalid YAML value: {error}", error=str(exc)), location(None)) from None
    finally:
        loader.dispose()
    return data, lines


def load_yaml_file(path: Path) -> tuple[Any, LineMap]:
    """Read and parse a YAML file from the content directory."""
    text, _encoding = read_text(path)
    return load_yaml(text, path, 1)
