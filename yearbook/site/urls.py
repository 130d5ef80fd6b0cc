"""Every site URL and output path is decided here (slugs: content/slugs.py). Paths are relative to
the site root and use directory URLs (``articles/huaian-2021/``); links between pages are made relative so that the
site works from any sub-path."""
from __future__ import annotations

# --- site layout: page URLs (directory URLs, relative to the site root) ---------------------------

def home_url() -> str:
    return ""


def article_url(slug: str) -> str:
    return f"articles/{slug}/"


def volume_url(slug: str) -> str:
    return f"volumes/{slug}/"


def regions_url() -> str:
    return "regions/"


def region_url(slug_path: tuple[str, ...]) -> str:
    return "regions/" + "".join(f"{part}/" for part in slug_path)


def topics_url() -> str:
    return "themes/"


def topic_url(slug: str) -> str:
    return f"themes/{slug}/"


def topic_region_url(slug: str, province_slug: str) -> str:
    """A theme's reports in one province (主题 × 省)."""
    return f"themes/{slug}/{province_slug}/"


def years_url() -> str:
    return "years/"


def year_url(year: int) -> str:
    return f"years/{year}/"


def book_page_url(slug: str) -> str:
    """A page of the book that is not a report (content/pages/: 编辑说明 …)."""
    return f"pages/{slug}/"


def page_url(first: str, number: int) -> str:
    """Page ``number`` (1-based) of a list whose first page is ``first``: ``regions/jiangsu/page-2/``.
    No slug of the site has the form ``page-<n>`` (region and theme slugs are pinyin, without digits)."""
    return first if number <= 1 else f"{first}page-{number}/"


def browse_url(**facets: str | int | None) -> str:
    """The search page listing the reports of the given facets without a query
    (``search/?region=jiangsu/nantong&topic=kexue-puji``); empty facets are left out."""
    query = "&".join(f"{key}={value}" for key, value in facets.items() if value not in (None, ""))
    return "search/" + (f"?{query}" if query else "")


def people_url() -> str:
    return "people/"


def person_url(slug: str) -> str:
    return f"people/{slug}/"


def organizations_url() -> str:
    return "organizations/"


def organization_url(slug: str) -> str:
    return f"organizations/{slug}/"


def search_url() -> str:
    return "search/"


def search_data_url(name: str) -> str:
    """A file of the search index (``meta.json``, ``shards/3.json``, ``docs/12.json``)."""
    return f"search/{name}"


def feed_url() -> str:
    return "feed.xml"


def sitemap_url() -> str:
    return "sitemap.xml"


def robots_url() -> str:
    return "robots.txt"


def pdf_url(pdf_name: str) -> str:
    return f"downloads/{pdf_name}"


def media_url(content_rel_path: str) -> str:
    return f"media/{content_rel_path}"


def static_url(name: str) -> str:
    return f"static/{name}"


# The first folder of every page's URL, but the home page's (404.html finds the site's root by them).
SECTIONS = ("articles", "volumes", "pages", "regions", "themes", "years", "people", "organizations", "search",
            "static", "media", "downloads")


def output_file(url: str) -> str:
    """The file that serves ``url``: a directory URL is served by its index.html."""
    return url + "index.html" if url == "" or url.endswith("/") else url


def root_prefix(page_url: str) -> str:
    """The relative prefix from ``page_url`` back to the site root (``../../`` for ``a/b/``)."""
    depth = output_file(page_url).count("/")
    return "../" * depth


def relative_url(from_page: str, to_url: str) -> str:
    """A link from the page at ``from_page`` to ``to_url`` (both relative to the site root)."""
    return root_prefix(from_page) + to_url or "./"
