"""Problems the yearbook reports to editors, and where in their files they are.

Hierarchy::

    YearbookError                 anything the CLI reports without a traceback (exit 1)
    ├── ContentError              a problem in the content tree (YAML, fields, regions, slugs, links, images)
    │   └── ContentErrors         several ContentErrors found in one pass, reported all at once
    ├── TemplateError             a theme template failed to load or render (template file:line)
    ├── SetupError                the machine lacks something the build needs (a CJK font)
    └── OutputError               the output directory cannot be used safely
        └── OutputBusy            another build (or serve) holds the output's lock, and --no-wait (exit 2)

Every problem carries a :class:`SourceLocation` when one is known, so that the CLI prints
``path:line: message`` followed by a hint that says how to fix it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SourceLocation:
    """A file and (1-based) line number; ``line`` is None when the whole file is meant."""

    path: Path
    line: int | None = None

    def display(self, base: Path | None = None) -> str:
        path = self.path
        if base is not None:
            try:
                path = self.path.resolve().relative_to(base.resolve())
            except ValueError:
                pass
        return f"{path}:{self.line}" if self.line else f"{path}"


@dataclass
class Problem:
    """One message for an editor: where, what, and how to fix it."""

    message: str
    location: SourceLocation | None = None
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"

    def format(self, base: Path | None = None) -> str:
        where = f"{self.location.display(base)}: " if self.location else ""
        kind = "warning: " if self.severity == "warning" else ""
        text = f"{where}{kind}{self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


class YearbookError(Exception):
    """Base of every error the CLI reports as a message instead of a traceback."""

    def __init__(self, message: str, location: SourceLocation | None = None, hint: str | None = None):
        super().__init__(message)
        self.problem = Problem(message, location, hint)

    @property
    def problems(self) -> list[Problem]:
        return [self.problem]


class ContentError(YearbookError):
    """A problem in the content tree."""


class ContentErrors(ContentError):
    """Several content problems found in one pass."""

    def __init__(self, problems: list[Problem]):
        Exception.__init__(self, f"{len(problems)} problem(s) in the content")
        self._problems = problems

    @property
    def problems(self) -> list[Problem]:
        return self._problems


class TemplateError(YearbookError):
    """A theme template could not be loaded or rendered."""


class SetupError(YearbookError):
    """Something the build needs is missing from this machine."""


class OutputError(YearbookError):
    """The output directory cannot be written safely."""


class OutputBusy(OutputError):
    """Another process holds the output's lock and the build would not wait for it (``--no-wait``)."""


@dataclass
class ProblemLog:
    """Collects problems during a pass so that all of them are reported at once."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, message: str, location: SourceLocation | None = None, hint: str | None = None) -> None:
        self.problems.append(Problem(message, location, hint, "error"))

    def warning(self, message: str, location: SourceLocation | None = None, hint: str | None = None) -> None:
        self.problems.append(Problem(message, location, hint, "warning"))

    def add(self, error: YearbookError) -> None:
        self.problems.extend(error.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ContentErrors(self.problems)  # warnings too: "did you mean 'title'?" explains a missing title
