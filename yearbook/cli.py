"""Command line: ``yearbook [build|check|serve|new|import] [--content DIR] [--output DIR] [--lang zh|en] …``.

The only place that prints problems and sets exit codes: 0 success, 1 content (or setup) errors,
2 usage errors, 3 internal errors (bugs). Tracebacks only with --debug.

Every message is said in the run's language (i18n.choose_language): ``--lang``, else ``YEARBOOK_LANG``,
else Chinese when the content is (yearbook.yml ``language: zh-CN``, which is also what a yearbook.yml
without ``language:`` means) or the locale is, else English. The language is worked out before the
command line is read in full, so that argparse's own messages and ``--help`` are said in it too."""
from __future__ import annotations

import argparse
import errno
import logging
import os
import re
import sys
from pathlib import Path

from .content.config import EDITIONS, content_language
from .errors import OutputBusy, OutputError, Problem, SourceLocation, YearbookError
from .i18n import ENGLISH, LANGUAGES, N_, Translator, _, choose_language, normalize_language
from .pipeline import BuildOptions, build
from .progress import Progress

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
COMMANDS = ("build", "check", "serve", "new", "import")
STAGES = {"load": N_("load"), "templates": N_("templates"), "html": N_("html"), "pdf": N_("pdf"), "write": N_("write")}

# argparse's own messages (Python 3.11), said in the run's language by YearbookParser.error
ARGPARSE_MESSAGES = (
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("ignored explicit argument %r"),
)
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[sr]")


def _argparse_pattern(template: str) -> tuple[list[str | None], re.Pattern]:
    names, parts, last = [], [], 0
    for match in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last:match.start()]))
        parts.append("(.+?)")
        names.append(match.group(1))
        last = match.end()
    parts.append(re.escape(template[last:]))
    return names, re.compile("".join(parts), re.S)


def translate_argparse(message: str, translate: Translator) -> str:
    """One of argparse's messages (already filled in, in English) in the language of ``translate``."""
    for template in ARGPARSE_MESSAGES:
        names, pattern = _argparse_pattern(template)
        match = pattern.fullmatch(message)
        if not match:
            continue
        values = list(match.groups())
        if template.startswith("argument %(argument_name)s"):
            values[1] = translate_argparse(values[1], translate)
        by_name = {name: value for name, value in zip(names, values) if name}
        positional = iter(value for name, value in zip(names, values) if not name)
        return PLACEHOLDER.sub(lambda m: by_name.get(m.group(1), "") if m.group(1) else next(positional, ""),
                               translate.gettext(template))
    return message


class YearbookParser(argparse.ArgumentParser):
    """argparse with its headings, usage line and errors in the run's language."""

    def __init__(self, *args, translate: Translator = ENGLISH, **kwargs):
        self.translate = translate

        class Formatter(argparse.HelpFormatter):
            def add_usage(self, usage, actions, groups, prefix=None):
                super().add_usage(usage, actions, groups, translate(_("usage: ")) if prefix is None else prefix)

        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = translate(_("positional arguments"))
        self._optionals.title = translate(_("options"))
        self.add_argument("-h", "--help", action="help", help=translate(_("show this help message and exit")))

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, self.translate(_("{prog}: error: {message}", prog=self.prog,
                                                  message=translate_argparse(message, self.translate))) + "\n")


def language_option(text: str) -> str:
    language = normalize_language(text)
    if language is None or not text.lower().startswith(tuple(LANGUAGES)):
        raise argparse.ArgumentTypeError(ENGLISH(_("{value!r} is not a language of yearbook's messages: zh or en", value=text)))
    return language


class _EarlyParser(argparse.ArgumentParser):
    """Reads --lang and --content before anything else; a mistake is left for the real parser to report."""

    def error(self, message: str):
        raise ValueError(message)


def make_parser(translate: Translator = ENGLISH) -> argparse.ArgumentParser:
    t = translate
    parser = YearbookParser(prog="yearbook", description=t(_("Build the yearbook site and PDF from content/.")), translate=t)
    sub = parser.add_subparsers(dest="command", metavar="{build,check,serve,new,import}", parser_class=YearbookParser)
    for name, help_text in (("build", _("build the site and the PDF (default)")), ("check", _("check the content; write nothing"))):
        cmd = sub.add_parser(name, help=t(help_text), translate=t)
        add_common_options(cmd, t)
        if name == "build":
            cmd.add_argument("--only", choices=("html", "pdf"), help=t(_("build only the site or only the PDF")))
            cmd.add_argument("--edition", type=pdf_editions(t), metavar="screen|print|archive",
                             help=t(_("PDF edition(s), comma-separated (default: the config's pdf.edition, else screen)")))
            cmd.add_argument("--single-pass", action="store_true",
                             help=t(_("lay the PDF out in one WeasyPrint pass, not in parts on every core "
                                      "(slower; the same pages; books under 20 articles always are)")))
            cmd.add_argument("--no-wait", action="store_true",
                             help=t(_("if another build or serve is using the output folder, stop at once (exit 2) "
                                      "instead of waiting for it")))
    add_editor_commands(sub, t)
    return parser


def pdf_editions(translate: Translator):
    def editions(text: str) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
        wrong = [name for name in names if name not in EDITIONS]
        if wrong or not names:
            raise argparse.ArgumentTypeError(translate(_("unknown edition {edition!r}; choose from {editions}",
                                                         edition=wrong[0] if wrong else text, editions=", ".join(EDITIONS))))
        return names
    editions.__name__ = "edition"
    return editions


def port_number(translate: Translator):
    def port(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(translate(_("{value!r} is not a port number", value=text))) from None
        if not 1 <= value <= 65535:
            raise argparse.ArgumentTypeError(translate(_("port {port} is not between 1 and 65535", port=value)))
        return value
    return port


def seconds(translate: Translator):
    def number(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(translate(_("{value!r} is not a number of seconds", value=text))) from None
        if value < 0:
            raise argparse.ArgumentTypeError(translate(_("seconds cannot be negative")))
        return value
    return number


def add_lang_option(cmd: argparse.ArgumentParser, t: Translator) -> None:
    cmd.add_argument("--lang", type=language_option, metavar="zh|en",
                     help=t(_("the language of yearbook's messages (default: Chinese for a Chinese yearbook or a "
                              "Chinese locale, else English; also YEARBOOK_LANG)")))


def add_editor_commands(sub, t: Translator = ENGLISH) -> None:
    """serve, new and import: the editor's workflow (serve.py, scaffold.py, importing/)."""
    content_help = t(_("content directory (default: content)"))
    serve = sub.add_parser("serve", help=t(_("build, serve on 127.0.0.1, rebuild and reload on every save")), translate=t)
    serve.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help=content_help)
    serve.add_argument("--output", type=Path, default=Path("output"), metavar="DIR", help=t(_("output directory (default: output)")))
    serve.add_argument("--quiet", "-q", action="store_true", help=t(_("print only problems")))
    serve.add_argument("--debug", action="store_true", help=t(_("show tracebacks")))
    serve.add_argument("--port", type=port_number(t), default=8000, help=t(_("port (default: 8000)")))
    serve.add_argument("--host", default="127.0.0.1", help=t(_("address to listen on (default: 127.0.0.1, this machine only)")))
    serve.add_argument("--pdf-delay", type=seconds(t), default=10.0, metavar="SECONDS",
                       help=t(_("make the PDF after this many seconds without changes (default: 10; 0: only on request)")))
    serve.add_argument("--no-drafts", dest="drafts", action="store_false",
                       help=t(_("do not show drafts (by default the preview shows them, marked 草稿, outside every list)")))
    add_lang_option(serve, t)
    new = sub.add_parser("new", help=t(_("create an article from a template")), translate=t)
    new.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help=content_help)
    new.add_argument("--title", required=True, help=t(_("the headline")))
    new.add_argument("--region", help=t(_("a region name, path or code (淮安市, 江苏省/南通市/通州区, 320612)")))
    new.add_argument("--topics", "--themes", dest="topics", action="append", default=[], metavar="A,B",
                     help=t(_("topics (主题) from topics.yml, slugs or names, comma-separated or repeated")))
    new.add_argument("--organization", help=t(_("the reporting body (default: the region's name + 科协)")))
    new.add_argument("--date", help=t(_("YYYY-MM-DD, YYYY-MM or YYYY (default: asked for on a terminal, else today, marked "
                                        "for check)")))
    new.add_argument("--kicker", help=t(_("引题, the line above the headline")))
    new.add_argument("--slug", help=t(_("URL slug (default: the pinyin of the title)")))
    new.add_argument("--draft", action="store_true", help=t(_("mark it as a draft (checked, not published)")))
    new.add_argument("--debug", action="store_true", help=t(_("show tracebacks")))
    add_lang_option(new, t)
    imp = sub.add_parser("import", help=t(_("turn raw reports (.txt, .docx) into draft articles")), translate=t)
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE",
                     help=t(_("reports: plain text (UTF-8, GBK/GB18030) or Word .docx")))
    imp.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help=content_help)
    imp.add_argument("--into", type=Path, metavar="DIR", help=t(_("where to write the drafts (default: CONTENT/articles)")))
    imp.add_argument("--quiet", "-q", action="store_true", help=t(_("print only problems")))
    imp.add_argument("--debug", action="store_true", help=t(_("show tracebacks")))
    add_lang_option(imp, t)


def add_common_options(cmd: argparse.ArgumentParser, t: Translator = ENGLISH) -> None:
    cmd.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help=t(_("content directory (default: content)")))
    cmd.add_argument("--output", type=Path, default=Path("output"), metavar="DIR", help=t(_("output directory (default: output)")))
    cmd.add_argument("--strict", action="store_true", help=t(_("treat warnings as errors")))
    cmd.add_argument("--quiet", "-q", action="store_true", help=t(_("print only problems")))
    cmd.add_argument("--debug", action="store_true", help=t(_("show tracebacks")))
    add_lang_option(cmd, t)


def _with_command(argv: list[str]) -> list[str]:
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        return ["build", *argv]
    return argv


def run_language(argv: list[str], environ=None) -> str:
    """The language of a run with these arguments, found before they are parsed in full (see the module)."""
    early = _EarlyParser(add_help=False)
    early.add_argument("--lang")
    early.add_argument("--content", type=Path, default=Path("content"))
    try:
        known, _rest = early.parse_known_args(_with_command(argv)[1:])
    except ValueError:
        return choose_language(None, content_language(Path("content")), environ)
    return choose_language(known.lang, content_language(known.content), environ)


def parse_args(argv: list[str], translate: Translator = ENGLISH) -> argparse.Namespace:
    return make_parser(translate).parse_args(_with_command(argv))


def report_problems(problems, base: Path, translate: Translator = ENGLISH) -> None:
    for problem in problems:
        print(problem.format(base, translate), file=sys.stderr)


def internal_error(exc: Exception, output_kept: bool) -> str:
    if output_kept:
        return _("internal error (a bug in yearbook, not in your content): {error}\n"
                 "    the previous output is unchanged; rerun with --debug for details and report it",
                 error=type(exc).__name__ + ": " + str(exc))
    return _("internal error (a bug in yearbook, not in your content): {error}\n"
             "    rerun with --debug for details and report it", error=type(exc).__name__ + ": " + str(exc))


# What an OSError means, in plain words (the machine's problem, not the content's nor yearbook's).
PLAIN_ERRNO = {
    errno.ENOSPC: N_("the disk is full"),
    getattr(errno, "EDQUOT", -1): N_("the disk quota is used up"),
    errno.EROFS: N_("the file system is read-only"),
    errno.EFBIG: N_("the file is too large for the file system or for this process's file-size limit (ulimit -f)"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("the operation is not permitted"),
    errno.EBUSY: N_("the folder is in use (a mount point, or held by another program)"),
    errno.ENOTDIR: N_("a part of the path is a file, not a folder"),
    errno.EISDIR: N_("it is a folder, not a file"),
    errno.ENAMETOOLONG: N_("the path is too long for the file system"),
    errno.ENOENT: N_("it does not exist (was it moved or deleted while the build ran?)"),
    errno.EMFILE: N_("too many files are open at once"),
    errno.ENFILE: N_("too many files are open on this machine"),
    errno.EIO: N_("the disk reported an input/output error"),
    errno.ELOOP: N_("the path has a loop of symbolic links"),
    errno.ENOMEM: N_("the machine is out of memory"),
    errno.EXDEV: N_("the output folder and the folder beside it are on different file systems"),
}
HINTS = {
    errno.ENOSPC: N_("free some space on that disk (the PDF cache {cache} beside the output may be deleted), then build again"),
    getattr(errno, "EDQUOT", -1): N_("free some space or ask for a larger quota, then build again"),
    errno.EROFS: N_("build into a folder on a writable disk: --output DIR"),
    errno.EFBIG: N_("raise the limit (ulimit -f unlimited) or build onto another file system"),
    errno.EACCES: N_("give the account that builds permission to read the content and to write the output folder and the folder "
                     "that holds it (yearbook writes the new output beside the old one, then swaps them)"),
    errno.EPERM: N_("give the account that builds permission to write the output folder and the folder that holds it"),
    errno.EBUSY: N_("build into a folder inside the mount point: --output MOUNT/site"),
    errno.ENOTDIR: N_("choose an --output whose folders are folders"),
}


WRITING = {errno.ENOSPC, getattr(errno, "EDQUOT", -1), errno.EFBIG, errno.EROFS}


def environment_problem(exc: OSError, content_dir: Path | None = None, output_dir: Path | None = None) -> Problem:
    """An OSError as an editor should read it: what happened in plain words, and to which path. A file
    of the content (an image deleted or made unreadable while the build ran) is named as such."""
    plain = _(PLAIN_ERRNO[exc.errno]) if exc.errno in PLAIN_ERRNO else (exc.strerror or str(exc))
    filename = exc.filename if isinstance(exc.filename, (str, bytes, os.PathLike)) else None
    if exc.errno in WRITING and isinstance(exc.filename2, (str, bytes, os.PathLike)):
        filename = exc.filename2  # a copy (shutil names the source first): the error is the target's
    path = Path(os.fsdecode(filename)) if filename is not None else None
    hint = _(HINTS[exc.errno], cache=".output-cache/") if exc.errno in HINTS else None
    if path is not None and content_dir is not None and _inside(path, content_dir):
        return Problem(_("cannot read the file: {reason}", reason=plain), SourceLocation(path),
                       hint if exc.errno not in (errno.ENOENT,) else _("build again once the file is back in place"))
    if path is not None and output_dir is not None and _beside(path, output_dir):
        if exc.errno == errno.EBUSY and os.path.ismount(output_dir):
            plain = _("{path} is a mount point, which cannot be replaced by renaming", path=str(output_dir))
        shown = _shown(path)
        output = Path(os.path.abspath(output_dir))
        cache = Path(os.path.abspath(path)).is_relative_to(output.parent / f".{output.name}-cache")
        if hint and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            hint = _(HINTS[exc.errno], cache=f".{output.name}-cache/")
        message = (_("cannot write the PDF cache ({path}): {reason}", path=shown, reason=plain) if cache else
                   _("cannot write the new output ({path}): {reason}", path=shown, reason=plain))
        return Problem(message, SourceLocation(output_dir), hint)
    if path is not None:
        return Problem(_("{reason} ({path})", reason=plain, path=_shown(path)), None, hint)
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
        return Problem(_("{path} is a file, not a folder, so --output {output} cannot be made", path=_shown(probe),
                         output=str(output_dir)), None, _(HINTS[errno.ENOTDIR]))
    if probe == target and os.path.ismount(target) and target != target.parent:  # "/" itself: output.check_output_dir refuses it
        return Problem(_("{output} is a mount point: yearbook replaces the output folder whole, by renaming, which a "
                         "mount point does not allow", output=str(output_dir)), SourceLocation(output_dir),
                       _(HINTS[errno.EBUSY]))
    parent = target.parent if probe == target else probe
    if os.path.isdir(parent) and not os.access(parent, os.W_OK | os.X_OK):
        read_only = _read_only(parent)
        why = _(PLAIN_ERRNO[errno.EROFS]) if read_only else _(PLAIN_ERRNO[errno.EACCES])
        return Problem(_("cannot write into {path}: {reason}; yearbook writes the new output there, beside "
                         "{output}, and then swaps them", path=_shown(parent), reason=why, output=str(output_dir)),
                       SourceLocation(output_dir), _(HINTS[errno.EROFS]) if read_only else _(HINTS[errno.EACCES]))
    if probe == target and os.path.isdir(target) and not os.access(target, os.W_OK | os.X_OK):
        # the new output would be swapped in, but the old one, left beside it, could not be removed
        return Problem(_("cannot write into {output}: permission denied; yearbook removes the previous output once "
                         "the new one is in place", output=str(output_dir)), SourceLocation(output_dir),
                       _("give the account that builds write permission on {output} (chmod u+w), or build into "
                         "another --output", output=str(output_dir)))
    return None


def _read_only(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    t = Translator(run_language(argv))
    args = parse_args(argv, t)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR, format="%(name)s: %(message)s")
    if args.command in ("serve", "new", "import"):
        return run_editor_command(args, t)
    base = Path.cwd()
    options = BuildOptions(
        content_dir=args.content,
        output_dir=args.output,
        only="html" if args.command == "check" else getattr(args, "only", None),
        editions=getattr(args, "edition", None),
        single_pass=getattr(args, "single_pass", False),
        write=args.command != "check",
        progress=Progress(translate=t) if args.command == "build" and not args.quiet else None,
        strict=args.strict,
        on_committed=lambda: committed.append(True),
        wait=not getattr(args, "no_wait", False),
        on_wait=lambda message: print(t(message), file=sys.stderr, flush=True),
    )
    committed: list[bool] = []  # the new output is in place: a Ctrl-C from then on comes after a complete build
    try:
        if options.write:
            problem = output_dir_problem(options.output_dir)
            if problem is not None:
                raise OutputError(problem.message, problem.location, problem.hint)
        report = build(options)
    except OutputBusy as exc:  # --no-wait and another build or serve has the output
        report_problems(exc.problems, base, t)
        return EXIT_USAGE
    except YearbookError as exc:
        report_problems(exc.problems, base, t)
        count = len([p for p in exc.problems if p.severity == "error"])
        what = (_("{count} error(s)", count=count) if count or not args.strict else
                _("{count} warning(s) with --strict", count=len(exc.problems)))
        print(t(_("{what}; nothing was written.", what=what) if options.write else _("{what}.", what=what)), file=sys.stderr)
        if args.debug:
            raise
        return EXIT_CONTENT
    except KeyboardInterrupt:
        if committed:
            print(t(_("interrupted after the new output was in place: {path} is complete.", path=str(options.output_dir))),
                  file=sys.stderr)
            return EXIT_OK
        print(t(_("interrupted; the previous output is unchanged.")), file=sys.stderr)
        return 130
    except OSError as exc:  # the machine's: a full disk, a read-only or unreadable folder, a file gone
        if args.debug:
            raise
        print(environment_problem(exc, options.content_dir, options.output_dir).format(base, t), file=sys.stderr)
        if not options.write:
            print(t(_("the check stopped.")), file=sys.stderr)
        elif committed:
            print(t(_("the build stopped after the new output was in place: {path} is complete.", path=str(options.output_dir))),
                  file=sys.stderr)
        else:
            print(t(_("the build stopped; the previous output is unchanged.")), file=sys.stderr)
        return EXIT_CONTENT
    except Exception as exc:  # a bug in yearbook, not in the content: say so, keep the output
        if args.debug:
            raise
        print(t(internal_error(exc, output_kept=True)), file=sys.stderr)
        return EXIT_INTERNAL
    try:
        report_problems(report.warnings, base, t)
        if args.strict and report.warnings:
            print(t(_("{count} warning(s) with --strict; failing.", count=len(report.warnings))), file=sys.stderr)
            return EXIT_CONTENT
        if not args.quiet:
            summarize(report, options, t)
    except KeyboardInterrupt:  # the build is done (and written, unless this was `check`)
        return EXIT_OK
    return EXIT_OK


def summarize(report, options: BuildOptions, t: Translator = ENGLISH) -> None:
    yearbook = report.yearbook
    timings = t.join(f"{t.gettext(STAGES.get(name, name))} {seconds:.2f}s" for name, seconds in report.timings.items())
    if not options.write:
        review_drafts(yearbook, Path.cwd(), t)
        print(t(_("ok: {articles} articles, {volumes} volume(s), {warnings} warning(s) ({timings})",
                  articles=len(yearbook.articles), volumes=len(yearbook.volumes), warnings=len(report.warnings),
                  timings=timings)))
        return
    pdfs = ", ".join(report.pdfs)
    if report.kept and pdfs:
        text = _("built {articles} articles into {output} ({files} files and the previous {kept}, PDF: {pdfs}; {timings})",
                 articles=len(yearbook.articles), output=str(options.output_dir), files=report.files, kept=report.kept,
                 pdfs=pdfs, timings=timings)
    elif report.kept:
        text = _("built {articles} articles into {output} ({files} files and the previous {kept}; {timings})",
                 articles=len(yearbook.articles), output=str(options.output_dir), files=report.files, kept=report.kept,
                 timings=timings)
    elif pdfs:
        text = _("built {articles} articles into {output} ({files} files, PDF: {pdfs}; {timings})",
                 articles=len(yearbook.articles), output=str(options.output_dir), files=report.files, pdfs=pdfs,
                 timings=timings)
    else:
        text = _("built {articles} articles into {output} ({files} files; {timings})", articles=len(yearbook.articles),
                 output=str(options.output_dir), files=report.files, timings=timings)
    print(t(text))


def review_drafts(yearbook, base: Path, t: Translator = ENGLISH) -> None:
    """``check``'s review list: every undecided item of every draft (what ``import`` listed at its top),
    one ``path:line: item`` a line, after a line that counts them."""
    drafts = yearbook.drafts
    if not drafts:
        return
    items = [(draft, line, text) for draft in drafts for line, text in draft.review]
    print(t(_("drafts to review: {drafts} draft(s), {items} undecided item(s)", drafts=len(drafts), items=len(items))))
    for draft, line, text in items:
        print(f"{SourceLocation(draft.source_path, line).display(base)}: {text}")
    waiting = [draft for draft in drafts if not draft.review]
    for draft in waiting:
        print(t(_("{path}: a draft with no undecided items listed; remove 'draft: true' when it is ready to publish",
                  path=SourceLocation(draft.source_path).display(base))))


def ask_on_terminal(translate: Translator):
    """A question on the terminal (``new`` asks for the date), or None off a terminal (the answer would
    never come)."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None

    def ask(question) -> str:
        sys.stderr.write(translate(question))
        sys.stderr.flush()
        try:
            return sys.stdin.readline()
        except (EOFError, OSError):
            return ""
    return ask


def run_editor_command(args: argparse.Namespace, t: Translator = ENGLISH) -> int:
    """serve, new and import. Exit status as for build; serve: 2 when the port is in use (a usage error:
    pick another with --port), 0 after Ctrl-C."""
    try:
        if args.command == "serve":
            from .serve.server import PortInUseError, ServeOptions, serve

            options = ServeOptions(content_dir=args.content, output_dir=args.output, host=args.host, port=args.port,
                                   pdf_delay=args.pdf_delay, debug=args.debug, quiet=args.quiet, translate=t,
                                   drafts=args.drafts)
            try:
                return serve(options)
            except PortInUseError as exc:
                print(t(exc.message), file=sys.stderr)
                return EXIT_USAGE
        if args.command == "new":
            from .scaffold import ArticleRequest, create_article

            topics = [name for value in args.topics for name in re.split(r"[,，、]", value) if name.strip()]
            request = ArticleRequest(title=args.title, region=args.region, topics=topics, organization=args.organization,
                                     date=args.date, kicker=args.kicker, slug=args.slug, draft=args.draft)
            path, notes = create_article(args.content, request, translate=t, ask=ask_on_terminal(t))
            print(t(_("created {path}", path=str(path))))
            for note in notes:
                print("    " + t(_("note: {note}", note=note)))
            return EXIT_OK
        from .importing import import_files

        return import_files(args.files, args.content, args.into, quiet=args.quiet, translate=t)
    except YearbookError as exc:
        report_problems(exc.problems, Path.cwd(), t)
        if args.debug:
            raise
        return EXIT_CONTENT
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # the machine's: a full disk, a read-only or unreadable folder
        if args.debug:
            raise
        print(environment_problem(exc, getattr(args, "content", None), getattr(args, "output", None)).format(Path.cwd(), t),
              file=sys.stderr)
        return EXIT_CONTENT
    except Exception as exc:  # a bug in yearbook
        if args.debug:
            raise
        print(t(internal_error(exc, output_kept=False)), file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
