"""The course around the book: exercises with hidden solutions, the student edition, the
chapters' opening boxes and the course plan (scripts/chapter_notebook.py, book/_ext/course.py)."""

import importlib.util
import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
META = (
    '{{"grade": false, "grade_id": "{id}", "locked": false, "schema_version": 3, "solution": true}}'
)


@pytest.fixture(scope="module")
def cn(scripts):
    return scripts("chapter_notebook")


@pytest.fixture(scope="module")
def course():
    spec = importlib.util.spec_from_file_location("course", ROOT / "book" / "_ext" / "course.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _exercise(label="ex-03-demo", answer="The answer is {glue:text}`ex03_demo`.", marked=True):
    code_meta = f" nbgrader={META.format(id=label + '-code')}" if marked else ""
    return f"""# %% [markdown]
# ```{{exercise}} A demo
# :label: {label}
#
# What is 6 times 7?
# ```

# %% tags=["hide-cell"]{code_meta}
### BEGIN SOLUTION
secret_product = 6 * 7
glue("ex03_demo", secret_product, display=False)
### END SOLUTION

# %% [markdown] nbgrader={META.format(id=label + "-answer")}
# % BEGIN SOLUTION
# ````{{solution}} {label}
# :class: dropdown
#
# {answer}
# ````
# % END SOLUTION
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


CHAPTER = """# %% [markdown]
# # A chapter

# %% tags=["parameters"]
profile = "default"

# %%
from myst_nb import glue
print("chapter body")
"""


def test_a_chapter_gets_its_exercises_appended(cn, tmp_path):
    src = _write(tmp_path / "nb" / "03_demo.py", CHAPTER)
    assert len(cn.read_chapter(src, tmp_path / "ex").cells) == 3  # no exercises: as it is
    _write(tmp_path / "ex" / "03_demo.py", _exercise())
    nb = cn.read_chapter(src, tmp_path / "ex")
    assert len(nb.cells) == 6 and cn.exercise_labels(nb) == ["ex-03-demo"]
    assert "secret_product" in nb.cells[4].source


def test_the_student_edition_keeps_the_exercise_and_drops_the_solution(cn, tmp_path):
    src = _write(tmp_path / "nb" / "03_demo.py", CHAPTER)
    _write(tmp_path / "ex" / "03_demo.py", _exercise())
    nb = cn.read_chapter(src, tmp_path / "ex")
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="chapter body\n")]
    student = cn.student_notebook(nb)
    text = json.dumps(student)
    assert "secret_product" not in text and "The answer is" not in text
    assert "{solution}" not in text and "BEGIN SOLUTION" not in text
    assert "What is 6 times 7?" in text and 'print(\\"chapter body\\")' in text
    assert [c.source for c in student.cells[-2:]] == [cn.CODE_STUB, cn.TEXT_STUB]
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    assert "secret_product" in nb.cells[4].source  # the chapter itself is left alone
    compile(cn.CODE_STUB, "stub", "exec")  # the stub is a comment: the edition still runs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("ex-03-demo", "ex-04-demo"), "start ex-03-"),
        (lambda t: t.replace(":label: ex-03-demo\n", ""), "no {exercise}"),
        (
            lambda t: t.replace(' nbgrader={"grade": false, "grade_id": "ex-03-demo-code"', " x={"),
            "needs both",
        ),
        (lambda t: t.replace("### END SOLUTION", "### END"), "needs both"),
        (lambda t: t.replace('tags=["hide-cell"]', 'tags=["hide-input"]'), "hide-cell"),
        (lambda t: t.replace(":class: dropdown", ":class: note"), "dropdown"),
        (lambda t: t + _exercise().split("# %% [markdown] nbgrader")[0], "unique"),
    ],
)
def test_an_exercise_out_of_format_is_refused_naming_its_file(cn, tmp_path, change, message):
    src = _write(tmp_path / "nb" / "03_demo.py", CHAPTER)
    bad = _write(tmp_path / "ex" / "03_demo.py", change(_exercise()))
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        cn.read_chapter(src, tmp_path / "ex")
    assert str(bad) in str(err.value)


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_has_two_to_four_exercises_with_hidden_solutions(cn, src):
    path = cn.exercises_of(src)
    assert path.is_file(), f"{src.stem} has no exercises ({path})"
    nb = cn.read_chapter(src)  # checks the format
    labels = cn.exercise_labels(nb)
    assert 2 <= len(labels) <= 4, labels
    keys = re.findall(r'glue\(\s*"([^"]+)"', path.read_text())
    number = src.stem.split("_", 1)[0]
    assert keys and all(k.startswith(f"ex{number}_") for k in keys), keys
    # every result of an answer is computed: a glued value, never a typed decimal outside one
    for cell in jupytext.read(path).cells:
        if "{solution}" in cell.source:
            body = cell.source.split(":class: dropdown", 1)[1].split("\n````", 1)[0]
            body = re.sub(r"\{[a-z:]+\}`[^`]+`|\$[^$]+\$|`[^`]+`", "", body)
            body = re.sub(r"\b(Sec|Fig|Eq|Table)s?\.? \d+(\.\d+)*", "", body)  # the paper's parts
            assert not re.search(r"\d\.\d", body), f"a typed number in {path.name}: {body!r}"
    # the student edition holds none of it
    student = json.dumps(cn.student_notebook(nb))
    assert "{solution}" not in student and "BEGIN SOLUTION" not in student
    assert not any(f'"{k}"' in student or f"`{k}" in student for k in keys)


def test_no_chapter_keeps_a_try_it_yourself_list():
    for src in NOTEBOOKS:
        assert "## Try it yourself" not in src.read_text(), src.name


# ---- the opening boxes and the course plan ----


def test_the_course_file_covers_every_chapter_with_real_links(course):
    data = course.load_course(ROOT / course.COURSE_FILE)
    assert set(data["chapters"]) == {p.stem for p in NOTEBOOKS}
    glossary = (ROOT / "book" / "teaching.md").read_text().split("```{glossary}", 1)[1]
    terms = set(re.findall(r"^(\S[^\n]*)$", glossary.split("\n```", 1)[0], re.M))
    for name, entry in data["chapters"].items():
        for pre in entry.get("prerequisites") or []:
            if "doc" in pre:
                assert pre["doc"] in data["chapters"] and pre["doc"] != name, (name, pre)
            else:
                assert pre["term"] in terms, (name, pre["term"], sorted(terms))
    for session in data["sessions"]:
        assert set(session["chapters"]) <= set(data["chapters"])
    for src in NOTEBOOKS:
        assert "```{chapter-goals}" in src.read_text(), src.name


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("chapters:\n  01_x:\n    learn: [one]\n", "1 goals"),
        (
            "chapters:\n  01_x:\n    learn: [a, b]\n"
            "    prerequisites: [{doc: 02_y, need: maybe}]\n",
            "'maybe'",
        ),
        (
            "chapters:\n  01_x:\n    learn: [a, b]\n    prerequisites: [{need: helpful}]\n",
            "a doc or a term",
        ),
        ("chapters: [unclosed\n", "not a readable course file"),
    ],
)
def test_a_bad_course_file_is_refused_in_one_line(course, tmp_path, text, message):
    path = _write(tmp_path / "course.yml", text)
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        course.load_course(path)
    assert str(path) in str(err.value)


def test_words_counts_the_prose_a_reader_reads(course):
    nb = {
        "cells": [
            {
                "cell_type": "markdown",
                "source": ["# A title\n", "It's two-sided, see {doc}`07_x`."],
            },
            {"cell_type": "code", "source": "not read at all"},
        ]
    }
    assert course.words(nb) == 6  # A title It's two-sided see x (the role counts as one)


def test_durations_read_as_people_say_them(course):
    assert course.duration(42.4) == "42 s"
    assert course.duration(150) == "2 min" and course.duration(3725) == "1 h 02 min"


def test_run_times_come_from_this_build_and_the_references(course, tmp_path):
    assert course.build_times(tmp_path) == []
    record = {
        "profile": "smoke",
        "chapters": {"03_error_by_vog": 12.3},
        "date": "2026-12-08T01:00:00+00:00",
        "machine": {"cpu": "AMD EPYC", "cores": 2},
    }
    _write(tmp_path / course.RECORD_FILE, json.dumps(record))
    ref = {
        "profile": "default",
        "build": {"chapters": {"03_error_by_vog": 95.0}, "date": "2026-12-07", "cpu": "Xeon"},
    }
    _write(tmp_path / "reference" / "default.json", json.dumps(ref))
    _write(tmp_path / "reference" / "smoke.json", json.dumps({**ref, "profile": "smoke"}))
    times = course.build_times(tmp_path)
    assert [t["profile"] for t in times] == ["smoke", "default"]  # this build's smoke wins
    text = course.run_time_text("03_error_by_vog", times)
    assert text.startswith(
        "12 s in the *smoke* profile (this build: 2 cores, AMD EPYC, 2026-12-08)"
    )
    assert "2 min in the *default* profile (the reference build reference/default.json" in text
    assert "not yet recorded" in course.run_time_text("99_unknown", times)


def test_the_box_and_the_plan_link_what_they_name(course):
    entry = {
        "learn": ["one thing", "another"],
        "prerequisites": [
            {"doc": "02_training", "need": "necessary", "why": "its run"},
            {"term": "AUROC", "need": "helpful"},
        ],
    }
    times = [{"profile": "smoke", "chapters": {"03_x": 30.0, "04_y": 70.0}, "source": "this build"}]
    box = course.goals_markdown("03_x", entry, 1000, times)
    assert box.startswith(":::{admonition} Before you start") and box.endswith(":::")
    assert "- one thing" in box and "- *necessary*: {doc}`02_training`: its run" in box
    assert (
        "{term}`AUROC`" in box
        and "about 5 min (1,000 words" in box
        and "30 s in the *smoke*" in box
    )
    plan = course.plan_markdown(
        {"sessions": [{"title": "S", "minutes": 90, "aim": "Aim.", "chapters": ["03_x", "04_y"]}]},
        times,
        {"03_x": [("A demo", "ex-03-demo")]},
    )
    assert "**Session 1: S** (90 minutes)" in plan and "{doc}`executed/03_x`" in plan
    assert "Time to run them all in the *smoke* profile: 2 min" in plan
    assert "  - {doc}`executed/03_x`: {ref}`A demo <ex-03-demo>`" in plan
    nb = {
        "cells": [{"cell_type": "markdown", "source": "```{exercise} A demo\n:label: ex-03-demo\n"}]
    }
    assert course.exercises(nb) == [("A demo", "ex-03-demo")]


def test_a_chapter_elsewhere_runs_with_its_own_exercises(notebook_runner, tmp_path):
    """`run_notebooks.py --notebooks DIR`: DIR/exercises, not the repository's, is appended."""
    src = _write(tmp_path / "nb" / "03_demo.py", CHAPTER)
    _write(tmp_path / "nb" / "exercises" / "03_demo.py", _exercise())
    out = notebook_runner.run_notebook(src, tmp_path / "out", "smoke", {}, cwd=tmp_path)
    nb = nbformat.read(out, as_version=4)
    glued = [o for c in nb.cells for o in c.get("outputs", []) if "ex03_demo" in json.dumps(o)]
    assert glued and any("secret_product" in c.source for c in nb.cells)


def test_a_session_without_its_parts_and_a_broken_record_are_refused(course, tmp_path):
    path = _write(tmp_path / "course.yml", "sessions:\n  - {title: S, chapters: [01_x]}\n")
    with pytest.raises(ValueError, match=r"session 1 lacks \['minutes', 'aim'\]"):
        course.load_course(path)
    bad = _write(tmp_path / course.RECORD_FILE, "{not json")
    with pytest.raises(ValueError, match="not a readable JSON file") as err:
        course.build_times(tmp_path)
    assert str(bad) in str(err.value)
