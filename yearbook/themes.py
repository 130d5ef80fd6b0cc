"""Visual themes (``themes/<name>/``): find the theme, make its jinja2 Environment (StrictUndefined,
autoescape) and turn template failures into :class:`TemplateError` with the template's file:line.
"theme" in this code base means only these visual themes; the 主题 taxonomy is "topics"."""
from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .errors import Problem, SourceLocation, TemplateError

PROJECT_THEMES = Path(__file__).resolve().parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    path: Path

    @property
    def templates_dir(self) -> Path:
        return self.path / "templates"

    @property
    def static_dir(self) -> Path:
        return self.path / "static"


def find_theme(name: str, content_dir: Path) -> Theme:
    """A theme by name (``themes/<name>`` beside the content, then the project's) or by path."""
    candidates = [content_dir.parent / "themes" / name, PROJECT_THEMES / name]
    if "/" in name or name.startswith("."):
        candidates.insert(0, (content_dir / name).resolve())
    for path in candidates:
        if (path / "templates").is_dir():
            return Theme(name=path.name, path=path.resolve())
    raise TemplateError(f"theme {name!r} not found", SourceLocation(content_dir / "yearbook.yml"),
                        f"looked in {', '.join(str(c) for c in candidates)}; set 'theme: default' or create the theme")


def make_environment(theme: Theme) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(theme.templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def _template_location(exc: BaseException, theme: Theme) -> SourceLocation | None:
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return SourceLocation(Path(exc.filename), exc.lineno)
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        if frame.filename.startswith(str(theme.templates_dir)):
            return SourceLocation(Path(frame.filename), frame.lineno)
    return None


def render_template(env: jinja2.Environment, theme: Theme, name: str, context: dict) -> str:
    """Render a template; any failure becomes a TemplateError naming the template file and line."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found in theme {theme.name!r}",
                            _template_location(exc, theme) or SourceLocation(theme.templates_dir),  # the line that includes it
                            "restore the template or choose another theme") from exc
    except jinja2.TemplateError as exc:
        where = _template_location(exc, theme) or SourceLocation(theme.templates_dir / name)
        raise TemplateError(f"template error: {exc.message or exc}", where) from exc
    except Exception as exc:  # a template expression failed (e.g. a bad filter argument)
        where = _template_location(exc, theme) or SourceLocation(theme.templates_dir / name)
        raise TemplateError(f"template error: {type(exc).__name__}: {exc}", where) from exc


def compile_templates(theme: Theme) -> list[Problem]:
    """Every template of the theme (the site's and the book's) compiled, as ``check`` does: one problem
    per template that does not compile, at its file and line. Hidden files (``.DS_Store`` …) are not
    templates."""
    env = make_environment(theme)
    problems = []
    for name in env.list_templates():
        if any(part.startswith(".") for part in name.split("/")):
            continue
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(f"template error: {exc.message or exc}",
                                    SourceLocation(Path(exc.filename or theme.templates_dir / name), exc.lineno)))
        except UnicodeDecodeError:
            problems.append(Problem("the template is not UTF-8 text", SourceLocation(theme.templates_dir / name),
                                    "save it as UTF-8, or move files that are not templates out of templates/"))
    return problems


def static_files(theme: Theme) -> list[Path]:
    """Files of the theme's static/ folder, in a stable order."""
    if not theme.static_dir.is_dir():
        return []
    return sorted(p for p in theme.static_dir.rglob("*") if p.is_file())


if sys.version_info < (3, 11):  # pragma: no cover
    raise RuntimeError("yearbook needs Python 3.11+")
