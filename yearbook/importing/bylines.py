"""Bylines in the shapes Chinese reports print them.

A line that is nothing but a byline (:func:`parse_byline`), each line taken whole or not at all:

    融媒体记者：李蓉            role: name (one per line, or several names: 记者：张三 李四)
    撰稿：刘芳 审核：汪洋         several roles on one line
    （通讯员 赵雷 全媒体记者 李伟）  roles and names in brackets
    通讯员 赵雷 全媒体记者 李伟      the same without brackets (the line must start with a role)
    （通讯员 王小明 摄）          a photo credit: 摄影
    ·姜小国 张瑞·              names between middle dots, no role
    文/张三  图/李四  文｜张三     文/图/摄影 and a slash or bar
    记者孙立平报道              a reporter's line

A byline at the start of a news paragraph (:func:`leading_byline`: ``本报讯（记者 刘洋 通讯员 陈静）``,
``中安在线讯（通讯员 郑好）``, ``新华社合肥5月20日电（记者 张三）``, ``记者孙立平报道：``), at the end of one
(:func:`trailing_byline`: ``…取得实效。（记者 王雪威 通讯员 李亚宁 邢鹏飞）``, ``（撰稿：李文静）``, ``（通州区科协 供稿）``),
and a speech's speaker under its title (:func:`speaker_line`: ``县科协主席 赵德明``)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..content.model import Byline

ROLES = sorted({
    "融媒体记者", "全媒体记者", "融媒体编辑", "全媒体编辑", "本报记者", "特约记者", "见习记者", "首席记者", "实习记者", "本台记者",
    "记者", "通讯员", "特约通讯员", "责任编辑", "编辑", "责编", "实习生", "摄影", "摄像", "撰稿人", "撰稿", "撰文", "供稿", "审核",
    "审校", "审稿", "校对", "终审", "初审", "复审", "一审", "二审", "三审", "责任校对", "监制", "编审", "主编", "作者", "文字",
    "图片", "图文", "文案", "排版", "美编", "视频", "文", "图", "摄",
}, key=len, reverse=True)
REPORTER_ROLES = {"融媒体记者", "全媒体记者", "本报记者", "特约记者", "见习记者", "首席记者", "实习记者", "本台记者", "记者", "通讯员",
                  "特约通讯员", "实习生", "撰稿人", "撰稿", "撰文", "作者", "摄影", "摄像", "编辑", "责任编辑", "审核", "文", "图",
                  "文字", "图片", "图文"}
NAME_CHARS = r"[\u4e00-\u9fff]"
MAX_BYLINE_LENGTH = 60
BRACKETED = re.compile(r"^[（(【\[](.+)[）)】\]]$")
DOTTED = re.compile(r"^[·•・]\s*(.+?)\s*[·•・]$")
SLASHED = re.compile(r"(文|图|摄影|摄|撰稿|编辑|视频)\s*[/／|｜丨]\s*")
PHOTO_CREDIT = re.compile(r"^(.+?)\s*(?:摄影|拍摄|供图|摄)$")
CONTRIBUTED = re.compile(r"^(.+?)\s*(?:供稿|供图|提供|投稿)$")
REPORTED = re.compile(r"^(?:本报|本刊|本台|本网)?\s*((?:" + "|".join(ROLES) + r")\s*[^\s报]{0,1}.*?)\s*报道(?:[：:]\s*|\s+|$)")
SEPARATORS = " 、，,丨|｜"  # 文字丨李晓 图片丨陈晨: WeChat posts set a bar between role and name
NOT_PEOPLE = {"小编", "编辑部", "本站", "本网", "管理员", "网友", "佚名", "匿名", "未知", "admin", "administrator", "系统管理员", "综合",
              "办公室", "网站", "本报", "本刊"}
NOT_A_NAME = re.compile(r"网友|投稿|本站|本网|编辑部|管理员|网络|转载|整理|综合|来源|匿名|佚名|小编|通讯|记者|供稿")
ORGANIZATION_END = re.compile(r"(?:科协|协会|学会|研究会|委员会|中心|政府|公司|集团|街道|社区|基地|联盟|党组|支部|日报|晚报|电视台|"
                              r"办公室|科学技术协会)$")
ORGANIZATION_LETTER = re.compile(r"[局办委部院站馆报台网社处科室所会队团校组镇乡村厂]$")
TITLE_WORDS = ("党组书记", "副书记", "书记", "副主席", "主席", "副局长", "局长", "副县长", "县长", "副市长", "市长", "副区长", "区长",
               "副部长", "部长", "副主任", "主任", "副理事长", "理事长", "副会长", "会长", "秘书长", "副院长", "院长", "副校长", "校长",
               "党组成员", "调研员", "处长", "科长", "厅长", "省长", "常委", "委员", "副馆长", "馆长", "站长", "所长", "总工程师")
SPEAKER = re.compile(r"^(?:[—–-]{1,2}\s*)?(?P<role>[\u4e00-\u9fff、，·（）()]{0,30}?(?:" + "|".join(TITLE_WORDS) + r"))\s*"
                     r"(?P<name>[\u4e00-\u9fff]{2,4}?)(?:\s*同志)?$")
NEWS_LEAD = re.compile(r"^(?P<src>本报|本刊|本台|本网|本站|[\u4e00-\u9fffA-Za-z]{2,12}?(?:网|报|台|社|在线|新闻|客户端|融媒|频道))?"
                       r"(?P<place>[\u4e00-\u9fff]{0,8}?)(?P<md>\d{1,2}月\d{1,2}日)?(?P<kind>讯|电)\s*"
                       r"(?:[（(](?P<inner>[^（）()]{2,60})[）)])?\s*[：:]?\s*")
CREDITED_BODY = re.compile(r"^(?:供稿|稿源|供图|供稿单位)\s*[：:|｜丨]\s*(.+)$")  # 供稿：临桂区科协
BRACKET_LEAD = re.compile(r"^[（(](?P<inner>[^（）()]{2,60})[）)]\s*")
BRACKET_TAIL = re.compile(r"\s*[（(](?P<inner>[^（）()]{2,60})[）)]\s*$")


@dataclass
class Credit:
    """What a byline shape held: people (bylines) and organizations credited (供稿) or sources (本报, 中安在线)."""

    bylines: list[Byline] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    source: str = ""


def is_organization(text: str) -> bool:
    """科协, 学会, 局 … names (a single-letter ending such as 局 only on a name of four characters or more)."""
    return len(text) >= 3 and bool(ORGANIZATION_END.search(text)) or len(text) >= 4 and bool(ORGANIZATION_LETTER.search(text))


def is_person_name(text: str) -> bool:
    return bool(re.fullmatch(f"{NAME_CHARS}{{2,4}}", text)) and text not in NOT_PEOPLE and not is_organization(text)


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
        if end == len(text) or text[end] in SEPARATORS + "：:" or (_role_at(text, end) and len(text) - end > 1):
            if _role_at(name, 0) is None and name not in NOT_PEOPLE and not NOT_A_NAME.search(name):
                return name
    return None


def parse_role_names(text: str, need_role: bool = True) -> list[Byline] | None:
    """``通讯员 赵雷 全媒体记者 李伟`` → bylines, or None unless the whole text parses."""
    bylines: list[Byline] = []
    role: str | None = None
    named = True  # the last role has a name after it (通讯员 王小明 摄: 摄 has none, and is not a byline of this shape)
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
                role, pos, named = found, rest, False
                continue
        name = _name_at(text, pos)
        if name is None:
            return None
        if role is None and need_role:
            return None
        bylines.append(Byline(role=role or "", name=name))
        pos += len(name)
        named = True
    return bylines if bylines and named else None


def _credit_of(inner: str) -> Credit | None:
    """The credit inside brackets: roles and names, a photo credit, or an organization's 供稿."""
    inner = inner.strip()
    names = parse_role_names(inner, need_role=True)
    if names:
        return Credit(bylines=names)
    match = PHOTO_CREDIT.match(inner)
    if match:
        people = parse_role_names(match.group(1).strip(), need_role=False)
        if people:
            return Credit(bylines=[Byline("摄影", b.name) for b in people])
    match = CONTRIBUTED.match(inner)
    if match:
        who = match.group(1).strip()
        if is_organization(who):
            return Credit(organizations=[who])
        people = parse_role_names(who, need_role=False)
        if people:
            return Credit(bylines=[Byline("供稿", b.name) for b in people])
    return None


def parse_byline(line: str) -> list[Byline] | None:
    """The bylines of a line that is nothing but a byline; None for any other line."""
    credit = parse_credit_line(line)
    return credit.bylines if credit is not None and credit.bylines else None


def parse_credit_line(line: str) -> Credit | None:
    """A line that is nothing but a credit: bylines, or an organization's （…供稿）."""
    text = line.strip()
    if not text or len(text) > MAX_BYLINE_LENGTH or re.search(r"[。！？；]", text):
        return None
    match = DOTTED.match(text)
    if match:
        names = parse_role_names(match.group(1), need_role=False)
        return Credit(bylines=names) if names else None
    match = BRACKETED.match(text)
    if match:
        return _credit_of(match.group(1))
    if SLASHED.match(text):
        return _slashed(text)
    match = CREDITED_BODY.match(text)
    if match and is_organization(match.group(1).strip()):
        return Credit(organizations=[match.group(1).strip()])
    match = REPORTED.match(text)
    if match and match.end() == len(text):
        names = parse_role_names(match.group(1).strip(), need_role=True)
        return Credit(bylines=names) if names else None
    names = parse_role_names(text, need_role=True)
    return Credit(bylines=names) if names else None


def _slashed(text: str) -> Credit | None:
    """文/张三 图/李四 → bylines (文, 张三), (图, 李四)."""
    parts = SLASHED.split(text)
    if parts[0].strip():
        return None
    bylines = []
    for role, names in zip(parts[1::2], parts[2::2]):
        found = parse_role_names(names.strip(), need_role=False)
        if not found:
            return None
        bylines += [Byline(role, b.name) for b in found]
    return Credit(bylines=bylines) if bylines else None


def leading_byline(text: str) -> tuple[Credit, str] | None:
    """A news paragraph's opening credit and the paragraph without it: 本报讯（记者 刘洋）6月10日，… →
    (bylines, source 本报, "6月10日，…"). None when the paragraph opens otherwise."""
    match = NEWS_LEAD.match(text)
    if match and not match.group("src") and not match.group("inner"):
        match = None  # 电子商务…: a paragraph that starts with 讯 or 电 and no credit
    if match and (match.group("inner") or match.group("kind") == "电" or match.group("src") in ("本报", "本刊", "本台", "本网")):
        credit = _credit_of(match.group("inner")) if match.group("inner") else Credit()
        if match.group("inner") and credit is None:
            return None
        credit.source = (match.group("src") or "") + match.group("place") + (match.group("md") or "") + match.group("kind")
        rest = text[match.end():]
        reported = REPORTED.match(rest) if not match.group("inner") else None  # 本报讯 记者 杨帆 通讯员 张敏 报道：
        names = parse_role_names(reported.group(1).strip(), need_role=True) if reported else None
        if names:
            credit.bylines += names
            rest = rest[reported.end():]
        return credit, rest
    match = BRACKET_LEAD.match(text)
    if match:
        credit = _credit_of(match.group("inner"))
        if credit and credit.bylines and all(b.role in REPORTER_ROLES for b in credit.bylines):
            return credit, text[match.end():]
        return None
    match = REPORTED.match(text)
    if match:
        names = parse_role_names(match.group(1).strip(), need_role=True)
        if names:
            return Credit(bylines=names), text[match.end():]
    return None


def trailing_byline(text: str) -> tuple[Credit, str] | None:
    """A paragraph's closing credit and the paragraph without it: …取得实效。（记者 王雪威 通讯员 李亚宁）."""
    match = BRACKET_TAIL.search(text)
    if not match or match.start() == 0:
        return None
    credit = _credit_of(match.group("inner"))
    if credit is None or (credit.bylines and not all(b.role in REPORTER_ROLES | {"供稿"} for b in credit.bylines)):
        return None
    return credit, text[:match.start()].rstrip()


def speaker_line(text: str) -> Byline | None:
    """A speech's speaker under its title: 县科协主席 赵德明, 亳州市科协党组书记、主席 钱卫东 → Byline(role, name)."""
    match = SPEAKER.match(text.strip())
    if not match or len(text) > 50:
        return None
    role, name = match.group("role").strip("、，"), match.group("name")
    if any(name.startswith(word) for word in TITLE_WORDS) or name in NOT_PEOPLE:
        return None
    return Byline(role, name)


def people_of(label: str, value: str) -> list[Byline]:
    """The people a meta line's ``作者：…`` (or 编辑：, 记者：…) names; none when it names an organization or
    a placeholder (小编, admin)."""
    value = value.strip()
    if not value or value.lower() in NOT_PEOPLE or is_organization(value):
        return []  # (a name such as 网友投稿 is refused name by name: _name_at)
    found = parse_role_names(value, need_role=False)
    return [Byline(b.role or label, b.name) for b in found] if found else []
