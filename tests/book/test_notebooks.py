"""Every notebook runs under papermill (smoke profile) and the book builds with -W."""

import ast
import json
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))

pytestmark = pytest.mark.slow


def test_there_are_notebooks_and_profiles_cover_them(notebook_runner):
    assert NOTEBOOKS
    for profile in ("smoke", "default", "paper"):
        sections = notebook_runner.load_profile(profile)
        assert {p.stem for p in NOTEBOOKS} == set(sections), profile


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_first_and_plain_literals(src, notebook_runner):
    nb = jupytext.read(src)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), (
        "first code cell must be tagged 'parameters'"
    )
    tree = ast.parse(code[0].source)
    names = []
    for node in tree.body:
        assert isinstance(node, ast.Assign), (
            f"only assignments in the parameters cell: {ast.dump(node)}"
        )
        ast.literal_eval(node.value)  # plain literals only
        names.append(node.targets[0].id)
    assert "profile" in names
    # every profile key is a real parameter of its notebook
    for profile in ("smoke", "default", "paper"):
        section = notebook_runner.load_profile(profile)[src.stem] or {}
        assert set(section) <= set(names), (profile, set(section) - set(names))


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_without_errors(smoke_book, src):
    nb = nbformat.read(smoke_book / "book" / "executed" / f"{src.stem}.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    # nothing on stderr: warnings that say nothing to the reader are silenced at their source
    stderr = [
        "".join(o.get("text", ""))
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    ]
    assert not stderr, stderr
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'profile = "smoke"' in injected[0].source


def test_failing_notebook_is_reported(tmp_path, notebook_runner):
    bad = tmp_path / "99_bad.py"
    bad.write_text('# %% tags=["parameters"]\nprofile = "x"\n\n# %%\nraise RuntimeError("boom")\n')
    with pytest.raises(Exception, match="boom|RuntimeError"):
        notebook_runner.run_notebook(bad, tmp_path / "out", "smoke", {})
    assert not (tmp_path / "out" / "99_bad.ipynb").exists()
    assert (tmp_path / "out" / "99_bad.failed.ipynb").exists()


def test_book_builds_with_warnings_as_errors(smoke_html):
    html = smoke_html
    assert (html / "index.html").exists()
    page = (html / "book" / "executed" / "01_toy_gaussian.html").read_text()
    assert "Traceback" not in page
    assert "claim_reproduced = " not in page  # the hidden check cell is removed
    assert "Profile <strong>" in page or "smoke" in page
    images = list((html / "_images").glob("*.png"))
    assert len(images) >= 2 and all(p.stat().st_size > 1000 for p in images)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_samples": "500"}, "parameter 'n_samples' must be int .* got str '500'"),
        ({"lr": True}, "parameter 'lr' must be float"),
        ({"epoch": 15}, "unknown parameter 'epoch'; valid: "),
    ],
)
def test_parameters_of_the_wrong_type_are_refused(tmp_path, notebook_runner, params, match):
    src = ROOT / "notebooks" / "01_toy_gaussian.py"
    with pytest.raises(SystemExit, match=match):
        notebook_runner.run_notebook(src, tmp_path, "smoke", params)
    assert not list(tmp_path.iterdir())  # nothing executed, nothing written


def test_int_is_accepted_for_a_float_parameter(notebook_runner):
    nb = jupytext.read(ROOT / "notebooks" / "01_toy_gaussian.py")
    notebook_runner.check_parameters(nb, {"lr": 1, "profile": "x"}, Path("01_toy_gaussian.py"))


def test_time_table_lists_chapters_longest_first_with_the_total(notebook_runner):
    table = notebook_runner.time_table({"01_toy": 12.4, "08_stability": 300.0, "03": 20.6}, "x")
    lines = table.splitlines()
    assert lines[0] == "chapter times (profile x):"
    assert [line.split()[0] for line in lines[1:]] == ["08_stability", "03", "01_toy", "total"]
    assert lines[-1].split()[-2] == "333"  # 12.4 + 300 + 20.6


def test_a_profile_can_be_a_file_of_its_own(tmp_path, notebook_runner):
    course = tmp_path / "course.yaml"
    course.write_text("_anchor: &r {dataset: digits}\n01_toy_gaussian:\n  n_samples: 100\n")
    assert notebook_runner.load_profile(str(course)) == {"01_toy_gaussian": {"n_samples": 100}}
    with pytest.raises(SystemExit, match="unknown profile 'nosuch'"):
        notebook_runner.load_profile("nosuch")


@pytest.mark.parametrize("src", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_offers_its_launch_links(src):
    nb = jupytext.read(src)
    cells = [c for c in nb.cells if "launch_links" in c.source]
    assert len(cells) == 1 and f'launch_links("{src.stem}")' in cells[0].source
    assert "remove-input" in cells[0].metadata.get("tags", [])


def test_a_failed_build_still_records_the_chapters_that_ran(tmp_path, notebook_runner):
    src = tmp_path / "nb"
    src.mkdir()
    cell = '# %% tags=["parameters"]\nprofile = "x"\n\n# %%\n'
    (src / "01_ok.py").write_text("# %% [markdown]\n# # OK\n\n" + cell + "print(1)\n")
    (src / "02_bad.py").write_text("# %% [markdown]\n# # Bad\n\n" + cell + "1 / 0\n")
    profile = tmp_path / "p.yaml"
    profile.write_text("01_ok: {}\n")
    out = tmp_path / "out"
    argv = ["--profile", str(profile), "--out", str(out), "--notebooks", str(src)]
    with pytest.raises(Exception, match="ZeroDivisionError"):  # papermill names the error
        notebook_runner.main([*argv, "--workdir", str(tmp_path)])
    record = json.loads((out / "build_record.json").read_text())
    assert list(record["chapters"]) == ["01_ok"]
    cells = nbformat.read(out / "01_ok.ipynb", as_version=4).cells
    assert "build-footer" in cells[-1].metadata["tags"]
    assert (out / "02_bad.failed.ipynb").is_file() and not (out / "02_bad.ipynb").exists()
    assert not list(out.glob(".runs-*"))  # the ledger is removed
