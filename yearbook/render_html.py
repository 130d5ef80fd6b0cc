"""Yearbook + theme → the site's files as :class:`RenderedFile` (relative path, bytes).
Writes nothing: output.py does."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import urls
from .model import RegionNode, Yearbook
from .themes import Theme, make_environment, render_template, static_files
from .views import SiteViews


@dataclass(frozen=True)
class RenderedFile:
    rel_path: str  # posix path inside the site (or output) directory
    data: bytes | None = None
    source: Path | None = None  # copy this file instead of writing data


class HtmlRenderer:
    """Renders every page of the site with one jinja2 environment."""

    def __init__(self, yearbook: Yearbook, theme: Theme, pdf_names: set[str] = frozenset()):
        self.yearbook = yearbook
        self.theme = theme
        self.env = make_environment(theme)
        self.views = SiteViews(yearbook, pdf_names)

    def page(self, template: str, page_url: str, **extra) -> RenderedFile:
        html = render_template(self.env, self.theme, template, self.views.context(page_url, **extra))
        return RenderedFile(urls.output_file(page_url), html.encode("utf-8"))

    def region_pages(self, nodes: list[RegionNode], parents: tuple[RegionNode, ...] = ()) -> list[RenderedFile]:
        files = []
        for node in nodes:
            files.append(self.page("region.html", urls.region_url(node.slug_path), node=node, parents=parents))
            files.extend(self.region_pages(node.children, parents + (node,)))
        return files

    def render(self) -> list[RenderedFile]:
        yb = self.yearbook
        files = [self.page("home.html", urls.home_url())]
        for article in yb.articles:
            files.append(self.page("article.html", urls.article_url(article.slug), article=article))
        for volume in yb.volumes:
            files.append(self.page("volume.html", urls.volume_url(volume.slug), volume=volume))
        files.append(self.page("regions.html", urls.regions_url()))
        files.extend(self.region_pages(yb.region_tree))
        files.append(self.page("topics.html", urls.topics_url()))
        for entry in yb.topic_entries:
            files.append(self.page("topic.html", urls.topic_url(entry.topic.slug), entry=entry))
        files.append(self.page("people.html", urls.people_url()))
        for person in yb.people:
            files.append(self.page("person.html", urls.person_url(person.slug), person=person))
        not_found = self.page("404.html", "404.html")
        files.append(not_found)
        for path in static_files(self.theme):
            files.append(RenderedFile(urls.static_url(path.relative_to(self.theme.static_dir).as_posix()), source=path))
        images = sorted({image for article in yb.articles for image in article.images})
        for image in images:
            files.append(RenderedFile(urls.media_url(image), source=yb.config.content_dir / image))
        return files


def render_site(yearbook: Yearbook, theme: Theme, pdf_names: set[str] = frozenset()) -> list[RenderedFile]:
    """Every file of the site, relative to output/site/; ``pdf_names`` are the PDFs it may link to."""
    return HtmlRenderer(yearbook, theme, pdf_names).render()
