"""Web-page furniture: the lines (and pieces of lines) that a copied page, a WeChat post, a newspaper's
website or an essay-aggregator site adds around a report and that are not the report.

The catalogue is a list of :class:`Furniture` kinds, each with a name an editor would recognise (it goes
into the notes the importer writes), a pattern, and where it may be taken:

- ``line``: the whole line is furniture wherever it stands (a breadcrumb, ``【打印本页】【关闭窗口】``, a photo's
  file name, ``本文链接：http…``, an ICP licence line, ``下面是小编为大家整理的…``);
- ``edge``: furniture only near the top or the end of the page (``主办单位：…``, ``联系电话：…``: in a notice
  these words are content);
- ``inline``: removed from inside a line, the rest kept (``【字体：大 中 小】``, ``浏览次数：128``);
- ``end``: the article is over — what follows is the page's (上一篇/下一篇, 相关文章, 热门评论, 分享到, 阅读原文).

Meta lines (``发布时间：2025-05-20 09:12 来源：… 作者：… 浏览次数：128``) are parsed, not only dropped: their
date, source and authors are evidence for the draft (:func:`parse_meta`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import find_dates


@dataclass(frozen=True)
class Furniture:
    name: str
    pattern: re.Pattern
    scope: str  # line, edge, inline, end
    max_length: int = 200  # a longer line is text, whatever it contains


def _k(name: str, pattern: str, scope: str = "line", max_length: int = 200) -> Furniture:
    return Furniture(name, re.compile(pattern, re.I), scope, max_length)


IMAGE_EXTENSIONS = r"(?:jpe?g|png|gif|bmp|webp|tiff?|heic)"
TOOL_WORDS = r"(?:打印本页|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|回到顶部|返回列表|返回首页|返回|收藏本页|收藏|加入收藏|我要纠错|纠错|我要打印|保存本页|复制链接|字体|大|中|小|默认)"
CATALOGUE: list[Furniture] = [
    _k("breadcrumb", r"^(?:您|你)?(?:现在|当前|目前)?(?:所在|所处)?的?(?:位置|页面)\s*[：:>›»](?=.*(?:首页|正文|>|›|»|→))"),
    _k("breadcrumb", r"^(?:网站首页|首页)\s*(?:>|＞|›|»|→|/|\\|-{1,2}>|>>)"),
    _k("breadcrumb", r"^[^\s>›»→。，！？]{1,15}(?:\s*(?:>>|>|›|»|→|＞)\s*[^\s>›»→。，！？]{1,15}){2,}$", "edge", 80),  # 站名 > 栏目 > 正文
    _k("font-size switch", r"^[【\[〔（(]?\s*(?:字体|字号|文字)\s*[：:]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小\s*[】\]]?\s*[】\]〕）)]?$"),
    _k("font-size switch", r"[【\[]\s*(?:字体|字号)\s*[：:]?\s*大\s*中\s*小\s*[】\]]|[【\[]\s*大\s*中\s*小\s*[】\]]", "inline"),
    _k("print and close buttons", rf"^(?:[【\[〔]\s*{TOOL_WORDS}\s*[】\]〕]\s*)+$"),
    _k("print and close buttons", r"[【\[〔]\s*(?:打印本页|打印|关闭窗口|关闭|返回顶部|收藏|纠错)\s*[】\]〕]", "inline"),
    _k("print and close buttons", r"^(?:打印本页|关闭窗口|打印|关闭|返回顶部|返回列表|收藏本页)(?:\s+(?:打印本页|关闭窗口|打印|关闭|返回顶部|返回列表|收藏本页))*$"),
    _k("photo file name", rf"^[^\s。，]{{0,80}}(?:\s[^\s。，]{{1,20}})?\.{IMAGE_EXTENSIONS}$"),
    _k("link to the page", r"^(?:本文链接|原文链接|文章链接|本文网址|原文网址|网址|链接|原文地址|本文地址|文章地址|分享链接)\s*[：:]"),
    _k("link to the page", r"^(?:https?://|www\.)\S+$"),
    _k("site footer", r"copyright|©|版权所有|all rights reserved|ICP\s*备|ICP证|公网安备|网站标识码|网站识别码|政府网站找错|"
                      r"任何人不得|浏览本网站|建议使用.{0,20}浏览|分辨率"),
    _k("site footer", r"^(?:主办单位|主办|承办单位|承办|技术支持|维护单位|运维单位|网站维护|联系电话|联系方式|联系我们|通讯地址|地址|邮编|邮政编码|"
                      r"电子邮箱|投稿邮箱|网站地图|网站声明|隐私声明|关于我们)\s*[：:|]?", "edge"),
    _k("site footer", r"(?:主办|承办)\s*(?:单位)?\s*$|[\u4e00-\u9fff]{2,20}(?:主办|承办)\s+[\u4e00-\u9fff]{2,20}(?:主办|承办)", "edge"),
    _k("reprint notice", r"本站原创|本网原创|转载请注明|转载请联系|未经授权|未经许可.{0,10}不得|版权声明|免责声明|本文来源于网络|来源于网络|如有侵权|侵删|"
                         r"不代表本站|不代表本网|仅代表作者", max_length=120),
    _k("aggregator preamble", r"小编|为大家整理|为大家收集|为您整理|供大家参考|对大家有所帮助|对你有所帮助|希望对您有|欢迎阅读|欢迎借鉴|仅供参考|"
                              r"本文共\s*\d+\s*字|阅读全文|展开全文|免费下载|下载本文|下载文档|文档下载|范文网", max_length=120),
    _k("social-media furniture", r"点击上方|点击蓝字|关注我们|长按识别|识别二维码|长按二维码|扫码关注|扫一扫|扫描二维码|在手机上打开|手机打开当前页|"
                                 r"点个在看|点亮在看|分享给更多|喜欢就点|戳这里|阅读原文|^-?\s*END\s*-?$|^[↓▼▲↑]+$", max_length=40),
    _k("social-media furniture", r"^(?:点赞|在看|分享|收藏|评论|转发|举报)(?:\s*\d*\s*(?:点赞|在看|分享|收藏|评论|转发|举报)?)*$"),
    _k("view count", r"^(?:浏览|阅读|点击|访问|查看)(?:次数|量|数|人次)?\s*[：:]?\s*\d+\s*次?$"),
    _k("view count", r"(?:浏览|阅读|点击|访问|查看)(?:次数|量|数|人次)\s*[：:]\s*\d+\s*次?|(?:点击|浏览|阅读)\s*[：:]\s*\d+\s*次?", "inline"),
    _k("attachment list", r"^附件\s*\d*\s*[：:]?.*\.(?:docx?|xlsx?|pdf|wps|zip|rar)$"),
    _k("site navigation", r"^(?:手机版|无障碍|关怀版|长者模式|繁體|繁体|简体|English|登录|注册|设为首页|加入收藏)(?:\s*[|｜丨/]?\s*"
                          r"(?:手机版|无障碍|关怀版|长者模式|繁體|繁体|简体|English|登录|注册|设为首页|加入收藏))*$"),
    _k("end of the page", r"^[【\[〔]?\s*(?:上一篇|下一篇|上一条|下一条|上一页|下一页|相关文章|相关新闻|相关阅读|相关推荐|相关链接|推荐阅读|延伸阅读|猜你喜欢|"
                          r"热点推荐|热门文章|热门推荐|最新文章|最新动态|热门评论|网友评论|最新评论|全部评论|发表评论|我要评论|评论区|"
                          r"\d+\s*条评论|分享到|分享至|分享：)", "end"),
]
NAV_ITEM = re.compile(r"^[\u4e00-\u9fffA-Za-z]{2,8}$")
TAG_LINE = re.compile(r"^[【\[]?(?:本文|文章)?(?:关键词|关键字|标签|主题词|tags?)[】\]]?\s*[：:]\s*(.+)$", re.I)


def classify(line: str, near_edge: bool) -> Furniture | None:
    """The kind of furniture a whole line is, or None (inline pieces are removed by :func:`strip_inline`)."""
    for kind in CATALOGUE:
        if kind.scope == "inline" or len(line) > kind.max_length or (kind.scope == "edge" and (not near_edge or "。" in line)):
            continue
        if kind.pattern.search(line):
            return kind
    if is_navigation(line):
        return Furniture("site navigation", NAV_ITEM, "line")
    return None


def strip_inline(line: str) -> tuple[str, list[str]]:
    """The line without its inline furniture, and the names of what was removed."""
    removed = []
    for kind in CATALOGUE:
        if kind.scope == "inline" and kind.pattern.search(line):
            line = kind.pattern.sub(" ", line)
            removed.append(kind.name)
    return re.sub(r"\s{2,}", " ", line).strip(" |｜丨"), removed


def is_navigation(line: str) -> bool:
    """A site's menu: four or more short items separated by spaces or bars, one of them 首页."""
    items = [item for item in re.split(r"\s*[|｜丨·•/]\s*|\s+", line) if item]
    return len(items) >= 4 and any("首页" in item for item in items) and all(NAV_ITEM.match(item) for item in items)


def breadcrumb_parts(line: str) -> list[str]:
    """The crumbs of a breadcrumb line: 当前位置：首页 > 工作动态 > 正文 → [首页, 工作动态, 正文]."""
    text = re.sub(r"^(?:您|你)?(?:现在|当前|目前)?(?:所在|所处)?的?(?:位置|页面)\s*[：:>›»]?\s*", "", line)
    return [part.strip() for part in re.split(r"\s*(?:>>|-{1,2}>|>|＞|›|»|→|/|\\)\s*", text) if part.strip()]


def tag_line(line: str) -> str | None:
    """The tags of a tag line (关键词：产业，工作站), or None. 关键词一：… (a 关键词 section) is not a tag line."""
    match = TAG_LINE.match(line)
    if not match:
        return None
    items = [item for item in re.split(r"[，,、；;\s]+", match.group(1)) if item]
    if items and all(len(item) <= 12 and not re.search(r"[。！？]", item) for item in items) and len(items) <= 12:
        return "，".join(items)
    return None


# --- meta lines ------------------------------------------------------------------------------------

DATE_LABELS = ("发布时间", "发表时间", "发布日期", "发表日期", "更新时间", "更新日期", "上传时间", "上传日期", "录入时间", "添加时间",
               "创建时间", "发文日期", "成文日期", "时间", "日期")
SOURCE_LABELS = ("信息来源", "文章来源", "稿件来源", "新闻来源", "内容来源", "来源单位", "发布机构", "发布单位", "供稿单位", "作者单位",
                 "来源", "出处", "单位")
AUTHOR_LABELS = ("责任编辑", "作者", "撰稿人", "撰稿", "撰文", "记者", "通讯员", "编辑", "责编", "审核", "审稿", "校对", "摄影", "图片",
                 "供稿", "发布人", "发布者", "录入", "信息员", "编审", "终审", "初审")
OTHER_LABELS = ("浏览次数", "浏览量", "浏览", "阅读次数", "阅读量", "阅读数", "阅读", "点击次数", "点击量", "点击数", "点击", "访问次数",
                "访问量", "人气", "栏目", "所属栏目", "分类", "字体", "字号", "索引号", "文号", "发文机关", "主题分类", "分享")
LABELS = sorted(DATE_LABELS + SOURCE_LABELS + AUTHOR_LABELS + OTHER_LABELS, key=len, reverse=True)
LABEL = re.compile(r"(?:^|(?<=[\s|｜丨/【\[（(]))[【\[（(]?(" + "|".join(LABELS) + r")[】\]]?\s*(?:[：:]|[|｜丨](?=\s*\S))")
WECHAT_META = re.compile(r"^(?:原创\s+)?(?P<account>[\u4e00-\u9fffA-Za-z0-9·]{2,24})(?:\s+[\u4e00-\u9fffA-Za-z0-9·]{2,24}){0,2}\s+"
                         r"(?P<date>(?:19|20)\d{2}[-年/.]\d{1,2}[-月/.]\d{1,2}日?(?:\s*(?P<time>\d{1,2}:\d{2}))?)"
                         r"\s*(?:发表于\S{0,8}|(?(time)[\u4e00-\u9fff]{2,8}|(?!)))?$")  # …17:05 河南: where it was posted


@dataclass
class Meta:
    """What a meta line says: the dates (a site's publication or upload stamp), sources, authors."""

    dates: list[tuple[str, str]] = field(default_factory=list)  # (label, the date as written)
    sources: list[str] = field(default_factory=list)
    authors: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    text: str = ""


def parse_meta(line: str) -> Meta | None:
    """A meta line's fields, or None when the line is not (only) a meta line."""
    text, _ = strip_inline(line)
    if text[:1] in "（([" and text[-1:] in "）)]":  # （来源：宿松县科协）, [ 来源：… | 发布日期：… ]
        text = text[1:-1].strip()
    text = re.sub(r"[】\]]\s*[【\[]", " ", text).strip("【】[] ")  # 【来源：…】【作者：…】【时间：…】
    if not text or len(text) > 160 or re.search(r"[。！？]", text):
        return None
    meta = Meta(text=line.strip())
    wechat = WECHAT_META.match(text)
    if wechat:
        meta.dates.append(("发表于", wechat.group("date")))
        meta.sources.append(wechat.group("account"))
        return meta
    matches = list(LABEL.finditer(text))
    lead = text[:matches[0].start()].strip(" |｜丨") if matches else text
    if lead:  # a bare date before the labels: 2024-11-12 来源：… / 2022年04月18日 10:25 来源：…
        dates = find_dates(lead)
        if not dates or dates[0].start != 0 or lead[dates[-1].end:].strip(" |｜丨"):
            return None
        meta.dates.append(("", lead))
    if not matches:
        return meta if _only_stamp(lead) else None
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        label, value = match.group(1), text[match.end():end].strip(" |｜丨【】[]（）()")
        if label in DATE_LABELS:
            if not find_dates(value):
                return None
            meta.dates.append((label, value))
        elif label in SOURCE_LABELS:
            if value:
                meta.sources.append(value)
        elif label in AUTHOR_LABELS:
            if value:
                meta.authors.append((label, value))
        elif label in ("栏目", "所属栏目", "分类", "主题分类", "索引号", "文号", "发文机关", "字体", "字号", "分享"):
            pass
        elif not re.fullmatch(r"\d+\s*次?|", value):
            return None
    if len(matches) == 1 and not meta.dates and matches[0].group(1) in AUTHOR_LABELS + SOURCE_LABELS and not lead:
        # a single 作者：/来源： line is a byline or a source line, which the byline reader and the source
        # reader take; a meta line has a date or several fields
        return meta if matches[0].group(1) in SOURCE_LABELS else None
    return meta


def _only_stamp(text: str) -> bool:
    """A line that is only a date and a time: ``2024-11-12 09:30`` (the stamp under a headline; a date
    without a time is a date line, which the head and the signature readers take)."""
    dates = find_dates(text)
    return len(dates) == 1 and dates[0].start == 0 and dates[0].end == len(text) and bool(re.search(r"\d[:：]\d{2}$", text))


# --- newspapers -------------------------------------------------------------------------------------

DOCUMENT_NUMBER = re.compile(r"^[\u4e00-\u9fff]{2,12}[〔\[（(【]\s*(?:19|20)\d{2}\s*[〕\]）)】]\s*\d{1,4}\s*号$")
PAPER_HEADER = re.compile(r"^《?(?P<paper>[\u4e00-\u9fff]{2,14}(?:报|刊|周刊))》?\s*[（(]?(?P<date>(?:19|20)\d{2}\s*[-年/.]\s*\d{1,2}\s*"
                          r"[-月/.]\s*\d{1,2}\s*日?)[)）]?\s*(?P<page>(?:第\s*)?[A-Za-z]?\s*\d{1,3}\s*版.*|[A-Za-z]\d{1,2}\s*[：:].*)?$")


def paper_header(line: str) -> tuple[str, str] | None:
    """A newspaper's masthead line (淮北日报 2024年06月12日 第A3版：综合新闻): (paper, date as written)."""
    match = PAPER_HEADER.match(line.strip())
    if match and (match.group("page") or "日报" in match.group("paper") or match.group("paper").endswith("报")):
        return match.group("paper"), match.group("date")
    return None
