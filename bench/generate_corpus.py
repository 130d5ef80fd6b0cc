"""Write a deterministic synthetic yearbook of N articles in our content format, for benchmarks.

    python bench/generate_corpus.py N OUTDIR [--seed S]

The text is drawn from the sample articles in ``content/`` (read at generation time): their
sentences, headings, summaries and 关键词 titles are recombined, and every number in them is redrawn,
so each article reads like a report but none repeats another. Regions come from the national table
(``yearbook/data/regions.tsv``) across six provinces, written as an editor would (a name, a path, or a
code when nothing shorter is unambiguous). About a third of the articles have 3–6 关键词 with
现场回放 / 记者观察; the rest have ``##`` sections. Every article has 2,000–4,000 characters of text.
The same N and seed always give byte-identical trees.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from yearbook.content.regions import RegionTable  # noqa: E402

SAMPLE_DIR = REPO / "content"
# Provinces of the corpus, in chapter order: 江苏, 安徽, 河北, 浙江, 山东, 广东.
PROVINCES = ("320000", "340000", "130000", "330000", "370000", "440000")
SENTENCE = re.compile(r"[^。！？]+[。！？]+[”’」）]*")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
HEADING_NUMBER = re.compile(r"^[0-9一二三四五六七八九十]+[、.． ]\s*")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
ROLES = ("融媒体记者", "通讯员", "全媒体记者", "记者", "责任编辑", "融媒体编辑", "")
SOURCES = ("{org}网站", "《{prov}科技报》", "{org}微信公众号", "《科协工作》内部刊物")
CAPTIONS = ("科普大篷车进社区活动现场", "全国科普日主场活动启动仪式", "科技工作者座谈会", "青少年科技创新大赛颁奖仪式",
            "专家服务站揭牌仪式", "农技专家田间指导", "院士工作站签约仪式", "学会党建工作推进会")


class Pools:
    """Sentences, headings and titles from the sample articles."""

    def __init__(self, sample_dir: Path):
        self.sentences: list[str] = []
        self.headings: list[str] = []
        self.titles: list[str] = []
        for path in sorted((sample_dir / "articles").rglob("*.md")):
            _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
            meta = yaml.safe_load(front)
            texts = [body, meta.get("summary") or "", meta.get("kicker") or ""]
            for keyword in meta.get("keywords") or []:
                texts += [keyword["scene"], keyword["observation"]]
                self.headings.append(keyword["title"])
            for text in texts:
                for line in text.split("\n"):
                    if line.startswith("#"):
                        self.headings.append(HEADING_NUMBER.sub("", line.lstrip("# ").strip()))
                    elif line and not line.startswith(":::"):
                        self.sentences += [s.strip() for s in SENTENCE.findall(line.replace("**", "")) if len(s.strip()) > 8]
            self.titles.append(meta["title"].split("：", 1)[-1])
        self.headings = sorted(set(h for h in self.headings if h))
        self.sentences = sorted(set(self.sentences))


def redraw_numbers(text: str, rng: random.Random) -> str:
    """Every number gets a new value of the same size (years stay plausible years)."""
    def one(match: re.Match) -> str:
        value = match.group(0)
        if "." in value:
            whole, frac = value.split(".")
            return f"{rng.randint(0, 10 ** len(whole) - 1)}.{rng.randint(0, 10 ** len(frac) - 1):0{len(frac)}d}"
        if len(value) == 4 and value.startswith(("19", "20")):
            return str(rng.randint(2016, 2024))
        low = 10 ** (len(value) - 1) if len(value) > 1 else 1
        return str(rng.randint(low, 10 ** len(value) - 1))

    return NUMBER.sub(one, text)


class Generator:
    def __init__(self, seed: int, pools: Pools, count: int):
        self.rng = random.Random(seed)
        self.pools = pools
        self.table = RegionTable.load_national()
        self.places = self._places()
        self.people = self._people(50 + count // 2)  # reporters recur: about one name per two articles
        self.topic_slugs = [t["slug"] for t in yaml.safe_load((SAMPLE_DIR / "topics.yml").read_text(encoding="utf-8"))]

    def _places(self) -> list:
        """(region, weight): cities often, counties sometimes, the province itself rarely."""
        places = []
        for region in self.table:
            province = self.table.ancestors(region.code)[0].code
            if province not in PROVINCES:
                continue
            places.append((region, {1: 2, 2: 6, 3: 1}[region.level]))
        return places

    def _people(self, count: int) -> list[str]:
        names: set[str] = set()
        while len(names) < count:
            given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
            names.add(self.rng.choice(SURNAMES) + given)
        return sorted(names)

    def spec(self, region) -> str | int:
        """How an editor writes the region: its name, an unambiguous path, or (rarely) the code."""
        if self.rng.random() < 0.1:
            return region.code
        return self.table.unambiguous_spec(region)

    def paragraph(self, low: int, high: int) -> str:
        target = self.rng.randint(low, high)
        text = ""
        while len(text) < target:
            text += redraw_numbers(self.rng.choice(self.pools.sentences), self.rng)
        return text

    def heading(self) -> str:
        return redraw_numbers(self.rng.choice(self.pools.headings), self.rng)

    def article(self, index: int) -> tuple[str, str]:
        rng = self.rng
        regions, weights = zip(*self.places)
        region = rng.choices(regions, weights)[0]
        chain = self.table.ancestors(region.code)
        year = rng.randint(2020, 2024)
        slug = f"{region.slug}-kexie-{year}-{index:05d}"
        org = f"{region.name}科协"
        date = rng.choice((year, f"{year}-{rng.randint(1, 12):02d}", dt.date(year, rng.randint(1, 12), rng.randint(1, 28))))
        meta: dict = {
            "title": f"{region.name}科协：{self.heading()} {rng.choice(self.pools.titles)}",
            "organization": org,
            "region": self.spec(region),
            "date": date,
            "topics": rng.sample(self.topic_slugs, rng.randint(2, 5)),
        }
        if rng.random() < 0.1:
            meta["kicker"] = self.paragraph(30, 80)[:100]  # a kicker is one line (check refuses one over 120)
        lead = self.paragraph(150, 400)
        if rng.random() < 0.7:
            meta["summary"] = lead
        target = rng.randint(2000, 4000)
        body = [lead]
        size = len(lead)
        if rng.random() < 1 / 3:
            keywords = []
            count = rng.randint(3, 6)
            for _ in range(count):
                scene, observation = self.paragraph(120, target // count // 2), self.paragraph(120, target // count // 2)
                keywords.append({"title": self.heading(), "scene": scene, "observation": observation})
                size += len(scene) + len(observation)
            meta["keywords"] = keywords
        while size < target:
            section = [f"## {self.heading()}"]
            for _ in range(rng.randint(2, 4)):
                section.append(self.paragraph(120, 400))
                size += len(section[-1])
            if rng.random() < 0.15:
                section.insert(1, f"::: figure\n{rng.choice(CAPTIONS)}\n:::")
            body += section
        bylines = [{"role": rng.choice(ROLES), "name": rng.choice(self.people)} for _ in range(rng.choice((0, 1, 2, 2, 3, 4)))]
        if bylines:
            meta["bylines"] = bylines
        if rng.random() < 0.3:
            meta["source"] = rng.choice(SOURCES).format(org=org, prov=chain[0].name)
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100000)
        rel = f"{chain[0].slug}/{slug}.md"
        return rel, f"---\n{front}---\n\n" + "\n\n".join(body) + "\n"


def generate(count: int, out_dir: Path, seed: int = 2024) -> Path:
    """Write the content tree of ``count`` articles to ``out_dir`` (replacing it); return it."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "articles").mkdir(parents=True)
    yearbook = (SAMPLE_DIR / "yearbook.yml").read_text(encoding="utf-8")
    (out_dir / "yearbook.yml").write_text(yearbook, encoding="utf-8")
    shutil.copyfile(SAMPLE_DIR / "topics.yml", out_dir / "topics.yml")
    generator = Generator(seed, Pools(SAMPLE_DIR), count)
    order = ", ".join(generator.table.get(code).name for code in PROVINCES)
    (out_dir / "regions.yml").write_text(f"order: [{order}]\nentries: []\n", encoding="utf-8")
    by_province: dict[str, list[str]] = {}
    for index in range(count):
        rel, text = generator.article(index)
        province = rel.split("/")[0]
        slugs = by_province.setdefault(province, [])
        if slugs and generator.rng.random() < 0.02:  # a link to an earlier article of the same province
            text = text.rstrip("\n") + f"\n\n参见[相关报道]({generator.rng.choice(slugs)}.md)。\n"
        slugs.append(Path(rel).stem)
        path = out_dir / "articles" / rel
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of articles")
    parser.add_argument("out_dir", type=Path, help="the content directory to write (replaced if it exists)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    generate(args.count, args.out_dir, args.seed)
    print(f"wrote {args.count} articles to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
