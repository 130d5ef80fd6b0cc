"""The names readers see for parts of the model, the same on the site and in the book: 关键词一,
2021卷, a region's path (江苏省 · 淮安市)."""
from __future__ import annotations

from .articles import chinese_number
from .model import Article, Volume


def keyword_label(number: int) -> str:
    return f"关键词{chinese_number(number)}"


def volume_label(volume: Volume) -> str:
    """2021 → 2021卷; names already ending in 卷 or 册 stay (the theme's volume_label macro, as a function)."""
    return volume.name if volume.name.endswith(("卷", "册")) else f"{volume.name}卷"


def region_label(article: Article) -> str:
    return " · ".join(region.name for region in article.region_path)
