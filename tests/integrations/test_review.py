"""The audit review page and `vog apply`: decisions read, checked and written to new files."""

import json

import numpy as np
import pytest
import torch

import vog
from vog.analysis.review import apply_decisions, scores_fingerprint, write_indices, write_labels


def _result(n=30, c=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % c
    raw = torch.rand(n, generator=g, dtype=torch.float64)
    preds = torch.where(torch.rand(n, generator=g) < 0.7, labels, (labels + 1) % c)
    return vog.VoGResult.from_raw(raw, labels, preds, labels)


def _csv(path, rows, header="index,decision,label,new_label,prediction,vog_normalized"):
    path.write_text(header + "\n" + "".join(r + "\n" for r in rows))
    return path


def test_decisions_applied_to_new_labels_and_index_lists(tmp_path):
    res = _result()
    y = res.labels
    rows = [f"3,relabel,{int(y[3])},2,,", f"5,remove,{int(y[5])},,,", f"7,ood,{int(y[7])},,,"]
    rows.append(f"9,keep,{int(y[9])},,,")
    applied = apply_decisions(_csv(tmp_path / "d.csv", rows), res)
    want = y.numpy().copy()
    want[3] = 2
    np.testing.assert_array_equal(applied.labels, want)
    np.testing.assert_array_equal(applied.original, y.numpy())
    assert applied.select("dropped").tolist() == [5, 7]
    assert len(applied.select("retained")) == 28 and len(applied.select("undecided")) == 26

    labels_csv = write_labels(applied, tmp_path / "out.csv")
    import pandas as pd

    frame = pd.read_csv(labels_csv, keep_default_na=False)
    assert list(frame.columns) == ["index", "label", "original_label", "decision", "retained"]
    assert frame.loc[3, "label"] == 2 and frame.loc[3, "decision"] == "relabel"
    assert frame["retained"].tolist().count(0) == 2
    npy = np.load(write_labels(applied, tmp_path / "out.npy"))
    assert npy[3] == 2 and npy[5] == npy[7] == -1 and npy[0] == y[0]
    txt = write_indices(applied, ["remove", "ood"], tmp_path / "drop.txt").read_text()
    assert txt == "5\n7\n"
    assert json.loads(write_indices(applied, ["relabel"], tmp_path / "r.json").read_text()) == [3]


@pytest.mark.parametrize(
    "rows, match",
    [
        (["3,delete,0,,,"], r"d.csv: decision 1: unknown decision 'delete'; valid: keep, relabel"),
        (["99,keep,,,,"], r"d.csv: decision 1: index 99 is outside the 30 scored examples"),
        (["3,relabel,0,,,"], r"d.csv: decision 1: new_label is missing"),
        (["3,relabel,0,7,,"], r"d.csv: decision 1: new_label 7 is not a class in \[0, 3\)"),
        (["3,keep,0,,,", "3,remove,0,,,"], r"d.csv: decision 2: example 3 is decided twice"),
        (["4,keep,0,,,"], r"d.csv: decision 1: example 4 has label 1 in the scores, the review"),
        (["x,keep,,,,"], r"d.csv: decision 1: index must be an integer, got 'x'"),
    ],
)
def test_bad_decisions_are_refused_naming_the_file_and_row(tmp_path, rows, match):
    with pytest.raises(ValueError, match=match):
        apply_decisions(_csv(tmp_path / "d.csv", rows), _result())


def test_bad_files_are_refused_naming_the_file(tmp_path):
    res = _result()
    with pytest.raises(ValueError, match=r"e.csv: lacks the columns \['decision'\]"):
        apply_decisions(_csv(tmp_path / "e.csv", ["1"], header="index"), res)
    (tmp_path / "e.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"e.json: not valid JSON"):
        apply_decisions(tmp_path / "e.json", res)
    other = {"format": "vog-review", "scores_sha256": "0" * 64, "decisions": []}
    (tmp_path / "o.json").write_text(json.dumps(other))
    with pytest.raises(ValueError, match=r"o.json: this review was made on other scores"):
        apply_decisions(tmp_path / "o.json", res)
    mine = {**other, "scores_sha256": scores_fingerprint(res)}
    mine["decisions"] = [{"index": 2, "decision": "remove", "label": int(res.labels[2])}]
    (tmp_path / "m.json").write_text(json.dumps(mine))
    assert apply_decisions(tmp_path / "m.json", res).select("remove").tolist() == [2]
    with pytest.raises(FileNotFoundError, match="nope.csv: decisions file not found"):
        apply_decisions(tmp_path / "nope.csv", res)


class _Proc:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def _vog(capsys):
    """``vog ARGS`` run in this process (as `python -m vog` runs it): status, stdout, stderr."""

    def run(*args, cwd=None):
        capsys.readouterr()
        status = vog.cli.main([str(a) for a in args])
        out = capsys.readouterr()
        return _Proc(status, out.out, out.err)

    return run


def test_cli_apply_writes_a_new_file_and_never_the_inputs(tmp_path, _vog):
    res = _result()
    scores = vog.write_scores(res, tmp_path / "scores.csv")
    before = scores.read_bytes()
    dec = _csv(tmp_path / "d.csv", [f"3,relabel,{int(res.labels[3])},2,,", "5,remove,,,,"])
    proc = _vog("apply", dec, "--scores", scores, "--out", tmp_path / "new.csv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 relabelled, 1 removed" in proc.stdout
    assert scores.read_bytes() == before
    proc = _vog("apply", dec, "--scores", scores, "--out", tmp_path / "new.csv", cwd=tmp_path)
    assert proc.returncode == 2 and "new.csv: exists" in proc.stderr
    proc = _vog("apply", dec, "--scores", scores, "--out", scores, "--force", cwd=tmp_path)
    assert proc.returncode == 2 and "--out is the scores file" in proc.stderr
    assert scores.read_bytes() == before
    proc = _vog(
        "apply", dec, "--scores", scores, "--out", tmp_path / "i.txt", "--indices", "dropped",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0 and (tmp_path / "i.txt").read_text() == "5\n"
    bad = _csv(tmp_path / "bad.csv", ["3,maybe,,,,"])
    proc = _vog("apply", bad, "--scores", scores, "--out", tmp_path / "x.csv", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "bad.csv: decision 1: unknown decision" in proc.stderr
    assert not (tmp_path / "x.csv").exists()


def test_page_holds_the_highest_vog_per_class_as_cards(tmp_path):
    res = _result()
    page = vog.analysis.write_report(
        res, torch.rand(30, 1, 8, 8), tmp_path / "p.html", k=4, class_names=["a", "b", "c"]
    ).read_text()
    for c in range(3):
        members = np.flatnonzero(res.labels.numpy() == c)
        top = members[np.argsort(-res.normalized.numpy()[members])[:4]]
        for i in top:
            assert f"data-index='{i}'" in page
    assert page.count("<article class='card") == 12
    assert scores_fingerprint(res) in page and "http" not in page.replace("http-equiv", "")


def test_page_shows_rows_and_texts(tmp_path):
    res = _result(n=12)
    rows = vog.analysis.write_report(
        res, np.arange(12 * 3).reshape(12, 3) / 7, tmp_path / "r.html", k=2,
        feature_names=["age", "height", "weight"], scores={"AUM": np.arange(12.0)},
    ).read_text()  # fmt: skip
    assert "<td>height</td>" in rows and "AUM" in rows and "<img" not in rows
    texts = vog.analysis.write_report(
        res, [f"<b>text {i}</b>" for i in range(12)], tmp_path / "t.html", k=2
    ).read_text()
    assert "&lt;b&gt;text" in texts and "<b>text" not in texts
    with pytest.raises(ValueError, match="examples must be images \\(N=12, C, H, W\\), rows"):
        vog.analysis.write_report(res, np.zeros((5, 3)), tmp_path / "x.html")
