"""The hash-pinned lock of the default install, checked against pyproject.toml.

    python scripts/lock_tools.py check        # exit 1 naming every disagreement
    python scripts/lock_tools.py environment  # write environment.yml from the lock

``requirements.lock`` is written by ``make lock`` (``uv pip compile
requirements.in --generate-hashes``, for Python 3.11 on Linux x86-64): every
package of the default install (``.[vision,book,test,integrations]`` with the
pinned torch and torchvision of ``requirements.in``) at one version, each with
the SHA-256 of its files on PyPI. ``make env`` installs it with
``pip install --require-hashes``.

``check`` fails when the lock and ``pyproject.toml`` disagree: a requirement
of the project (its dependencies and the four extras) missing from the lock or
pinned at a version its specifier refuses, a pin without a hash, a pin of
``requirements.in`` the lock does not hold, or an ``environment.yml`` that
does not pin the lock's versions.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
INPUT = ROOT / "requirements.in"
ENVIRONMENT = ROOT / "environment.yml"
#: The extras of the default install (requirements.in, the Makefile's env).
EXTRAS = ("vision", "book", "test", "integrations")

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def parse_lock(text: str) -> dict[str, tuple[str, list[str]]]:
    """``{canonical name: (version, [sha256, ...])}`` of a ``--generate-hashes`` lock."""
    out: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for line in text.splitlines():
        m = _PIN.match(line)
        if m:  # a pin; its hashes follow on indented continuation lines
            current = canonicalize_name(m.group(1))
            out[current] = (m.group(2), _HASH.findall(line))
        elif line.startswith((" ", "\t")) and current is not None:
            out[current][1].extend(_HASH.findall(line))
        else:
            current = None
    return out


def project_requirements(pyproject: Path, extras: tuple[str, ...] = EXTRAS) -> list[Requirement]:
    """The project's dependencies and those of ``extras``, as parsed requirements."""
    meta = tomllib.loads(pyproject.read_text())["project"]
    texts = list(meta.get("dependencies", []))
    optional = meta.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise ValueError(f"{pyproject}: no extra {extra!r}; valid: {sorted(optional)}")
        texts += optional[extra]
    return [Requirement(t) for t in texts]


def input_pins(path: Path) -> dict[str, str]:
    """The exact pins (``name==version``) of ``requirements.in``."""
    pins = {}
    for line in path.read_text().splitlines():
        m = _PIN.match(line.split("#", 1)[0].strip())
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def environment_pins(path: Path) -> dict[str, str]:
    """The ``name==version`` lines of ``environment.yml``'s pip section."""
    pins = {}
    for line in path.read_text().splitlines():
        m = _PIN.match(line.strip().removeprefix("- ").strip())
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def disagreements(
    pyproject: Path = ROOT / "pyproject.toml",
    lock: Path = LOCK,
    requirements_in: Path = INPUT,
    environment: Path | None = ENVIRONMENT,
) -> list[str]:
    """One line per way the lock disagrees with the project's requirements (empty: none)."""
    if not lock.is_file():
        return [f"{lock}: missing; run `make lock`"]
    pins = parse_lock(lock.read_text())
    problems = []
    for req in project_requirements(pyproject):
        if req.marker is not None and not req.marker.evaluate({"python_version": "3.11"}):
            continue
        name = canonicalize_name(req.name)
        if name not in pins:
            problems.append(f"{lock.name}: {req} of pyproject.toml is not locked")
        elif not req.specifier.contains(pins[name][0], prereleases=True):
            problems.append(
                f"{lock.name}: {name}=={pins[name][0]} does not satisfy pyproject.toml's {req}"
            )
    for name, version in input_pins(requirements_in).items():
        if pins.get(name, ("",))[0] != version:
            got = pins[name][0] if name in pins else "nothing"
            problems.append(
                f"{lock.name}: {requirements_in.name} pins {name}=={version}, got {got}"
            )
    for name, (version, hashes) in pins.items():
        if not hashes:
            problems.append(f"{lock.name}: {name}=={version} has no --hash")
    if environment is not None:
        env = environment_pins(environment)
        expected = {n: v for n, (v, _) in pins.items()}
        if env != expected:
            differ = sorted(set(env.items()) ^ set(expected.items()))[:5]
            problems.append(
                f"{environment.name}: does not pin the lock's versions (e.g. {differ}); "
                "run `python scripts/lock_tools.py environment`"
            )
    return problems


def environment_yml(lock: Path = LOCK) -> str:
    """``environment.yml`` for conda: Python 3.11 and pip from conda-forge, the lock's pins."""
    pins = parse_lock(lock.read_text())
    lines = [
        "# Generated from requirements.lock by `make lock` (scripts/lock_tools.py): do not edit.",
        "# conda env create -f environment.yml && conda activate vog",
        "# The same versions as the hash-pinned lock (conda's pip section cannot check hashes:",
        "# `make env` installs the lock itself with --require-hashes).",
        "name: vog",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={version}" for name, (version, _) in sorted(pins.items())]
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["check", "environment"])
    args = ap.parse_args(argv)
    if args.command == "environment":
        text = environment_yml()
        tmp = ENVIRONMENT.with_suffix(".yml.tmp")
        tmp.write_text(text)
        tmp.replace(ENVIRONMENT)
        print(f"wrote {ENVIRONMENT.name} ({text.count('==')} pins)")
        return 0
    problems = disagreements()
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(f"{LOCK.name} agrees with pyproject.toml ({len(parse_lock(LOCK.read_text()))} pins)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
