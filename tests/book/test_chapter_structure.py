"""Chapters read like a paper: computed findings first, parameters and plotting code folded.

Static checks of the jupytext sources (fast), and of how the runner folds
papermill's injected parameters cell.
"""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
PLOTTING = re.compile(r"plt\.subplots|\.plot\(|\.plot\.|plt\.figure|image_grid\(")
FOLDED = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
#: a chapter gluing a computed dict: ``for key, value in page.items(): glue(key, ...)``
LOOP = re.compile(r"for (\w+), \w+ in [^\n]*:\n\s+glue\(\1\b")


def _tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_findings_come_right_after_the_introduction(src):
    cells = jupytext.read(src).cells
    first_code = next(i for i, c in enumerate(cells) if c.cell_type == "code")
    intro = cells[:first_code]
    assert intro and all(c.cell_type == "markdown" for c in intro)
    assert intro[0].source.startswith("# "), "the chapter opens with its title"
    findings = [c for c in intro if c.source.startswith("## Findings")]
    assert len(findings) == 1, "one '## Findings' block before any code"
    assert intro[-1] is findings[0], "the findings come right before the code"
    text = findings[0].source
    assert "{glue:text}" in text or "{glue:md}" in text, "findings are computed (glued)"


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_findings_keys_are_glued_by_the_chapter(src):
    nb = jupytext.read(src)
    findings = next(c for c in nb.cells if c.source.startswith("## Findings"))
    keys = set(re.findall(r"\{glue:(?:text|md)\}`([^`:]+)", findings.source))
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    glued = set(re.findall(r"glue\(\s*f?[\"']([^\"']+)[\"']", code))
    dynamic = re.findall(r"glue\(\s*f[\"']([^\"'{]*)\{", code)  # glue(f"prefix_{...}")
    patterns: list[str] = []  # f-string keys of the page's dict: out[f"perf_{key}_hits"]
    if LOOP.search(code):  # for key, value in page.items(): glue(key, value, ...)
        # the page's keys: dict literals in the chapter and the benchmarks modules it imports
        sources = [code] + [
            (ROOT / "benchmarks" / f"{name.strip()}.py").read_text()
            for names in re.findall(r"from benchmarks import ([\w, ]+)", code)
            for name in names.split(",")
        ]
        for text in sources:
            glued |= set(re.findall(r"[\"']([a-z]+_[a-z0-9_]+)[\"']\s*:", text))
            glued |= set(re.findall(r"out\[\s*[\"']([a-z0-9_]+)[\"']\s*\]", text))
            for template in re.findall(r"out\[\s*f[\"']([^\"']+)[\"']\s*\]", text):
                patterns.append(re.sub(r"\\\{[^}]*\\\}", r"\\w+", re.escape(template)))
    missing = {
        k
        for k in keys - glued
        if not any(k.startswith(p) for p in dynamic)
        and not any(re.fullmatch(p, k) for p in patterns)
    }
    assert not missing, f"findings use keys no cell glues: {sorted(missing)}"


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_and_plotting_code_are_folded(src):
    nb = jupytext.read(src)
    params = next(c for c in nb.cells if "parameters" in _tags(c))
    assert "hide-cell" in _tags(params)
    unfolded = [
        c.source.splitlines()[0]
        for c in nb.cells
        if c.cell_type == "code" and PLOTTING.search(c.source) and not _tags(c) & FOLDED
    ]
    assert not unfolded, f"plotting cells shown unfolded: {unfolded}"


def test_the_runner_shows_one_folded_parameters_cell(notebook_runner):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters", "hide-cell"]}),
        nbformat.v4.new_code_cell(
            '# Parameters\nx = 2\nprofile = "smoke"\n', metadata={"tags": ["injected-parameters"]}
        ),
        nbformat.v4.new_code_cell("print(x)"),
    ]
    notebook_runner.fold_parameters(nb, Path("07_dynamics.py"), "smoke")
    defaults, injected = nb.cells[1], nb.cells[2]
    assert "remove-cell" in _tags(defaults)  # the defaults leave the page
    assert _tags(injected) == {"injected-parameters", "hide-cell"}  # the values used, folded
    assert injected.source.startswith("# The parameters of this page (profile smoke)")
    assert "notebooks/07_dynamics.py" in injected.source and "x = 2" in injected.source
    notebook_runner.fold_parameters(nb, Path("07_dynamics.py"), "smoke")  # idempotent
    assert injected.source.count("The parameters of this page") == 1
    assert nb.cells[3].metadata.get("tags", []) == []  # other cells untouched


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_chapter_is_a_paper_section_of_at_most_300_lines(src):
    """The designs, loops and tables live in tested package functions; a chapter keeps its
    narrative, parameters, short calls and figures."""
    n = len(src.read_text().splitlines())
    assert n <= 300, f"{src.name} has {n} lines; move its loops and tables into vog"
