"""Command line: ``yearbook [build|check] [--content DIR] [--output DIR] [--only html|pdf]``.

The only place that prints problems and sets exit codes: 0 success, 1 content (or setup) errors,
2 usage errors, 3 internal errors (bugs). Tracebacks only with --debug."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .errors import YearbookError
from .pipeline import BuildOptions, build

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yearbook", description="Build the yearbook site and PDF from content/.")
    sub = parser.add_subparsers(dest="command", metavar="{build,check}")
    for name, help_text in (("build", "build the site and the PDF (default)"), ("check", "check the content; write nothing")):
        cmd = sub.add_parser(name, help=help_text)
        add_common_options(cmd)
        if name == "build":
            cmd.add_argument("--only", choices=("html", "pdf"), help="build only the site or only the PDF")
    return parser


def add_common_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content directory (default: content)")
    cmd.add_argument("--output", type=Path, default=Path("output"), metavar="DIR", help="output directory (default: output)")
    cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
    cmd.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    cmd.add_argument("--debug", action="store_true", help="show tracebacks")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = make_parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]
    return parser.parse_args(argv)


def report_problems(problems, base: Path) -> None:
    for problem in problems:
        print(problem.format(base), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, format="%(name)s: %(message)s")
    base = Path.cwd()
    options = BuildOptions(
        content_dir=args.content,
        output_dir=args.output,
        only="html" if args.command == "check" else getattr(args, "only", None),
        write=args.command != "check",
    )
    try:
        report = build(options)
    except YearbookError as exc:
        report_problems(exc.problems, base)
        count = len([p for p in exc.problems if p.severity == "error"])
        print(f"{count} error(s); nothing was written." if options.write else f"{count} error(s).", file=sys.stderr)
        if args.debug:
            raise
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("interrupted; the previous output is unchanged.", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in yearbook, not in the content: say so, keep the output
        if args.debug:
            raise
        print(f"internal error (a bug in yearbook, not in your content): {type(exc).__name__}: {exc}\n"
              "    the previous output is unchanged; rerun with --debug for details and report it", file=sys.stderr)
        return EXIT_INTERNAL
    report_problems(report.warnings, base)
    if args.strict and report.warnings:
        print(f"{len(report.warnings)} warning(s) with --strict; failing.", file=sys.stderr)
        return EXIT_CONTENT
    if not args.quiet:
        summarize(report, options)
    return EXIT_OK


def summarize(report, options: BuildOptions) -> None:
    yearbook = report.yearbook
    timings = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in report.timings.items())
    if not options.write:
        print(f"ok: {len(yearbook.articles)} articles, {len(yearbook.volumes)} volume(s), "
              f"{len(report.warnings)} warning(s) ({timings})")
        return
    pdfs = f", PDF: {', '.join(report.pdfs)}" if report.pdfs else ""
    print(f"built {len(yearbook.articles)} articles into {options.output_dir} "
          f"({report.files} files{pdfs}; {timings})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
