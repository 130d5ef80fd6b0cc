"""Field-by-field score of `yearbook import` on a folder of raw reports and the editors' answers
(``expected.yml`` in the folder; its header says what each field means).

    python tests/intake_score.py [FOLDER ...]   (default: tests/fixtures/intake and tests/fixtures/intake-heldout)

prints one table per folder: a row per report, a column per field (✓ right, ✗ wrong, · not scored),
then what was wrong. The fields are the issue's: title, date, organization, region, bylines, headings,
no furniture left, tables kept; and the figure captions where the report has pictures.

A field is right only when the draft is what the editor would keep, including its flag: a date or
region the report does not give must be listed as undecided, and one it does give must not be."""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from yearbook.content.collect import load_regions  # noqa: E402
from yearbook.errors import ProblemLog  # noqa: E402
from yearbook.importing import import_report  # noqa: E402

CONTENT = ROOT / "content"
FOLDERS = [ROOT / "tests" / "fixtures" / "intake", ROOT / "tests" / "fixtures" / "intake-heldout"]
FIELDS = ["title", "date", "organization", "region", "bylines", "headings", "furniture", "tables", "figures"]


@dataclass
class Result:
    name: str
    right: dict[str, bool] = field(default_factory=dict)  # scored fields only
    why: list[str] = field(default_factory=list)


def split_draft(text: str) -> tuple[dict, str]:
    head, body = text.removeprefix("---\n").split("\n---\n", 1)
    return yaml.safe_load(head), body


def body_headings(body: str) -> list[str]:
    return [m.group(2).strip() for m in re.finditer(r"^(#{2,4}) (.+)$", body, re.M)]


def body_tables(body: str) -> list[list[list[str]]]:
    tables, current = [], []
    for line in body.split("\n") + [""]:
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def body_figures(body: str) -> list[str]:
    captions = []
    for block in re.findall(r"^::: figure\n(.*?)\n:::$", body, re.M | re.S):
        text = " ".join(line for line in block.split("\n") if line and not line.startswith("!["))
        captions.append(text.strip())
    return captions


def reader_text(fields: dict, body: str) -> str:
    """What a reader sees of the article: title, kicker, summary, keywords and body (not the source note)."""
    parts = [str(fields.get(k) or "") for k in ("title", "kicker", "summary")]
    for keyword in fields.get("keywords") or []:
        parts += [str(keyword.get(k) or "") for k in ("title", "scene", "observation")]
    return "\n".join(parts + [re.sub(r"!\[[^\]]*\]\([^)]*\)", "", body)])


def score_report(path: Path, want: dict, regions) -> Result:
    result = Result(path.name)
    imported = import_report(path, CONTENT)
    fields, body = split_draft(imported.text)
    undecided = imported.draft.undecided
    flagged = {kind: any(item.startswith(kind + ":") for item in undecided) for kind in ("title", "date", "region")}

    def check(name: str, ok: bool, detail: str) -> None:
        result.right[name] = ok
        if not ok:
            result.why.append(f"{name}: {detail}")

    if want["title"] is None:
        check("title", flagged["title"], f"the report has no headline; got {fields['title']!r}, not flagged")
    else:
        check("title", fields["title"] == want["title"] and not flagged["title"],
              f"got {fields['title']!r}{' (flagged)' if flagged['title'] else ''}, want {want['title']!r}")
    got_date, guess = str(fields.get("date")), bool(want.get("date_guess"))
    check("date", got_date == str(want["date"]) and flagged["date"] == guess,
          f"got {got_date}{' (flagged)' if flagged['date'] else ''}, want {want['date']}{' (flagged)' if guess else ''}")
    check("organization", fields.get("organization") == want["organization"],
          f"got {fields.get('organization')!r}, want {want['organization']!r}")
    try:
        code = regions.resolve(fields["region"]).code
    except Exception:  # noqa: BLE001 - a draft whose region does not resolve is simply wrong
        code = f"unresolved {fields['region']!r}"
    want_code = "000000" if want["region"] == "未详" else str(want["region"])
    guess = bool(want.get("region_guess"))
    check("region", code == want_code and flagged["region"] == guess,
          f"got {code}{' (flagged)' if flagged['region'] else ''}, want {want_code}{' (flagged)' if guess else ''}")
    got_bylines = sorted((b.get("role") or "", b["name"]) for b in fields.get("bylines") or [])
    want_bylines = sorted(tuple(pair) for pair in want.get("bylines") or [])
    text = reader_text(fields, body)
    left = [name for _, name in want_bylines if name in text]
    check("bylines", got_bylines == want_bylines and not left,
          f"got {got_bylines}, want {want_bylines}" + (f"; left in the text: {left}" if left else ""))
    headings = body_headings(body)
    check("headings", headings == list(want.get("headings") or []), f"got {headings}, want {want.get('headings')}")
    found = [s for s in want.get("furniture") or [] if s in text]
    check("furniture", not found, f"left in the draft: {found}")
    if "tables" in want:
        tables = body_tables(body)
        check("tables", tables == want["tables"], f"got {tables}, want {want['tables']}")
    if "figures" in want:
        figures = body_figures(body)
        check("figures", figures == want["figures"], f"got {figures}, want {want['figures']}")
    return result


def score_folder(folder: Path) -> list[Result]:
    expected = yaml.safe_load((folder / "expected.yml").read_text(encoding="utf-8"))
    regions, _ = load_regions(CONTENT, ProblemLog())
    return [score_report(folder / name, want, regions) for name, want in expected.items()]


def totals(results: list[Result]) -> tuple[int, int]:
    scored = [ok for r in results for ok in r.right.values()]
    return sum(scored), len(scored)


def table(results: list[Result], title: str) -> str:
    head = ["report"] + FIELDS
    width = max(len(r.name) for r in results)
    lines = [f"## {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        marks = ["·" if f not in r.right else "✓" if r.right[f] else "✗" for f in FIELDS]
        lines.append(f"| {r.name.ljust(width)} | " + " | ".join(marks) + " |")
    by_field = []
    for f in FIELDS:
        scored = [r.right[f] for r in results if f in r.right]
        by_field.append(f"{sum(scored)}/{len(scored)}" if scored else "·")
    lines.append("| **right** | " + " | ".join(by_field) + " |")
    right, total = totals(results)
    lines += ["", f"{right} of {total} fields right ({100 * right / total:.1f} %)"]
    wrong = [f"- {r.name}: {why}" for r in results for why in r.why]
    if wrong:
        lines += ["", "Wrong:"] + wrong
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv] or [f for f in FOLDERS if (f / "expected.yml").is_file()]
    for folder in folders:
        print(table(score_folder(folder), folder.name))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
