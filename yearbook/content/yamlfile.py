"""Read YAML safely (no object construction, no anchors or aliases) and keep the line of every key,
so that a problem in a value can be reported at its line."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ContentError, ContentErrors, Problem, SourceLocation
from .sources import CONTROL, control_character_name, read_text

BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(BaseLoader):  # type: ignore[misc, valid-type]
    """The safe (C) loader; an impossible date stays text so that the field check reports it at its line."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode):
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
FULLWIDTH_KEY = re.compile(r"^(\s*-?\s*)([A-Za-z_][A-Za-z0-9_]*)\s*：")
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
                names = ", ".join(control_character_name(char) for char in found)
                problems.append(Problem(
                    f"the text contains the control character{'s' if len(found) > 1 else ''} {names}, written as an escape "
                    "in quotes, which cannot be shown on a page nor printed", location(item.start_mark.line),
                    "remove the escape (such as \\x01, \\0 or \\a) from the quoted text"))
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
        return f"line {first_line + fullwidth} uses a full-width colon '：' after a field name; type an ASCII colon ':' followed by a space"
    if "\t" in text:
        return "YAML does not allow tab characters for indentation; indent with spaces"
    if line is not None and 0 <= line < len(lines):
        bad = lines[line]
        if bad.count('"') % 2 or bad.count("'") % 2 == 1 and not bad.strip().startswith("#"):
            return "a quotation mark is not closed on this line; close it or remove it"
    return "check the indentation and that every 'key: value' has a space after the colon"


# --- the common front matter without building a node tree --------------------------------------------
#
# Most front matter is ``key: value`` lines, lists of values and lists of ``key: value`` mappings, every
# value on one line. libyaml makes a node (with two marks) of every value and asks Python to resolve its
# tag; for that shape the lines are read here instead, with PyYAML's own resolver and constructors for
# the values, giving the same data and LineMap. Anything else (comments, quotes but simple single quotes,
# flow collections, anchors, tags, block scalars, values over several lines, nested mappings, duplicate
# keys, tabs, characters YAML refuses or reads as line ends, …) returns None: the full parser reads it.

SIMPLE_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*))?")  # a key and what follows ": " (fullmatch)
SIMPLE_ITEM = re.compile(r"( *)- +(.*)")  # (fullmatch)
# what the fast reader leaves: characters YAML refuses (outside \n, \x20-\x7e, \xa0-\ud7ff, \ue000-\ufffd and the
# planes above) or reads as line ends or a byte-order mark, tabs, and indicators it does not handle
NOT_SIMPLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff\u2028\u2029#\"{}\[\]`|>&*!%@\\]")
PLAIN_START = set("-?:,'<=~ ")  # a value starting so is not taken here (the single-quoted form aside)
QUOTED = re.compile(r"'((?:[^']|'')*)'")  # (fullmatch)
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_STR_TAG = "tag:yaml.org,2002:str"
_VALUE_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp")}


class _NotSimple(Exception):
    pass


def _simple_scalar(raw: str, key: bool = False):
    """The value of one plain (or simply single-quoted) scalar, as PyYAML makes it; _NotSimple otherwise."""
    raw = raw.rstrip(" ")
    if raw[:1] == "'" and not key:
        match = QUOTED.fullmatch(raw)
        if match is None:
            raise _NotSimple
        return match.group(1).replace("''", "'")
    if raw[:1] in PLAIN_START or ":" in raw:
        raise _NotSimple
    if raw and raw[0] not in _resolver.yaml_implicit_resolvers:
        return raw  # no implicit type starts with this character
    tag = _resolver.resolve(yaml.ScalarNode, raw, (True, False))
    if tag == _STR_TAG:
        return raw
    if key or tag not in _VALUE_TAGS:
        raise _NotSimple
    return Loader.yaml_constructors[tag](_constructor, yaml.ScalarNode(tag, raw))


def _simple_yaml(text: str) -> tuple[Any, LineMap] | None:
    """(data, LineMap) of front matter of the common shape (see above), or None."""
    if NOT_SIMPLE.search(text):  # (a document marker, ---, ... or %, is a line neither key nor item: refused below)
        return None
    lines = text.split("\n")
    count = len(lines)
    data: dict = {}
    where: dict[tuple, int] = {}
    try:
        number = 0
        while number < count:
            line = lines[number]
            if not line.strip(" "):
                number += 1
                continue
            match = SIMPLE_KEY.fullmatch(line)
            if match is None:
                return None
            key = _simple_scalar(match.group(1), key=True)
            if key in data:
                return None
            where.setdefault((), number)
            where[(key,)] = number
            raw = (match.group(2) or "").rstrip(" ")
            number += 1
            if raw:
                data[key] = _simple_scalar(raw)
                continue
            following = number
            while following < count and not lines[following].strip(" "):
                following += 1
            item = SIMPLE_ITEM.fullmatch(lines[following]) if following < count else None
            if item is None:  # an empty value: the next line must be a key of this mapping
                if following < count and lines[following][:1] == " ":
                    return None
                data[key] = _simple_scalar("")
                continue
            data[key], number = _simple_list(lines, following, len(item.group(1)), (key,), where)
    except (_NotSimple, ValueError, TypeError, OverflowError, yaml.YAMLError):
        return None
    if not data:
        return None
    return data, LineMap(where)


def _simple_list(lines: list[str], number: int, indent: int, path: tuple, where: dict) -> tuple[list, int]:
    """The list whose items start at ``indent`` from line ``number``: (its values, the line after it)."""
    values: list = []
    count = len(lines)
    while True:
        while number < count and not lines[number].strip(" "):
            number += 1
        if number == count:
            return values, number
        item = SIMPLE_ITEM.fullmatch(lines[number])
        if item is None or len(item.group(1)) != indent:
            if lines[number][:1] == " " or item is not None:
                raise _NotSimple  # a line inside the list that is not one of its items
            return values, number
        index = len(values)
        where[path + (index,)] = number
        match = SIMPLE_KEY.fullmatch(item.group(2))
        if match is None:
            values.append(_simple_scalar(item.group(2)))
            number += 1
            if number < count and lines[number][:indent + 1].strip(" ") == "" and lines[number].strip(" ") \
                    and SIMPLE_ITEM.fullmatch(lines[number]) is None:
                raise _NotSimple  # a value going on over the next line
            continue
        mapping: dict = {}
        inner = indent + len(lines[number]) - indent - len(item.group(2))  # the column of the item's first key
        while True:
            key = _simple_scalar(match.group(1), key=True)
            if key in mapping:
                raise _NotSimple
            where[path + (index, key)] = number
            raw = (match.group(2) or "").rstrip(" ")
            mapping[key] = _simple_scalar(raw)
            number += 1
            while number < count and not lines[number].strip(" "):
                number += 1
            if number == count:
                break
            line = lines[number]
            if len(line) - len(line.lstrip(" ")) != inner:
                if len(line) - len(line.lstrip(" ")) > inner:
                    raise _NotSimple  # nested deeper, or a value going on
                break
            match = SIMPLE_KEY.fullmatch(line[inner:])
            if match is None:
                raise _NotSimple
        values.append(mapping)


def load_yaml(text: str, path: Path, first_line: int = 1) -> tuple[Any, LineMap]:
    """Parse ``text`` (which starts at file line ``first_line``) into plain data and a LineMap."""
    def location(line: int | None) -> SourceLocation:
        return SourceLocation(path, None if line is None else first_line + line)

    if len(text) > MAX_YAML_CHARS:
        raise ContentError("the YAML is larger than 2 MB", location(0), "move long text into the Markdown body")
    simple = _simple_yaml(text)
    if simple is not None:
        return simple
    loader = Loader(text)
    try:
        if _needs_scan(text):
            _scan_events(text)
        node = loader.get_single_node()
        if node is None:
            return None, LineMap()
        lines = LineMap()
        _walk(node, (), lines, set())
        escaped = _control_characters(node, location)
        if escaped:
            raise ContentErrors(escaped)
        data = loader.construct_document(node)
    except _AliasFound as found:
        raise ContentError(
            "YAML anchors and aliases (& and *) are not allowed here",
            location(found.node.start_mark.line),
            "write the value out in full",
        ) from None
    except _TooDeep as deep:
        raise ContentError(
            f"the YAML is nested more than {MAX_DEPTH} levels deep",
            location(deep.node.start_mark.line),
            "write lists and fields at most a few levels inside each other",
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        line = text[:exc.position].count("\n") if isinstance(exc.position, int) else None
        raise ContentError(f"the text contains a character YAML does not allow (#x{exc.character:04x}): {exc.reason}",
                           location(line), "delete the invisible character (often pasted from another program)") from None
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
            raise ContentError(f"the YAML is nested more than {MAX_DEPTH} levels deep", location(line),
                               "write lists and fields at most a few levels inside each other") from None
        raise ContentError(f"YAML syntax error: {problem}", location(line), _syntax_hint(text, line, first_line)) from None
    except yaml.YAMLError as exc:
        raise ContentError(f"YAML error: {exc}", location(None), _syntax_hint(text, None, first_line)) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2021-13-45
        raise ContentError(f"invalid YAML value: {exc}", location(None)) from None
    finally:
        loader.dispose()
    return data, lines


def load_yaml_file(path: Path) -> tuple[Any, LineMap]:
    """Read and parse a YAML file from the content directory."""
    text, _ = read_text(path)
    return load_yaml(text, path, 1)
