"""A chapter as it runs: its jupytext source, its exercises, and the student edition of both.

Each chapter ``notebooks/<chapter>.py`` may have exercises in
``notebooks/exercises/<chapter>.py`` (jupytext, py:percent), appended to the
chapter when it runs (:func:`read_chapter`): they run in the chapter's kernel,
on the chapter's own results, so a solution costs seconds and stays true when
the chapter changes. An exercise is three cells:

1. a markdown cell with a ``{exercise}`` directive (sphinx-exercise) whose
   ``:label:`` starts with ``ex-<chapter number>-``;
2. a code cell, the solution, tagged ``hide-cell`` (hidden on the page) and
   marked for nbgrader: the code between ``### BEGIN SOLUTION`` and
   ``### END SOLUTION``, cell metadata ``nbgrader.solution`` true; it glues
   its answers (``glue(..., display=False)``);
3. a markdown cell with a ``{solution}`` directive of that label, ``:class:
   dropdown`` (hidden until opened), its text between ``% BEGIN SOLUTION`` and
   ``% END SOLUTION`` (MyST comments: invisible on the page) reading the glued
   answers.

:func:`student_notebook` makes the student edition with nbgrader's
``ClearSolutions``: each solution region becomes ``# YOUR CODE HERE`` (a
comment, so the notebook still runs top to bottom) or ``YOUR ANSWER HERE``;
outputs are cleared. :func:`check_exercises` enforces the format above, so a
solution cannot be left unmarked (and survive into the student edition).
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "notebooks" / "exercises"
CODE_STUB = "# YOUR CODE HERE"
TEXT_STUB = "YOUR ANSWER HERE"
BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"
_EXERCISE = re.compile(r"```\{exercise\}[^\n]*\n:label:\s*(\S+)")
_SOLUTION = re.compile(r"```\{solution\}\s+(\S+)")


def exercises_of(source: Path, folder: Path = EXERCISES) -> Path:
    """Where the exercises of the chapter ``source`` live (the file may not exist)."""
    return folder / source.name


def read_chapter(source: Path, folder: Path = EXERCISES) -> nbformat.NotebookNode:
    """The chapter ``source`` (jupytext) with its exercises appended, if it has any."""
    nb = jupytext.read(source)
    extra = exercises_of(source, folder)
    if extra.is_file():
        ex = jupytext.read(extra)
        check_exercises(ex, extra)
        nb.cells.extend(ex.cells)
    return nb


def exercise_labels(nb: nbformat.NotebookNode) -> list[str]:
    """The labels of the ``{exercise}`` directives of ``nb``, in order."""
    return [m for c in nb.cells if c.cell_type == "markdown" for m in _EXERCISE.findall(c.source)]


def check_exercises(nb: nbformat.NotebookNode, path: Path) -> None:
    """Raise ``ValueError`` (naming ``path``) unless ``nb`` holds exercises in the format above."""
    chapter = path.stem.split("_", 1)[0]
    labels = exercise_labels(nb)
    if not labels:
        raise ValueError(f"{path}: no {{exercise}} directive with a :label:")
    bad = [x for x in labels if not x.startswith(f"ex-{chapter}-")]
    if bad or len(set(labels)) != len(labels):
        raise ValueError(f"{path}: labels must be unique and start ex-{chapter}-: {labels}")
    solved: list[str] = []
    for i, cell in enumerate(nb.cells):
        marked = (cell.metadata.get("nbgrader") or {}).get("solution", False)
        has_region = BEGIN in cell.source and END in cell.source
        where = f"{path}: cell {i + 1}"
        if marked != has_region:
            raise ValueError(
                f"{where}: a solution cell needs both nbgrader metadata solution=true and "
                f"'{BEGIN}' ... '{END}' markers"
            )
        if cell.cell_type == "code" and marked and "hide-cell" not in cell.metadata.get("tags", []):
            raise ValueError(f"{where}: a solution's code cell must be tagged hide-cell")
        for label in _SOLUTION.findall(cell.source):
            if not marked:
                raise ValueError(f"{where}: the solution of {label} is not marked for nbgrader")
            if ":class: dropdown" not in cell.source:
                raise ValueError(f"{where}: the solution of {label} must be a dropdown")
            solved.append(label)
    if sorted(solved) != sorted(labels):
        raise ValueError(f"{path}: exercises {labels} but solutions {solved}")


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student edition of a chapter: nbgrader's ClearSolutions, then no outputs."""
    from nbgrader.preprocessors import ClearOutput, ClearSolutions

    nb = nbformat.from_dict(nb)  # a copy
    nb.metadata.setdefault(
        "kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"}
    )
    nb.metadata.setdefault("language_info", {"name": "python"})
    clear = ClearSolutions(
        code_stub={"python": CODE_STUB}, text_stub=TEXT_STUB, enforce_metadata=True
    )
    nb, _ = clear.preprocess(nb, {})
    nb, _ = ClearOutput().preprocess(nb, {})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb
