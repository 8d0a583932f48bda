"""The build's record (vog.experiments.provenance) and how run_notebooks writes it."""

import datetime as dt
import json
import subprocess

import nbformat
import pytest

from vog.experiments import provenance as pv


def test_the_ledger_keeps_one_entry_per_run_in_order(tmp_path, monkeypatch):
    ledger = tmp_path / "runs.jsonl"
    pv.note_run("experiment", "k", "ab" * 32, tmp_path / "x", cached=True)  # unset: nothing
    assert not ledger.exists()
    monkeypatch.setenv(pv.LEDGER_ENV, str(ledger))
    pv.note_run("experiment", "k1", "ab" * 32, tmp_path / "run-a", cached=False)
    pv.note_run("hcat", "k2", "cd" * 32, tmp_path / "run-b", cached=True)
    pv.note_run("experiment", "k1", "ab" * 32, tmp_path / "run-a", cached=True)  # read again
    runs = pv.read_ledger(ledger)
    assert [(r["kind"], r["folder"], r["cached"]) for r in runs] == [
        ("experiment", "run-a", False),  # trained by one chapter: not "from cache"
        ("hcat", "run-b", True),
    ]
    assert runs[0]["data_sha256"] == "ab" * 32
    assert pv.read_ledger(tmp_path / "none.jsonl") == []
    ledger.write_text('{"kind": "x"}\n')
    with pytest.raises(ValueError, match=r"runs.jsonl:1: not a run ledger line"):
        pv.read_ledger(ledger)


def test_git_state_names_the_commit_and_uncommitted_changes(tmp_path):
    assert pv.git_state(tmp_path) == {"commit": None, "dirty": None}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "f").write_text("1")
    subprocess.run([*git, "add", "f"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert pv.git_state(tmp_path) == {"commit": head.strip(), "dirty": False}
    (tmp_path / "untracked").write_text("u")
    assert pv.git_state(tmp_path)["dirty"] is False  # untracked files do not count
    (tmp_path / "f").write_text("2")
    assert pv.git_state(tmp_path)["dirty"] is True


def test_machine_and_versions():
    m = pv.machine()
    assert m["cores"] >= 1 and m["cpu"] and m["kernels"]
    assert set(m["isa"]) <= set(pv.ISA_FLAGS)
    v = pv.versions()
    assert set(v) == {"python", *pv.VERSIONED}
    import torch

    assert v["torch"].split("+")[0] == torch.__version__.split("+")[0]
    assert pv.versions(("no-such-distribution",))["no-such-distribution"] is None


def _record(tmp_path, profile="smoke", chapters=None, runs=()):
    (tmp_path / pv.LOCK_FILE).write_text("lock\n")
    now = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.timezone.utc)
    return pv.build_record(tmp_path, profile, chapters or {"01_a": 12.34}, list(runs), now=now)


def test_the_record_and_its_page(tmp_path):
    run = {
        "kind": "experiment",
        "key": "k",
        "folder": "digits-mlp-1",
        "data_sha256": "e" * 64,
        "cached": False,
    }
    rec = _record(tmp_path, chapters={"01_a": 12.34, "02_b": 100.0}, runs=[run])
    assert rec["date"] == "2026-12-07T12:00:00+00:00" and rec["profile"] == "smoke"
    import hashlib

    assert rec["lock_sha256"] == hashlib.sha256(b"lock\n").hexdigest()
    assert rec["chapters"] == {"01_a": 12.3, "02_b": 100.0}
    page = pv.record_markdown(rec)
    assert page.startswith("# About this build")
    assert f"| lock (`{pv.LOCK_FILE}`) SHA-256 | `{rec['lock_sha256']}` |" in page
    assert page.index("| 02_b | 100 |") < page.index("| 01_a | 12 |")  # longest first
    assert "| **total** | **112** |" in page
    assert "| experiment | `digits-mlp-1` | `" + "e" * 64 + "` | no |" in page
    for name in pv.VERSIONED:
        assert f"| {name} |" in page
    assert pv.footer(rec, "02_b") == (
        "Built from `an unknown commit` with profile `smoke` in 100 s; "
        "see [About this build](about_build.md)."
    )


def test_a_partial_build_merges_into_the_record_of_its_profile(tmp_path):
    old = _record(
        tmp_path,
        chapters={"01_a": 10.0, "02_b": 20.0},
        runs=[
            {"kind": "experiment", "folder": "r1", "key": "r1", "data_sha256": "1", "cached": False}
        ],
    )
    new = _record(
        tmp_path,
        chapters={"02_b": 25.0},
        runs=[
            {"kind": "experiment", "folder": "r2", "key": "r2", "data_sha256": "2", "cached": True}
        ],
    )
    old["commit"], old["chapter_commits"] = "a" * 40, {"01_a": "a" * 40, "02_b": "a" * 40}
    new["commit"], new["chapter_commits"] = "b" * 40, {"02_b": "b" * 40}
    merged = pv.merge_records(old, new)
    assert merged["chapters"] == {"01_a": 10.0, "02_b": 25.0}
    assert merged["chapter_commits"] == {"01_a": "a" * 40, "02_b": "b" * 40}
    assert pv.footer(merged, "01_a").startswith("Built from `aaaaaaaaaa` with profile")
    assert pv.footer(merged, "02_b").startswith("Built from `bbbbbbbbbb` with profile")
    assert "| 01_a | 10 | built from `aaaaaaaaaa`" in pv.record_markdown(merged)
    assert [r["folder"] for r in merged["runs"]] == ["r1", "r2"]
    other = _record(tmp_path, profile="default", chapters={"02_b": 1.0})
    assert pv.merge_records(old, other) is other  # another profile's record is replaced


def test_run_notebooks_writes_the_record_the_page_and_footers(tmp_path, notebook_runner):
    out = tmp_path / "executed"
    out.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A")])
    nbformat.write(nb, str(out / "01_a.ipynb"))
    ledger = notebook_runner.start_ledger(out)
    try:
        pv.note_run("experiment", "k", "f" * 64, tmp_path / "run-1", cached=False)
        rec = notebook_runner.finish_build(out, "smoke", {"01_a": 3.0}, ledger)
        notebook_runner.finish_build(out, "smoke", {"01_a": 4.0}, ledger)  # a second build
    finally:
        ledger.unlink()
        import os

        os.environ.pop(pv.LEDGER_ENV, None)
    assert rec["runs"][0]["folder"] == "run-1"
    saved = json.loads((out / "build_record.json").read_text())
    assert saved["chapters"] == {"01_a": 4.0}
    assert (out / "about_build.md").read_text().startswith("# About this build")
    cells = nbformat.read(str(out / "01_a.ipynb"), as_version=4).cells
    footers = [c for c in cells if "build-footer" in c.metadata.get("tags", [])]
    assert len(footers) == 1 and cells[-1] is footers[0]  # replaced, not added twice
    assert "with profile `smoke` in 4 s" in footers[0].source
