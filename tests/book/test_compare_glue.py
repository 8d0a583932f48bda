"""scripts/compare_glue.py: the check that a change left the book's glued numbers unchanged."""

import pytest


@pytest.fixture(scope="module")
def cg(scripts):
    return scripts("compare_glue")


def test_equal_builds_pass_and_every_kind_of_difference_is_named(cg, fabricate, tmp_path):
    before, after = tmp_path / "a", tmp_path / "b"
    before.mkdir(), after.mkdir()
    fabricate.glued_notebook(
        before / "01_x.ipynb", {"n": "3", "p": "'12.5%'", "t": "'holds'", "gone": "1"}
    )
    fabricate.glued_notebook(
        after / "01_x.ipynb", {"n": "3.0000000001", "p": "'12.5%'", "t": "'holds'"}
    )
    fabricate.glued_notebook(before / "02_y.ipynb", {"v": "0.25"})
    fabricate.glued_notebook(after / "02_y.ipynb", {"v": "0.26", "new": "'x'"})
    fabricate.glued_notebook(after / "03_z.ipynb", {})
    lines = cg.compare(before, after, 1e-6)
    assert "03_z: only in after" in lines
    assert "01_x::gone: only in before" in lines
    assert "02_y::new: only in after" in lines
    assert "02_y::v: '0.25' -> '0.26'" in lines
    assert not any("01_x::n" in line or "01_x::p" in line for line in lines)  # within rtol
    assert lines[-1] == "compared 4 glued values in 2 chapters"
    assert cg.main([str(before), str(after)]) == 1
    assert cg.main([str(before), str(before)]) == 0


def test_numbers_compare_within_tolerance_and_text_exactly(cg):
    assert cg.same("0.1", "0.1000001", 1e-5) and not cg.same("0.1", "0.11", 1e-5)
    assert cg.same("'5.8%'", "5.8", 1e-9)  # a percentage and the number
    assert not cg.same("'holds'", "'fails'", 1e-3)
    assert cg.same("nan", "nan", 1e-9)
    assert cg.as_number("True") is None and cg.as_number("'abc'") is None
