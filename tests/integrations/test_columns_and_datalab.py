"""Scores as Hugging Face dataset columns, and VoG as a cleanlab Datalab issue type."""

import contextlib
import io
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import vog

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _result(n=40, c=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % c
    raw = torch.rand(n, generator=g, dtype=torch.float64) * (1 + labels)
    preds = torch.where(torch.rand(n, generator=g) < 0.8, labels, (labels + 1) % c)
    return vog.VoGResult.from_raw(raw, labels, preds, labels)


def test_import_vog_integrations_loads_no_integration_library():
    code = (
        "import sys, vog, vog.integrations; vog.integrations.EpochScores; "
        "libs = ('lightning', 'transformers', 'datasets', 'cleanlab', 'pandas', 'scipy'); "
        "print(sorted(m for m in libs if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# --- datasets columns -------------------------------------------------------------------
datasets = pytest.importorskip("datasets")


def test_scores_become_columns_row_by_row():
    res = _result()
    ds = datasets.Dataset.from_dict({"text": [f"ex {i}" for i in range(40)], "label": res.labels})
    out = res.add_to_dataset(ds)
    assert ds.column_names == ["text", "label"]  # the input is unchanged
    assert out.column_names == [
        "text",
        "label",
        "vog",
        "vog_normalized",
        "vog_prediction",
        "vog_scored_label",
    ]
    np.testing.assert_array_equal(out["vog"], res.raw.numpy())
    np.testing.assert_array_equal(out["vog_prediction"], res.predictions.numpy())
    hardest = out.sort("vog_normalized", reverse=True)[0]
    assert hardest["text"] == f"ex {int(res.normalized.argmax())}"


def test_columns_in_another_order_or_taken_names_are_refused():
    res = _result()
    shuffled = datasets.Dataset.from_dict({"label": res.labels.flip(0)})
    with pytest.raises(ValueError, match="differs from the scores' labels at .* rows"):
        res.add_to_dataset(shuffled)
    ds = datasets.Dataset.from_dict({"label": res.labels, "vog": [0.0] * 40})
    with pytest.raises(ValueError, match=r"already has columns \['vog'\]"):
        res.add_to_dataset(ds)
    assert "dyn_vog" in res.add_to_dataset(ds, prefix="dyn_vog").column_names
    with pytest.raises(ValueError, match="has shape \\(39,\\), the dataset has 40 rows"):
        vog.integrations.columns.add_columns(ds, {"aum": np.zeros(39)})


# --- cleanlab Datalab -------------------------------------------------------------------
@pytest.fixture(scope="module")
def datalab():
    pytest.importorskip("cleanlab")
    from cleanlab import Datalab

    from vog.integrations.datalab import VoGIssueManager  # registers "vog"

    return Datalab, VoGIssueManager


def test_vog_issue_scores_known_answer():
    pytest.importorskip("cleanlab")
    from vog.integrations.datalab import vog_issue_scores

    z = np.array([0.0, 3.0, -1.0, 1.0, 2.0, 1.0, -2.0, 0.5, 0.2, -0.5])
    score, flagged = vog_issue_scores(z, fraction=0.2)
    assert flagged.tolist() == [False, True, False, False, True] + [False] * 5
    # one minus the mid-rank percentile: the highest of 10 gets 1 - 9.5/10
    assert score[1] == pytest.approx(0.05) and score[6] == pytest.approx(0.95)
    # the two 1.0s share ranks 7 and 8 of 10: percentile (7.5 - 0.5) / 10
    assert score[3] == score[5] == pytest.approx(1 - 0.7)
    _, by_threshold = vog_issue_scores(z, threshold=1.0)
    assert by_threshold.tolist() == (z >= 1.0).tolist()
    with pytest.raises(ValueError, match="fraction must be in"):
        vog_issue_scores(z, fraction=0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        vog_issue_scores(np.array([0.0, np.nan]))


def test_datalab_reports_vog_beside_label_issues_and_outliers(datalab):
    Datalab, manager = datalab
    from cleanlab.datalab.internal.issue_manager_factory import REGISTRY
    from cleanlab.datalab.internal.task import Task

    assert REGISTRY[Task.CLASSIFICATION]["vog"] is manager
    res = _result(n=60, c=3)
    g = np.random.default_rng(0)
    features = g.normal(size=(60, 4)) + res.labels.numpy()[:, None]
    probs = np.full((60, 3), 0.1)
    probs[np.arange(60), res.predictions.numpy()] = 0.8
    lab = Datalab(data={"label": res.labels.numpy()}, label_name="label", verbosity=0)
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        lab.find_issues(
            pred_probs=probs,
            features=features,
            issue_types={"label": {}, "outlier": {}, "vog": {"scores": res}},
        )
    assert "Error in" not in printed.getvalue(), printed.getvalue()
    summary = lab.get_issue_summary()
    assert {"label", "outlier", "vog"} <= set(summary["issue_type"])
    issues = lab.get_issues("vog")
    assert int(issues["is_vog_issue"].sum()) == 6  # the top 10% of 60
    top = np.argsort(-res.normalized.numpy())[:6]
    assert set(np.flatnonzero(issues["is_vog_issue"])) == set(top.tolist())
    assert issues["vog_score"].between(0, 1).all()
    assert lab.get_issues()["is_vog_issue"].sum() == 6  # beside the other issue columns


def test_raw_vog_is_normalised_within_the_datalab_labels(datalab):
    Datalab, _ = datalab
    res = _result(n=30, c=3)
    lab = Datalab(data={"label": res.labels.numpy()}, label_name="label", verbosity=0)
    with contextlib.redirect_stdout(io.StringIO()):
        lab.find_issues(issue_types={"vog": {"scores": res.raw.numpy(), "fraction": 0.2}})
    issues = lab.get_issues("vog")
    np.testing.assert_allclose(issues["vog_normalized"], res.normalized.numpy(), atol=1e-9)


def test_scores_of_other_data_are_refused(datalab):
    Datalab, manager = datalab
    res = _result(n=30, c=3)
    lab = Datalab(data={"label": res.labels.numpy()[::-1].copy()}, label_name="label", verbosity=0)
    with pytest.raises(ValueError, match="labels differ from the Datalab's"):
        manager(lab, scores=res).find_issues()
    with pytest.raises(ValueError, match="shape \\(30,\\)"):
        manager(lab, scores=np.zeros(12)).find_issues()
