"""The course around the book: each chapter's opening box and the teaching page's plan.

Two directives, both drawn from ``book/course.yml`` (learning goals,
prerequisites, sessions) and from the build's own records:

- ``{chapter-goals}``, at the top of a chapter: what the reader will learn,
  the prerequisites (each *necessary* or *helpful*, linking a chapter or a
  term of the glossary on the teaching page), the time to read (the
  chapter's words at :data:`WORDS_PER_MINUTE`) and the time to run, read from
  the build's chapter times (``book/executed/build_record.json``) and from the
  committed reference builds of the other profiles (``reference/<profile>.json``,
  written by ``make reference``). No time is typed.
- ``{course-plan}``, on the teaching page: the sessions, their chapters, their
  summed run times and the exercises each asks (read from the executed
  chapters).

The text is made by pure functions (:func:`goals_markdown`, :func:`plan_markdown`)
and parsed as MyST, so its links are checked by the nitpicky build.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

COURSE_FILE = "book/course.yml"
RECORD_FILE = "book/executed/build_record.json"
REFERENCE_DIR = "reference"
EXECUTED = "book/executed"
WORDS_PER_MINUTE = 200
NEEDS = ("necessary", "helpful")
_EXERCISE = re.compile(r"```\{exercise\}[ \t]*([^\n]*)\n:label:\s*(\S+)")
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
_ROLE = re.compile(r"\{[a-z:]+\}`[^`]*`")


def load_course(path: Path) -> dict[str, Any]:
    """``book/course.yml``, checked: every chapter entry has 2-4 goals and valid needs."""
    try:
        course = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: not a readable course file ({exc})") from exc
    for i, session in enumerate(course.get("sessions") or [], start=1):
        missing = [k for k in ("title", "minutes", "aim", "chapters") if k not in session]
        if missing:
            raise ValueError(f"{path}: session {i} lacks {missing}")
    for name, entry in (course.get("chapters") or {}).items():
        goals = entry.get("learn") or []
        if not 2 <= len(goals) <= 4:
            raise ValueError(f"{path}: chapter {name} lists {len(goals)} goals (2-4 wanted)")
        for pre in entry.get("prerequisites") or []:
            if pre.get("need") not in NEEDS:
                raise ValueError(
                    f"{path}: chapter {name}: prerequisite need {pre.get('need')!r} "
                    f"is not one of {list(NEEDS)}"
                )
            if ("doc" in pre) == ("term" in pre):
                raise ValueError(f"{path}: chapter {name}: a prerequisite names a doc or a term")
    return course


def words(nb: dict[str, Any]) -> int:
    """Words a reader reads in a notebook: its markdown, without roles' targets and markup."""
    count = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        text = "".join(cell.get("source", ""))
        count += len(_WORD.findall(_ROLE.sub(" x ", text)))
    return count


def exercises(nb: dict[str, Any]) -> list[tuple[str, str]]:
    """``(title, label)`` of each ``{exercise}`` of a notebook, in order."""
    out = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            out += [(t.strip(), lab) for t, lab in _EXERCISE.findall("".join(cell["source"]))]
    return out


def duration(seconds: float) -> str:
    """``"45 s"``, ``"3 min"`` or ``"1 h 05 min"``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable JSON file ({exc})") from exc


def time_sources(root: Path) -> list[Path]:
    """The files the run times are read from (the pages depend on them)."""
    record = root / RECORD_FILE
    return ([record] if record.is_file() else []) + sorted((root / REFERENCE_DIR).glob("*.json"))


def build_times(root: Path) -> list[dict[str, Any]]:
    """The chapter times known to this build, this build's first: one entry per profile.

    Each entry: ``profile``, ``chapters`` (name -> seconds), ``date``, ``cpu``,
    ``cores`` and ``source`` ("this build" or the reference file).
    """
    found: list[dict[str, Any]] = []
    record = root / RECORD_FILE
    if record.is_file():
        rec = _json(record)
        found.append(
            {
                "profile": rec.get("profile"),
                "chapters": rec.get("chapters") or {},
                "date": str(rec.get("date", ""))[:10],
                "cpu": (rec.get("machine") or {}).get("cpu"),
                "cores": (rec.get("machine") or {}).get("cores"),
                "source": "this build",
            }
        )
    for path in sorted((root / REFERENCE_DIR).glob("*.json")):
        ref = _json(path)
        build = ref.get("build") or {}
        if not build.get("chapters") or any(f["profile"] == ref.get("profile") for f in found):
            continue
        found.append(
            {
                "profile": ref.get("profile"),
                "chapters": build["chapters"],
                "date": str(build.get("date", ""))[:10],
                "cpu": build.get("cpu"),
                "cores": build.get("cores"),
                "source": f"the reference build {REFERENCE_DIR}/{path.name}",
            }
        )
    return found


def _machine(t: dict[str, Any]) -> str:
    where = ", ".join(str(x) for x in (t.get("cpu"), t.get("date")) if x)
    cores = f"{t['cores']} cores, " if t.get("cores") else ""
    return f"{cores}{where}" if where else "machine not recorded"


def run_time_text(chapter: str, times: list[dict[str, Any]]) -> str:
    """The chapter's run times in words: ``3 min in the *default* profile (this build: ...)``."""
    parts = [
        f"{duration(t['chapters'][chapter])} in the *{t['profile']}* profile "
        f"({t['source']}: {_machine(t)})"
        for t in times
        if chapter in t["chapters"]
    ]
    return "; ".join(parts) if parts else "not yet recorded (run `make book` or `make reference`)"


def _prerequisite(pre: dict[str, Any], link_prefix: str) -> str:
    target = f"{{doc}}`{link_prefix}{pre['doc']}`" if "doc" in pre else f"{{term}}`{pre['term']}`"
    why = f": {pre['why']}" if pre.get("why") else ""
    return f"- *{pre['need']}*: {target}{why}"


def goals_markdown(
    chapter: str, entry: dict[str, Any], n_words: int, times: list[dict[str, Any]]
) -> str:
    """The opening box of ``chapter`` as MyST text."""
    lines = [":::{admonition} Before you start", ":class: tip chapter-goals", ""]
    lines += ["**You will learn**", ""] + [f"- {g}" for g in entry["learn"]] + [""]
    pres = entry.get("prerequisites") or []
    if pres:
        lines += ["**Prerequisites**", ""] + [_prerequisite(p, "") for p in pres] + [""]
    minutes = max(1, round(n_words / WORDS_PER_MINUTE))
    lines += [
        f"**Time to read:** about {minutes} min ({n_words:,} words at "
        f"{WORDS_PER_MINUTE} a minute). **Time to run:** {run_time_text(chapter, times)}.",
        ":::",
    ]
    return "\n".join(lines)


def plan_markdown(
    course: dict[str, Any],
    times: list[dict[str, Any]],
    exercises_of: dict[str, list[tuple[str, str]]],
) -> str:
    """The course plan (sessions, chapters, summed run times, exercises) as MyST text."""
    lines: list[str] = []
    for i, session in enumerate(course.get("sessions") or [], start=1):
        chapters = session["chapters"]
        lines += [f"**Session {i}: {session['title']}** ({session['minutes']} minutes)", ""]
        lines += [session["aim"], ""]
        lines.append("- Chapters: " + ", ".join(f"{{doc}}`executed/{c}`" for c in chapters))
        for t in times:
            known = [t["chapters"][c] for c in chapters if c in t["chapters"]]
            if len(known) == len(chapters):
                lines.append(
                    f"- Time to run them all in the *{t['profile']}* profile: "
                    f"{duration(sum(known))} ({t['source']}: {_machine(t)})"
                )
        if any(exercises_of.get(c) for c in chapters):
            lines.append("- Exercises:")
            for c in chapters:
                asked = [f"{{ref}}`{title} <{lab}>`" for title, lab in exercises_of.get(c, [])]
                if asked:
                    lines.append(f"  - {{doc}}`executed/{c}`: " + "; ".join(asked))
        lines.append("")
    return "\n".join(lines)


def _parse(directive: SphinxDirective, text: str) -> list[nodes.Node]:
    container = nodes.container()
    directive.state.nested_parse(StringList(text.splitlines()), directive.content_offset, container)
    return container.children


def _root(directive: SphinxDirective) -> Path:
    return Path(directive.env.srcdir)


class ChapterGoals(SphinxDirective):
    """``{chapter-goals}``: the chapter's learning goals, prerequisites and times."""

    def run(self) -> list[nodes.Node]:
        root = _root(self)
        course = load_course(root / COURSE_FILE)
        chapter = Path(self.env.docname).name
        entry = (course.get("chapters") or {}).get(chapter)
        if entry is None:
            raise self.error(f"{COURSE_FILE} has no entry for chapter {chapter!r}")
        path = Path(self.env.doc2path(self.env.docname))
        for dep in (root / COURSE_FILE, *time_sources(root)):
            self.env.note_dependency(str(dep))
        n_words = words(_json(path)) if path.suffix == ".ipynb" else 0
        return _parse(self, goals_markdown(chapter, entry, n_words, build_times(root)))


class CoursePlan(SphinxDirective):
    """``{course-plan}``: the sessions of a course built from the chapters."""

    def run(self) -> list[nodes.Node]:
        root = _root(self)
        course = load_course(root / COURSE_FILE)
        found = {}
        for path in sorted((root / EXECUTED).glob("[0-9]*.ipynb")):
            if not path.name.endswith(".failed.ipynb"):
                found[path.stem] = exercises(_json(path))
                self.env.note_dependency(str(path))
        for dep in (root / COURSE_FILE, *time_sources(root)):
            self.env.note_dependency(str(dep))
        return _parse(self, plan_markdown(course, build_times(root), found))


def setup(app) -> dict[str, Any]:
    app.add_directive("chapter-goals", ChapterGoals)
    app.add_directive("course-plan", CoursePlan)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
