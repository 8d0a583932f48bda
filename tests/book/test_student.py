"""`make student` and the course on the pages: student editions run and hold no solution;
every chapter opens with its goals and times and hides its solutions; the course plan."""

import json
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def editions(smoke_book, scripts, tmp_path_factory):
    """The student editions (scripts/make_student.py), executed with papermill in the smoke
    profile in the smoke book's folder (its trained runs are reused, not retrained)."""
    make_student = scripts("make_student")
    out = tmp_path_factory.mktemp("student")
    written = make_student.write_editions([], out)
    make_student.execute(written, "smoke", out / "executed", cwd=smoke_book)
    return out


def _solution_lines(path: Path) -> list[str]:
    """The non-blank lines between the solution markers of a chapter's exercises."""
    lines, inside = [], False
    for line in path.read_text().splitlines():
        if "BEGIN SOLUTION" in line:
            inside = True
        elif "END SOLUTION" in line:
            inside = False
        elif inside and line.strip("# ").strip():
            lines.append(line.lstrip("# ").strip())
    return lines


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_student_edition_runs_and_holds_no_solution(editions, src):
    nb = nbformat.read(editions / f"{src.stem}.ipynb", as_version=4)
    run = nbformat.read(editions / "executed" / f"{src.stem}.ipynb", as_version=4)
    errors = [o for c in run.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    text = "\n".join(c.source for c in nb.cells)
    exercises = ROOT / "notebooks" / "exercises" / src.name
    own = src.read_text()  # lines the chapter itself has may appear (e.g. "display=False,")
    for line in _solution_lines(exercises):
        if len(line) > 12 and not line.startswith(("```", ":class:")) and line not in own:
            assert line not in text, f"solution text survives in {src.stem}: {line!r}"
    keys = re.findall(r'glue\(\s*"([^"]+)"', exercises.read_text())
    assert keys and not any(k in json.dumps(nb) for k in keys)
    assert "{solution}" not in text and "BEGIN SOLUTION" not in text
    # the exercises are kept, each with a place for the student's code and answer
    labels = re.findall(r":label: (ex-\S+)", text)
    assert labels == re.findall(r":label: (ex-\S+)", exercises.read_text())
    stubs = [c.source for c in nb.cells if c.source in ("# YOUR CODE HERE", "YOUR ANSWER HERE")]
    assert len(stubs) == 2 * len(labels)
    # and the chapter itself, before the exercises, is untouched
    chapter = jupytext.read(src)
    assert [c.source for c in nb.cells[: len(chapter.cells)]] == [c.source for c in chapter.cells]


def _page(smoke_html: Path, name: str) -> str:
    return (smoke_html / "book" / "executed" / f"{name}.html").read_text()


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_page_opens_with_goals_and_times_and_hides_its_solutions(smoke_html, src):
    html = _page(smoke_html, src.stem)
    box = html.split("Before you start", 1)[1][:6000]
    assert "You will learn" in box and "Time to read" in box and "Prerequisites" in box
    assert re.search(r"Time to run:</strong> \d+ (s|min) in the <em>smoke</em> profile", box)
    # every exercise has its solution, hidden: a dropdown, its code in a hidden cell
    labels = re.findall(
        r":label: (ex-\S+)", (ROOT / "notebooks" / "exercises" / src.name).read_text()
    )
    for label in labels:
        assert f'id="{label}"' in html, label
    assert html.count("solution dropdown") == len(labels)
    assert html.count("tag_hide-cell") >= len(labels)


def test_the_teaching_page_has_the_course_plan_with_computed_times(smoke_html):
    html = (smoke_html / "book" / "teaching.html").read_text()
    assert (
        html.count("Session ") >= 3 and "Time to run them all in the <em>smoke</em> profile" in html
    )
    assert 'href="#term-AUROC"' in html or "term-AUROC" in html  # the glossary
