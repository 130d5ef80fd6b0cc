"""Bylines in the shapes Chinese reports print them, each line taken whole or not at all:

    融媒体记者：李蓉            role: name (one per line, or several names: 记者：张三 李四)
    （通讯员 赵雷 全媒体记者 李伟）  roles and names in brackets
    通讯员 赵雷 全媒体记者 李伟      the same without brackets (the line must start with a role)
    ·姜小国 张瑞·              names between middle dots, no role
    文/张三  图/李四            文/图/摄影 and a slash
"""
from __future__ import annotations

import re

from ..content.model import Byline

ROLES = sorted({
    "融媒体记者", "全媒体记者", "融媒体编辑", "全媒体编辑", "本报记者", "特约记者", "见习记者", "首席记者", "实习记者",
    "记者", "通讯员", "特约通讯员", "责任编辑", "编辑", "实习生", "摄影", "摄像", "撰稿", "供稿", "审核", "审校", "校对",
    "监制", "编审", "主编", "文", "图", "摄",
}, key=len, reverse=True)
NAME_CHARS = r"[\u4e00-\u9fff]"
MAX_BYLINE_LENGTH = 60
BRACKETED = re.compile(r"^[（(【\[](.+)[）)】\]]$")
DOTTED = re.compile(r"^[·•・]\s*(.+?)\s*[·•・]$")
SLASHED = re.compile(r"^(文|图|摄影|摄|撰稿)\s*[/／]\s*(.+)$")
SEPARATORS = " 、，,"


def _role_at(text: str, pos: int) -> str | None:
    for role in ROLES:
        if text.startswith(role, pos):
            return role
    return None


def _name_at(text: str, pos: int) -> str | None:
    """A name of 2–4 Han characters at ``pos`` that ends at a separator, the end, or a role."""
    for length in (2, 3, 4):
        end = pos + length
        name = text[pos:end]
        if len(name) < length or not re.fullmatch(f"{NAME_CHARS}{{{length}}}", name):
            return None
        if end == len(text) or text[end] in SEPARATORS or (_role_at(text, end) and len(text) - end > 1):
            if _role_at(name, 0) is None:
                return name
    return None


def parse_role_names(text: str, need_role: bool = True) -> list[Byline] | None:
    """``通讯员 赵雷 全媒体记者 李伟`` → bylines, or None unless the whole text parses."""
    bylines: list[Byline] = []
    role: str | None = None
    pos = 0
    while pos < len(text):
        if text[pos] in SEPARATORS:
            pos += 1
            continue
        found = _role_at(text, pos)
        if found is not None and not (bylines and role is None):
            rest = pos + len(found)
            if rest < len(text) and text[rest] in "：:":
                rest += 1
            if rest >= len(text) or text[rest] in SEPARATORS + "：:" or _name_at(text, rest):
                role, pos = found, rest
                continue
        name = _name_at(text, pos)
        if name is None:
            return None
        if role is None and need_role:
            return None
        bylines.append(Byline(role=role or "", name=name))
        pos += len(name)
    return bylines or None


def parse_byline(line: str) -> list[Byline] | None:
    """The bylines of a line that is nothing but a byline; None for any other line."""
    text = line.strip()
    if not text or len(text) > MAX_BYLINE_LENGTH or re.search(r"[。！？；]", text):
        return None
    match = DOTTED.match(text)
    if match:
        return parse_role_names(match.group(1), need_role=False)
    match = BRACKETED.match(text)
    if match:
        return parse_role_names(match.group(1).strip(), need_role=True)
    match = SLASHED.match(text)
    if match:
        names = parse_role_names(match.group(2), need_role=False)
        return [Byline(match.group(1), b.name) for b in names] if names else None
    return parse_role_names(text, need_role=True)
