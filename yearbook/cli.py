"""Command line: ``yearbook [build|check|serve|new|import] [--content DIR] [--output DIR] …``.

The only place that prints problems and sets exit codes: 0 success, 1 content (or setup) errors,
2 usage errors, 3 internal errors (bugs). Tracebacks only with --debug."""
from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from pathlib import Path

from .content.config import EDITIONS
from .errors import OutputBusy, OutputError, Problem, SourceLocation, YearbookError
from .pipeline import BuildOptions, build
from .progress import Progress

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yearbook", description="Build the yearbook site and PDF from content/.")
    sub = parser.add_subparsers(dest="command", metavar="{build,check,serve,new,import}")
    for name, help_text in (("build", "build the site and the PDF (default)"), ("check", "check the content; write nothing")):
        cmd = sub.add_parser(name, help=help_text)
        add_common_options(cmd)
        if name == "build":
            cmd.add_argument("--only", choices=("html", "pdf"), help="build only the site or only the PDF")
            cmd.add_argument("--edition", type=pdf_editions, metavar="screen|print|archive",
                             help="PDF edition(s), comma-separated (default: the config's pdf.edition, else screen)")
            cmd.add_argument("--single-pass", action="store_true",
                             help="lay the PDF out in one WeasyPrint pass, not in parts on every core "
                                  "(slower; the same pages; books under 20 articles always are)")
            cmd.add_argument("--no-wait", action="store_true",
                             help="if another build or serve is using the output folder, stop at once (exit 2) instead of waiting for it")
    add_editor_commands(sub)
    return parser


def pdf_editions(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    wrong = [name for name in names if name not in EDITIONS]
    if wrong or not names:
        raise argparse.ArgumentTypeError(f"unknown edition {wrong[0] if wrong else text!r}; choose from {', '.join(EDITIONS)}")
    return names


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not between 1 and 65535")
    return port


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError("seconds cannot be negative")
    return value


def add_editor_commands(sub) -> None:
    """serve, new and import: the editor's workflow (serve.py, scaffold.py, importing/)."""
    serve = sub.add_parser("serve", help="build, serve on 127.0.0.1, rebuild and reload on every save")
    serve.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content directory (default: content)")
    serve.add_argument("--output", type=Path, default=Path("output"), metavar="DIR", help="output directory (default: output)")
    serve.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    serve.add_argument("--debug", action="store_true", help="show tracebacks")
    serve.add_argument("--port", type=port_number, default=8000, help="port (default: 8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    serve.add_argument("--pdf-delay", type=seconds, default=10.0, metavar="SECONDS",
                       help="make the PDF after this many seconds without changes (default: 10; 0: only on request)")
    new = sub.add_parser("new", help="create an article from a template")
    new.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content directory (default: content)")
    new.add_argument("--title", required=True, help="the headline")
    new.add_argument("--region", help="a region name, path or code (淮安市, 江苏省/南通市/通州区, 320612)")
    new.add_argument("--topics", "--themes", dest="topics", action="append", default=[], metavar="A,B",
                     help="topics (主题) from topics.yml, slugs or names, comma-separated or repeated")
    new.add_argument("--organization", help="the reporting body (default: the region's name + 科协)")
    new.add_argument("--date", help="YYYY-MM-DD, YYYY-MM or YYYY (default: today)")
    new.add_argument("--kicker", help="引题, the line above the headline")
    new.add_argument("--slug", help="URL slug (default: the pinyin of the title)")
    new.add_argument("--draft", action="store_true", help="mark it as a draft (checked, not published)")
    new.add_argument("--debug", action="store_true", help="show tracebacks")
    imp = sub.add_parser("import", help="turn raw reports (.txt, .docx) into draft articles")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE", help="reports: plain text (UTF-8, GBK/GB18030) or Word .docx")
    imp.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content directory (default: content)")
    imp.add_argument("--into", type=Path, metavar="DIR", help="where to write the drafts (default: CONTENT/articles)")
    imp.add_argument("--quiet", "-q", action="store_true", help="print only problems")
    imp.add_argument("--debug", action="store_true", help="show tracebacks")


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


# What an OSError means, in plain words (the machine's problem, not the content's nor yearbook's).
PLAIN_ERRNO = {
    errno.ENOSPC: "the disk is full",
    getattr(errno, "EDQUOT", -1): "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EFBIG: "the file is too large for the file system or for this process's file-size limit (ulimit -f)",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted",
    errno.EBUSY: "the folder is in use (a mount point, or held by another program)",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENAMETOOLONG: "the path is too long for the file system",
    errno.ENOENT: "it does not exist (was it moved or deleted while the build ran?)",
    errno.EMFILE: "too many files are open at once",
    errno.ENFILE: "too many files are open on this machine",
    errno.EIO: "the disk reported an input/output error",
    errno.ELOOP: "the path has a loop of symbolic links",
    errno.ENOMEM: "the machine is out of memory",
    errno.EXDEV: "the output folder and the folder beside it are on different file systems",
}
HINTS = {
    errno.ENOSPC: "free some space on that disk (the PDF cache .output-cache/ beside the output may be deleted), then build again",
    getattr(errno, "EDQUOT", -1): "free some space or ask for a larger quota, then build again",
    errno.EROFS: "build into a folder on a writable disk: --output DIR",
    errno.EFBIG: "raise the limit (ulimit -f unlimited) or build onto another file system",
    errno.EACCES: "give the account that builds permission to read the content and to write the output folder and the folder "
                  "that holds it (yearbook writes the new output beside the old one, then swaps them)",
    errno.EPERM: "give the account that builds permission to write the output folder and the folder that holds it",
    errno.EBUSY: "build into a folder inside the mount point: --output MOUNT/site",
    errno.ENOTDIR: "choose an --output whose folders are folders",
}


WRITING = {errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG, errno.EROFS}


def environment_problem(exc: OSError, content_dir: Path | None = None, output_dir: Path | None = None) -> Problem:
    """An OSError as an editor should read it: what happened in plain words, and to which path. A file
    of the content (an image deleted or made unreadable while the build ran) is named as such."""
    plain = PLAIN_ERRNO.get(exc.errno) or (exc.strerror or str(exc))
    filename = exc.filename if isinstance(exc.filename, (str, bytes, os.PathLike)) else None
    if exc.errno in WRITING and isinstance(exc.filename2, (str, bytes, os.PathLike)):
        filename = exc.filename2  # a copy (shutil names the source first): the error is the target's
    path = Path(os.fsdecode(filename)) if filename is not None else None
    hint = HINTS.get(exc.errno)
    if path is not None and content_dir is not None and _inside(path, content_dir):
        return Problem(f"cannot read the file: {plain}", SourceLocation(path),
                       hint if exc.errno not in (errno.ENOENT,) else "build again once the file is back in place")
    if path is not None and output_dir is not None and _beside(path, output_dir):
        if exc.errno == errno.EBUSY and os.path.ismount(output_dir):
            plain = f"{output_dir} is a mount point, which cannot be replaced by renaming"
        shown = _shown(path)
        output = Path(os.path.abspath(output_dir))
        what = "the PDF cache" if Path(os.path.abspath(path)).is_relative_to(output.parent / f".{output.name}-cache") else "the new output"
        if hint and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            hint = hint.replace(".output-cache/", f".{output.name}-cache/")
        return Problem(f"cannot write {what} ({shown}): {plain}", SourceLocation(output_dir), hint)
    if path is not None:
        return Problem(f"{plain} ({_shown(path)})", None, hint)
    return Problem(plain, None, hint)


def _inside(path: Path, folder: Path) -> bool:
    try:
        return Path(os.path.abspath(path)).is_relative_to(Path(os.path.abspath(folder)))
    except (OSError, ValueError):
        return False


def _beside(path: Path, output_dir: Path) -> bool:
    """``path`` is the output, in it, or in the folders the build writes beside it (.output-new-…, the cache)."""
    output = Path(os.path.abspath(output_dir))
    path = Path(os.path.abspath(path))
    return path == output or path.is_relative_to(output) or (path.is_relative_to(output.parent)
                                                              and path.relative_to(output.parent).parts[0].startswith(f".{output.name}-")) \
        or output.is_relative_to(path)


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def output_dir_problem(output_dir: Path) -> Problem | None:
    """What makes ``--output`` unusable, found before the build (which would fail only at its end):
    a file where a folder of its path must be, a mount point, a folder that cannot be written beside."""
    target = Path(os.path.abspath(output_dir))
    probe = target
    while not os.path.lexists(probe) and probe != probe.parent:
        probe = probe.parent
    if probe != target and not os.path.isdir(probe):
        return Problem(f"{_shown(probe)} is a file, not a folder, so --output {output_dir} cannot be made", None,
                       "choose an --output whose folders are folders")
    if probe == target and os.path.ismount(target) and target != target.parent:  # "/" itself: output.check_output_dir refuses it
        return Problem(f"{output_dir} is a mount point: yearbook replaces the output folder whole, by renaming, which a "
                       "mount point does not allow", SourceLocation(output_dir), HINTS[errno.EBUSY])
    parent = target.parent if probe == target else probe
    if os.path.isdir(parent) and not os.access(parent, os.W_OK | os.X_OK):
        why = "the file system is read-only" if _read_only(parent) else "permission denied"
        return Problem(f"cannot write into {_shown(parent)}: {why}; yearbook writes the new output there, beside "
                       f"{output_dir}, and then swaps them", SourceLocation(output_dir),
                       HINTS[errno.EROFS] if why.startswith("the file") else HINTS[errno.EACCES])
    if probe == target and os.path.isdir(target) and not os.access(target, os.W_OK | os.X_OK):
        # the new output would be swapped in, but the old one, left beside it, could not be removed
        return Problem(f"cannot write into {output_dir}: permission denied; yearbook removes the previous output once "
                       "the new one is in place", SourceLocation(output_dir),
                       f"give the account that builds write permission on {output_dir} (chmod u+w), or build into another --output")
    return None


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, format="%(name)s: %(message)s")
    if args.command in ("serve", "new", "import"):
        return run_editor_command(args)
    base = Path.cwd()
    options = BuildOptions(
        content_dir=args.content,
        output_dir=args.output,
        only="html" if args.command == "check" else getattr(args, "only", None),
        editions=getattr(args, "edition", None),
        single_pass=getattr(args, "single_pass", False),
        write=args.command != "check",
        progress=Progress() if args.command == "build" and not args.quiet else None,
        strict=args.strict,
        on_committed=lambda: committed.append(True),
        wait=not getattr(args, "no_wait", False),
        on_wait=lambda message: print(message, file=sys.stderr, flush=True),
    )
    committed: list[bool] = []  # the new output is in place: a Ctrl-C from then on comes after a complete build
    try:
        if options.write:
            problem = output_dir_problem(options.output_dir)
            if problem is not None:
                raise OutputError(problem.message, problem.location, problem.hint)
        report = build(options)
    except OutputBusy as exc:  # --no-wait and another build or serve has the output
        report_problems(exc.problems, base)
        return EXIT_USAGE
    except YearbookError as exc:
        report_problems(exc.problems, base)
        count = len([p for p in exc.problems if p.severity == "error"])
        what = f"{count} error(s)" if count or not args.strict else f"{len(exc.problems)} warning(s) with --strict"
        print(f"{what}; nothing was written." if options.write else f"{what}.", file=sys.stderr)
        if args.debug:
            raise
        return EXIT_CONTENT
    except KeyboardInterrupt:
        if committed:
            print(f"interrupted after the new output was in place: {options.output_dir} is complete.", file=sys.stderr)
            return EXIT_OK
        print("interrupted; the previous output is unchanged.", file=sys.stderr)
        return 130
    except OSError as exc:  # the machine's: a full disk, a read-only or unreadable folder, a file gone
        if args.debug:
            raise
        print(environment_problem(exc, options.content_dir, options.output_dir).format(base), file=sys.stderr)
        if not options.write:
            print("the check stopped.", file=sys.stderr)
        elif committed:
            print(f"the build stopped after the new output was in place: {options.output_dir} is complete.", file=sys.stderr)
        else:
            print("the build stopped; the previous output is unchanged.", file=sys.stderr)
        return EXIT_CONTENT
    except Exception as exc:  # a bug in yearbook, not in the content: say so, keep the output
        if args.debug:
            raise
        print(f"internal error (a bug in yearbook, not in your content): {type(exc).__name__}: {exc}\n"
              "    the previous output is unchanged; rerun with --debug for details and report it", file=sys.stderr)
        return EXIT_INTERNAL
    try:
        report_problems(report.warnings, base)
        if args.strict and report.warnings:
            print(f"{len(report.warnings)} warning(s) with --strict; failing.", file=sys.stderr)
            return EXIT_CONTENT
        if not args.quiet:
            summarize(report, options)
    except KeyboardInterrupt:  # the build is done (and written, unless this was `check`)
        return EXIT_OK
    return EXIT_OK


def summarize(report, options: BuildOptions) -> None:
    yearbook = report.yearbook
    timings = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in report.timings.items())
    if not options.write:
        print(f"ok: {len(yearbook.articles)} articles, {len(yearbook.volumes)} volume(s), "
              f"{len(report.warnings)} warning(s) ({timings})")
        return
    pdfs = f", PDF: {', '.join(report.pdfs)}" if report.pdfs else ""
    kept = f" and the previous {report.kept}" if report.kept else ""
    print(f"built {len(yearbook.articles)} articles into {options.output_dir} "
          f"({report.files} files{kept}{pdfs}; {timings})")


def run_editor_command(args: argparse.Namespace) -> int:
    """serve, new and import. Exit status as for build; serve: 2 when the port is in use (a usage error:
    pick another with --port), 0 after Ctrl-C."""
    try:
        if args.command == "serve":
            from .serve.server import PortInUseError, ServeOptions, serve

            options = ServeOptions(content_dir=args.content, output_dir=args.output, host=args.host, port=args.port,
                                   pdf_delay=args.pdf_delay, debug=args.debug, quiet=args.quiet)
            try:
                return serve(options)
            except PortInUseError as exc:
                print(exc.message, file=sys.stderr)
                return EXIT_USAGE
        if args.command == "new":
            from .scaffold import ArticleRequest, create_article

            request = ArticleRequest(title=args.title, region=args.region, topics=[t for v in args.topics for t in v.split(",") if t.strip()],
                                     organization=args.organization, date=args.date, kicker=args.kicker, slug=args.slug, draft=args.draft)
            path, notes = create_article(args.content, request)
            print(f"created {path}")
            for note in notes:
                print(f"    note: {note}")
            return EXIT_OK
        from .importing import import_files

        return import_files(args.files, args.content, args.into, quiet=args.quiet)
    except YearbookError as exc:
        report_problems(exc.problems, Path.cwd())
        if args.debug:
            raise
        return EXIT_CONTENT
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # the machine's: a full disk, a read-only or unreadable folder
        if args.debug:
            raise
        print(environment_problem(exc, getattr(args, "content", None), getattr(args, "output", None)).format(Path.cwd()),
              file=sys.stderr)
        return EXIT_CONTENT
    except Exception as exc:  # a bug in yearbook
        if args.debug:
            raise
        print(f"internal error (a bug in yearbook, not in your content): {type(exc).__name__}: {exc}\n"
              "    rerun with --debug for details and report it", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
