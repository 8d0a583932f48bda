"""`make verify` (scripts/verify_build.py): glued values against a committed reference."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def vb(scripts):
    return scripts("verify_build")


@pytest.fixture(scope="module")
def glued(fabricate):
    return fabricate.glued_notebook


BASE = {
    "err_top": "19.444444444444446",
    "err_mark": "'within noise'",
    "err_reason": "'error top − bottom [+5.5, +30.6] points (95%)'",
    "err_figure": "'<Figure size 682x550 with 2 Axes>'",
    "err_claims": "'NOT reproduced: class level'",
}


def _reference(vb, glued, tmp_path, values=BASE, spread=None):
    glued(tmp_path / "ref" / "03_err.ipynb", values)
    glued(tmp_path / "ref" / "90_performance.ipynb", {"perf_ratio": "0.97"})
    builds = []
    if spread is not None:
        glued(tmp_path / "spread" / "03_err.ipynb", spread)
        glued(tmp_path / "spread" / "90_performance.ipynb", {"perf_ratio": "1.3"})
        builds = [tmp_path / "spread"]
    return vb.make_reference(tmp_path / "ref", "smoke", builds)


def _check(vb, glued, tmp_path, ref, changes, perf="0.97"):
    glued(tmp_path / "new" / "03_err.ipynb", {**BASE, **changes})
    glued(tmp_path / "new" / "90_performance.ipynb", {"perf_ratio": perf})
    return vb.compare(ref, tmp_path / "new")


def test_an_unchanged_build_passes(vb, glued, tmp_path):
    ref = _reference(vb, glued, tmp_path)
    rows, failures = _check(vb, glued, tmp_path, ref, {})
    assert rows == [] and failures == 0


def test_a_planted_change_beyond_tolerance_fails_and_one_within_passes(vb, glued, tmp_path):
    ref = _reference(vb, glued, tmp_path)
    tol = ref["values"]["03_err::err_top"]["tolerance"][0]
    assert tol == pytest.approx(vb.RTOL * 19.444444444444446)
    rows, failures = _check(
        vb, glued, tmp_path, ref, {"err_top": str(19.444444444444446 + tol / 2)}
    )
    assert failures == 0 and [r[0] for r in rows] == ["within"]
    rows, failures = _check(vb, glued, tmp_path, ref, {"err_top": "19.5"})
    assert failures == 1 and rows[0][:2] == ("drift", "03_err::err_top")
    assert "drift" in vb.table(rows) and "19.5" in vb.table(rows)


def test_a_changed_verdict_fails(vb, glued, tmp_path):
    ref = _reference(vb, glued, tmp_path)
    rows, failures = _check(vb, glued, tmp_path, ref, {"err_mark": "'fails'"})
    assert failures == 1 and rows[0][0] == "drift" and rows[0][3] == "'fails'"
    rows, failures = _check(vb, glued, tmp_path, ref, {"err_claims": "'reproduced: class level'"})
    assert failures == 1


def test_an_interval_may_move_by_half_its_width(vb, glued, tmp_path):
    ref = _reference(vb, glued, tmp_path)
    entry = ref["values"]["03_err::err_reason"]
    half = (30.6 - 5.5) / 2
    assert entry["tolerance"][:2] == [pytest.approx(half), pytest.approx(half)]
    moved = "'error top − bottom [+9.5, +34.6] points (95%)'"  # both ends by 4 points
    assert _check(vb, glued, tmp_path, ref, {"err_reason": moved})[1] == 0
    far = "'error top − bottom [+19.5, +44.6] points (95%)'"  # by 14 > 12.55
    assert _check(vb, glued, tmp_path, ref, {"err_reason": far})[1] == 1


def test_spread_widens_tolerances_and_names_sensitive_values(vb, glued, tmp_path):
    spread = {**BASE, "err_top": "19.6", "err_mark": "'fails'"}
    ref = _reference(vb, glued, tmp_path, spread=spread)
    top = ref["values"]["03_err::err_top"]
    assert top["spread"] == [pytest.approx(19.6 - 19.444444444444446)]
    assert top["tolerance"][0] == pytest.approx(vb.SPREAD_FACTOR * top["spread"][0])
    assert ref["values"]["03_err::err_mark"]["sensitive"].startswith("text moved")
    rows, failures = _check(vb, glued, tmp_path, ref, {"err_top": "19.9", "err_mark": "'fails'"})
    assert failures == 0 and {r[0] for r in rows} == {"within", "sensitive"}


def test_timings_and_figures_never_fail_and_keys_must_match(vb, glued, tmp_path):
    ref = _reference(vb, glued, tmp_path)
    assert ref["values"]["90_performance::perf_ratio"]["kind"] == "timing"
    assert ref["values"]["03_err::err_figure"]["kind"] == "figure"
    rows, failures = _check(
        vb, glued, tmp_path, ref, {"err_figure": "'<Figure size 1x1 with 1 Axes>'"}, perf="3.0"
    )
    assert failures == 0 and [r[0] for r in rows] == ["timing"]
    values = dict(BASE)
    del values["err_top"]
    glued(tmp_path / "new" / "03_err.ipynb", {**values, "err_extra": "1"})
    rows, failures = vb.compare(ref, tmp_path / "new")
    assert failures == 2 and {r[0] for r in rows} == {"missing", "new", "timing"}


def test_check_reads_the_reference_of_its_profile(vb, glued, tmp_path, capsys):
    ref = _reference(vb, glued, tmp_path)
    path = tmp_path / "smoke.json"
    path.write_text(json.dumps(ref))
    argv = ["check", "--profile", "smoke", "--reference", str(path), str(tmp_path / "ref")]
    assert vb.main(argv) == 0
    assert vb.main([*argv[:2], "default", *argv[3:]]) == 2
    assert "a reference of profile 'smoke'" in capsys.readouterr().err
    (tmp_path / "ref" / "build_record.json").write_text(json.dumps({"profile": "default"}))
    assert vb.main(argv) == 2  # a build of another profile is not compared
    assert "was built with profile 'default', not 'smoke'" in capsys.readouterr().err
    (tmp_path / "ref" / "build_record.json").unlink()
    glued(tmp_path / "bad" / "03_err.ipynb", {**BASE, "err_mark": "'holds'"})
    glued(tmp_path / "bad" / "90_performance.ipynb", {"perf_ratio": "0.97"})
    assert vb.main([*argv[:-1], str(tmp_path / "bad")]) == 1
    assert "'holds'" in capsys.readouterr().out


def test_the_committed_references_are_of_their_profiles(vb):
    paths = sorted((ROOT / "reference").glob("*.json"))
    assert ROOT / "reference" / "smoke.json" in paths  # CI checks the smoke build against it
    for path in paths:
        ref = json.loads(path.read_text())
        assert ref["profile"] == path.stem and ref["values"], path
        for name, entry in ref["values"].items():
            _, numbers, _ = vb.split_value(entry["text"])
            assert len(entry["tolerance"]) == len(numbers), name


@pytest.mark.slow
def test_the_smoke_build_matches_its_reference(vb, smoke_book, capsys):
    """`make verify` on the smoke profile's build: CI fails when a published number moves."""
    ref = json.loads((ROOT / "reference" / "smoke.json").read_text())
    rows, failures = vb.compare(ref, smoke_book / "book" / "executed")
    print(vb.table(rows))
    assert failures == 0, vb.table([r for r in rows if r[0] in ("drift", "missing", "new")])


def test_an_estimate_before_its_interval_may_move_by_half_its_width(vb):
    _, numbers, half = vb.split_value("'AUROC 0.62 [0.55, 0.69] (95%)'")
    assert numbers == [0.62, 0.55, 0.69, 95.0]
    assert half == [pytest.approx(0.07)] * 3 + [None]
    _, _, half = vb.split_value("'n = 40; r in [-0.80, +0.36]'")
    assert half[0] is None  # a number not followed by its interval


def test_a_large_spread_makes_a_value_sensitive_and_another_profile_borrows_it(vb, glued, tmp_path):
    spread = {**BASE, "err_top": "25.0"}  # moved by more than SENSITIVE_SPREAD
    ref = _reference(vb, glued, tmp_path, spread=spread)
    assert ref["values"]["03_err::err_top"]["sensitive"].startswith("number 0 moved by more")
    # a profile built once borrows the relative spread of the same key
    glued(
        tmp_path / "default" / "03_err.ipynb",
        {**BASE, "err_mark": "'fails'", "err_top": "38.888888888888886"},
    )
    glued(tmp_path / "default" / "90_performance.ipynb", {"perf_ratio": "1.0"})
    small = _reference(vb, glued, tmp_path / "s", spread={**BASE, "err_top": "19.5"})
    big = vb.make_reference(tmp_path / "default", "default", [], like=small)
    rel = small["values"]["03_err::err_top"]["spread"][0] / 19.444444444444446
    assert big["values"]["03_err::err_top"]["spread"][0] == pytest.approx(rel * 38.888888888888886)
    assert big["values"]["03_err::err_mark"]["sensitive"] is None


def test_a_number_shown_rounded_may_move_within_its_last_shown_digit(vb, glued, tmp_path):
    """48.9653 and 48.9587 both read "49.0": a drift the page does not show is not a change."""
    ref = _reference(vb, glued, tmp_path)
    glued(tmp_path / "new" / "03_err.ipynb", {**BASE, "err_top": "19.47"})
    glued(tmp_path / "new" / "90_performance.ipynb", {"perf_ratio": "0.97"})
    new = tmp_path / "new"
    assert vb.compare(ref, new, shown={})[1] == 1  # shown nowhere: the reference's own rtol
    assert vb.compare(ref, new, shown={"03_err::err_top": [".1f"]})[1] == 0  # |0.026| < 0.05
    assert vb.compare(ref, new, shown={"03_err::err_top": [".2f"]})[1] == 1  # > 0.005
    # the finest place it is shown decides; a place that shows every digit keeps rtol
    assert vb.compare(ref, new, shown={"03_err::err_top": [".1f", ".2f"]})[1] == 1
    assert vb.compare(ref, new, shown={"03_err::err_top": [".1f", None]})[1] == 1
    glued(new / "03_err.ipynb", {**BASE, "err_top": "19.6"})  # beyond half a shown digit
    assert vb.compare(ref, new, shown={"03_err::err_top": [".1f"]})[1] == 1
    # a verdict shown as text is compared exactly whatever the format
    glued(new / "03_err.ipynb", {**BASE, "err_mark": "'fails'"})
    assert vb.compare(ref, new, shown={"03_err::err_mark": [".1f"]})[1] == 1


def test_shown_steps_read_the_formats_of_the_pages(vb, tmp_path):
    (tmp_path / "nb").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "nb" / "06_ood.py").write_text(
        "# AUROC {glue:text}`auroc:.1f`%, rate {glue:text}`rate:.0%`, n {glue:text}`n:d`\n"
        "# gain {glue:text}`gain:+.2f`, whole {glue}`whole` and {glue:text}`raw`\n"
        "# ```{glue} table\n"
    )
    (tmp_path / "book" / "intro.md").write_text(
        "See {glue:text}`executed/06_ood.ipynb::auroc:.2f` and "
        "{glue:text}`executed/06_ood.ipynb::big:.3g`."
    )
    shown = vb.shown_formats((tmp_path / "nb", tmp_path / "book"))
    assert shown["06_ood::auroc"] == [".1f", ".2f"]
    assert shown["06_ood::whole"] == [None] and shown["06_ood::raw"] == [None]
    assert shown["06_ood::table"] == [None]
    assert vb.shown_step(shown["06_ood::auroc"], 48.96) == pytest.approx(0.005)
    assert vb.shown_step(shown["06_ood::rate"], 0.25) == pytest.approx(0.005)
    assert vb.shown_step(shown["06_ood::n"], 12) == 0.5
    assert vb.shown_step(shown["06_ood::gain"], -1.234) == pytest.approx(0.005)
    assert vb.shown_step(shown["06_ood::big"], 12345.0) == pytest.approx(50.0)
    assert vb.shown_step(shown["06_ood::whole"], 1.0) == 0.0
    assert vb.shown_step(None, 1.0) == 0.0
    assert vb.shown_step([".1f"], float("nan")) == 0.0


def test_the_pages_formats_include_the_exercises_and_whole_roles(vb, tmp_path):
    shown = vb.shown_formats()  # this checkout: chapters, their exercises, the book's pages
    assert shown["03_error_by_vog::ex03_width_ratio"] == [".2f"]
    assert shown["06_ood_mnist_c::oodc_vog_auroc"] == [".1f", ".1f"]
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "03_x.py").write_text("# {glue:}`whole` and {glue:text}`whole:.1f`\n")
    assert vb.shown_formats((tmp_path / "nb",))["03_x::whole"] == [None, ".1f"]
    assert vb.shown_step([None, ".1f"], 1.0) == 0.0  # shown whole somewhere: every digit counts
