"""The article files of a content tree: found quickly, and exactly the ones (in the order) that
``sorted(articles.rglob("*.md"))`` without hidden parts and links out of the tree gives."""
import os
from pathlib import Path

from yearbook.content.sources import find_article_paths


def reference(content_dir: Path) -> list[Path]:
    articles_dir = content_dir / "articles"
    if not articles_dir.is_dir():
        return []
    root = content_dir.resolve()
    return [path for path in sorted(articles_dir.rglob("*.md"))
            if not any(part.startswith(".") for part in path.relative_to(articles_dir).parts)
            and path.resolve().is_relative_to(root)]


def test_found_as_rglob_finds_them(tmp_path):
    content = tmp_path / "content"
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "x.md").write_text("x")
    (outside / "deep" / "y.md").write_text("y")
    articles = content / "articles"
    for rel in ["a.md", "a-b.md", "a/b.md", "a/c/d.md", "a0/e.md", "B.md", "z.MD", "notes.txt", ".hidden.md",
                ".git/f.md", "sub/.draft/g.md", "sub/h.md", "中文/报道.md", "folder.md/inner.md", "x/.md"]:
        path = articles / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)
    os.symlink(outside / "x.md", articles / "link-out.md")
    os.symlink(articles / "a.md", articles / "sub" / "link-in.md")
    os.symlink(outside, articles / "linked-folder")  # not entered
    os.symlink(articles / "a", articles / "a-link.md")  # a link to a folder inside, named .md
    os.symlink(tmp_path / "missing.md", articles / "broken.md")
    os.symlink(content / "nowhere.md", articles / "broken-in.md")
    assert find_article_paths(content) == reference(content)
    assert [p.relative_to(articles).as_posix() for p in find_article_paths(content)][:4] == ["B.md", "a/b.md", "a/c/d.md", "a-b.md"]


def test_articles_folder_that_is_a_link(tmp_path):
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "a.md").write_text("a")
    for content, target in [(tmp_path / "c1", outside), (tmp_path / "c2", None)]:
        content.mkdir()
        if target is None:
            (content / "real" / "sub").mkdir(parents=True)
            (content / "real" / "sub" / "b.md").write_text("b")
            target = content / "real"
        os.symlink(target, content / "articles")
        assert find_article_paths(content) == reference(content)
    assert find_article_paths(tmp_path / "c1") == []
    assert len(find_article_paths(tmp_path / "c2")) == 1
    assert find_article_paths(tmp_path / "none") == []
