"""The articles' images on the site: their size from the file, lazy loading, smaller copies offered in
srcset (Pillow), kept in a cache beside the output that is checked on every read, so that a cached
build writes the very bytes a clean one writes; an image without alt text is a warning."""
from __future__ import annotations

import io
import re
import shutil

from PIL import Image, ImageDraw

from readback import read_page


def photo(width: int, height: int, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (210, 120, 40))
    ImageDraw.Draw(image).ellipse((width // 10, height // 10, width * 9 // 10, height * 9 // 10), fill=(20, 90, 160))
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


BODY = "活动现场：![科技节现场全景](../images/big.jpg)\n\n::: figure\n![竖拍的合影](../images/turned.jpg)\n合影留念\n:::\n"


def media(tmp_path) -> dict[str, bytes]:
    base = tmp_path / "output" / "site" / "media"
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def test_an_image_has_its_size_lazy_loading_and_smaller_copies(make_site, build_html, article, tmp_path):
    make_site({"articles/x.md": article(BODY), "images/big.jpg": photo(2400, 1600),
               "images/turned.jpg": photo(1200, 800, orientation=6)})
    code, _, err = build_html()
    assert code == 0, err
    html = read_page(tmp_path / "output" / "site" / "articles" / "x" / "index.html").html
    big, turned = re.findall(r"<img [^>]*>", html)
    assert 'width="2400" height="1600"' in big and 'loading="lazy"' in big and 'alt="科技节现场全景"' in big
    assert 'width="800" height="1200"' in turned, "EXIF orientation 6: shown upright, so taller than wide"
    srcset = re.search(r'srcset="([^"]+)"', big).group(1).split(", ")
    widths = [int(entry.rsplit(" ", 1)[1].removesuffix("w")) for entry in srcset]
    assert widths == [480, 960, 1440, 2400], "the original is the widest candidate"
    files = media(tmp_path)
    for entry in srcset:
        path = entry.rsplit(" ", 1)[0].removeprefix("../../media/")
        with Image.open(io.BytesIO(files[path])) as copy:
            assert copy.width == int(entry.rsplit(" ", 1)[1][:-1])
            assert copy.getexif().get(0x0112) is None, "no metadata in the copies"
    assert re.search(r'src="\.\./\.\./media/images/big\.[0-9a-f]{10}\.960w\.jpg"', big), "src: the copy for a 2× phone"
    turned_copy = [p for p in files if p.startswith("images/turned.") and p.endswith(".480w.jpg")][0]
    with Image.open(io.BytesIO(files[turned_copy])) as copy:
        assert copy.size == (480, 720), "the copy is made upright"


def test_a_cached_build_writes_the_bytes_of_a_clean_build_and_a_damaged_entry_is_made_again(make_site, build_html, article, tmp_path):
    make_site({"articles/x.md": article(BODY), "images/big.jpg": photo(2400, 1600),
               "images/turned.jpg": photo(1200, 800, orientation=6)})
    cache = tmp_path / ".output-cache" / "site-images"
    assert build_html()[0] == 0
    clean = media(tmp_path)
    entries = sorted(cache.iterdir())
    assert len(entries) == 4, "3 copies of the 2400 px photo, 1 of the upright one (800 px wide)"
    assert build_html()[0] == 0
    assert media(tmp_path) == clean
    entries[0].write_bytes(b"not what was made")  # damaged (or edited by hand)
    before = {p.name for p in cache.iterdir()}
    assert build_html()[0] == 0
    assert media(tmp_path) == clean, "the damaged entry is not served"
    assert {p.name for p in cache.iterdir()} == before, "it is made again under its own name"
    assert entries[0].read_bytes() != b"not what was made"
    shutil.rmtree(cache)
    make_site({"images/big.jpg": photo(2000, 1600)})  # the photo changes: new copies, new names
    assert build_html()[0] == 0
    changed = media(tmp_path)
    assert not any(name.startswith("images/big.") and name in clean for name in changed if name != "images/big.jpg")


def test_an_image_without_alt_text_is_a_warning_unless_its_figure_has_a_caption(make_site, run_cli, article, find_line):
    body = "正文。\n\n![](../images/big.jpg)\n\n::: figure\n![](../images/big.jpg)\n合影留念\n:::\n"
    text = article(body)
    make_site({"articles/x.md": text, "images/big.jpg": photo(600, 400)})
    code, _, err = run_cli("check", "--content", "content")
    assert code == 0, err
    assert f"articles/x.md:{find_line(text, '![](../images/big.jpg)')}: warning: the image '../images/big.jpg' has no alt text" in err
    assert err.count("has no alt text") == 1
    assert run_cli("check", "--content", "content", "--strict")[0] == 1
