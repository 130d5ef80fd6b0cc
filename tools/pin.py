"""The pins of every Python package yearbook installs: ``pins/python.txt``, a pip constraints file that
``tasks.sh`` (and so ``.ci/run``) installs with, so that a fresh machine gets exactly what was tested.

Run it with the interpreter of the environment to read (a venv where ``pip install -e '.[test]'`` ran):

    .venv/bin/python tools/pin.py write [FILE]     write FILE (default pins/python.txt) from what is installed
    .venv/bin/python tools/pin.py check [FILE]     exit 1 unless what is installed is exactly what FILE pins
    python3 tools/pin.py build-requires            print pyproject.toml's build requirements (for pip)

The packages are the project's requirements (``[project] dependencies`` and the ``test`` extra of
pyproject.toml) and everything they require in turn, with markers evaluated on this machine, each at
its installed version; then pip itself and the build backend (setuptools, for the editable install),
which tasks.sh installs with the same file (``--build-constraint``). Packages installed by hand beside
them (a linter, another developer's experiment) are not pinned and not checked. ``bash tasks.sh pin``
makes a scratch venv with the newest releases pyproject.toml allows and writes the file from it."""
from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pragma: no cover - a venv without packaging (pytest brings it)
    from pip._vendor.packaging.markers import default_environment
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = ("test",)
TOOLS = ("pip", "setuptools")  # pip runs the install, setuptools builds the editable package
HEADER = """\
# Every Python package yearbook installs, transitive ones included, at the versions it was tested with;
# tasks.sh installs with it (pip -c pins/python.txt --build-constraint pins/python.txt). Written by
# `bash tasks.sh pin` (tools/pin.py): do not edit by hand.
"""


def project_requirements() -> tuple[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(text) for text in project.get("dependencies", [])]
    for extra in EXTRAS:
        requirements += [Requirement(text) for text in project.get("optional-dependencies", {}).get(extra, [])]
    return project["name"], requirements


def applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    environment = default_environment()
    return any(requirement.marker.evaluate({**environment, "extra": extra}) for extra in (extras or {""}))


def closure() -> dict[str, str]:
    """Installed name → version of every package the project's requirements need, transitively."""
    _, wanted = project_requirements()
    found: dict[str, str] = {}
    extras_seen: dict[str, set[str]] = {}
    queue = [(requirement, set()) for requirement in wanted if applies(requirement, set())]
    while queue:
        requirement, _ = queue.pop()
        key = canonicalize_name(requirement.name)
        new_extras = set(requirement.extras) - extras_seen.get(key, set())
        if key in found and not new_extras:
            continue
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"pin: {requirement.name} is required but not installed in {sys.prefix}; "
                             "run `pip install -e '.[test]'` there first") from None
        if not requirement.specifier.contains(dist.version, prereleases=True):
            raise SystemExit(f"pin: {dist.metadata['Name']} {dist.version} is installed but {requirement} is required")
        found[key] = f"{dist.metadata['Name']}=={dist.version}"
        extras_seen.setdefault(key, set()).update(requirement.extras)
        for text in dist.requires or []:
            child = Requirement(text)
            if applies(child, extras_seen[key]):
                queue.append((child, set()))
    return found


def tools() -> dict[str, str]:
    pinned = {}
    for name in TOOLS:
        try:
            pinned[name] = f"{name}=={metadata.version(name)}"
        except metadata.PackageNotFoundError:
            pass
    return pinned


def render(pins: dict[str, str], build: dict[str, str]) -> str:
    lines = [HEADER, f"# (read from Python {sys.version_info.major}.{sys.version_info.minor} on {sys.platform})\n\n"]
    lines += [pins[key] + "\n" for key in sorted(pins)]
    lines += ["\n# the installer and the build backend (--build-constraint)\n"]
    lines += [build[key] + "\n" for key in sorted(build)]
    return "".join(lines)


def read_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line)
            if match is None:
                raise SystemExit(f"pin: {path}: {line!r} is not name==version")
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("write", "check", "build-requires"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "build-requires":
        print(" ".join(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]))
        return 0
    path = Path(argv[1]) if len(argv) > 1 else ROOT / "pins" / "python.txt"
    pins = closure()
    name, _ = project_requirements()
    pins.pop(canonicalize_name(name), None)
    if argv[0] == "write":
        build = {key: value for key, value in tools().items() if key not in pins}
        path.write_text(render(pins, build), encoding="utf-8")
        print(f"pin: wrote {len(pins)} packages and {len(build)} tools to {path}")
        return 0
    locked = read_pins(path)
    problems = []
    installer = {key: value for key, value in tools().items() if key == "pip"}  # setuptools builds in its own env
    for key, pin in sorted({**pins, **installer}.items()):
        installed = pin.split("==", 1)[1]
        if key not in locked:
            problems.append(f"{pin} is installed and needed, but not pinned")
        elif locked[key] != installed:
            problems.append(f"{pin.split('==')[0]} {installed} is installed, {locked[key]} is pinned")
    for problem in problems:
        print(f"pin: {problem}", file=sys.stderr)
    if problems:
        print(f"pin: {path} and the installed packages differ: install the pins with `bash tasks.sh setup`, "
              "or update them with `bash tasks.sh pin`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
