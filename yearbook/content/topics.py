"""Load the 主题 taxonomy (``content/topics.yml``) and resolve the names articles give.
Readers see topics as "themes"; in code, YAML and templates they are always "topics"."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .config import suggest
from ..errors import ContentError, ProblemLog, SourceLocation
from ..i18n import _
from .model import Topic
from .slugs import is_valid_slug
from .yamlfile import load_yaml_file

TOPICS_NAME = "topics.yml"


@dataclass
class TopicTable:
    topics: list[Topic]

    def __post_init__(self) -> None:
        self._lookup: dict[str, Topic] = {}
        for topic in self.topics:
            for key in (topic.slug, topic.name, *topic.aliases):
                self._lookup.setdefault(key, topic)

    def resolve(self, name: str) -> Topic | None:
        return self._lookup.get(name)

    def suggestion(self, name: str) -> str | None:
        return suggest(name, list(self._lookup))


def load_topics(content_dir: Path, log: ProblemLog) -> TopicTable:
    """Read topics.yml: a list of {slug, name, description, aliases?, sort_as?}."""
    path = content_dir / TOPICS_NAME
    if not os.path.lexists(path):  # there but not a file (a folder, a pipe): read_text says so
        log.error(_("the topic taxonomy (topics.yml) is missing"), SourceLocation(path),
                  _("create topics.yml with a list of {{slug, name, description}}"))
        return TopicTable([])
    try:
        data, lines = load_yaml_file(path)
    except ContentError as exc:
        log.add(exc)
        return TopicTable([])
    if not isinstance(data, list):
        log.error(_("topics.yml must be a list of topics"), SourceLocation(path, 1), _("each item: - {{slug: kepu, name: 科普, description: …}}"))
        return TopicTable([])
    topics: list[Topic] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        where = SourceLocation(path, 1 + (lines.line(index) or 0))
        if not isinstance(item, dict) or not item.get("name") or not item.get("slug"):
            log.error(_("topic {number} needs a 'slug' and a 'name'", number=index + 1), where)
            continue
        slug, name = str(item["slug"]), str(item["name"]).strip()
        if not is_valid_slug(slug):
            log.error(_("topic slug {slug!r} is not allowed", slug=slug), where, _("use lowercase letters, digits and '-' (pinyin, e.g. kepu-gongzuo)"))
            continue
        for key in (slug, name):
            if key in seen:
                log.error(_("topic {topic!r} is defined twice (also at line {line})", topic=key, line=seen[key]), where, _("merge the two entries"))
            seen[key] = where.line or 0
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list):
            log.error(_("'aliases' must be a list"), where)
            aliases = []
        unknown = set(item) - {"slug", "name", "description", "aliases", "sort_as"}
        for key in sorted(unknown):
            log.warning(_("unknown key '{key}' in topic {name} is ignored", key=key, name=name), where)
        topics.append(Topic(slug=slug, name=name, description=str(item.get("description") or "").strip(),
                            aliases=tuple(str(a) for a in aliases), sort_as=item.get("sort_as")))
    return TopicTable(topics)
