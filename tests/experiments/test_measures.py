"""The study's diagnosis tables and sentences (vog.experiments.measures)."""

import numpy as np
import pandas as pd
import pytest
import torch

from vog.experiments import measures


def test_confidence_factor_known_answer():
    p = torch.tensor([[0.5, 1.0], [0.5, 0.0]])  # K=2 checkpoints, N=2 examples
    np.testing.assert_allclose(measures.confidence_factor(p).numpy(), [0.25, 0.0])


def _table(left_auc_test, vog_auc_test):
    rows = []
    for i, run in enumerate(["base", "model: MLP"]):
        for label in measures.SETS:
            rows.append(
                {
                    "run": run,
                    "set": label,
                    "spearman_size": 0.96 + 0.02 * i,
                    "left": 0.1 + 0.05 * i,
                    "slope": 1.1,
                    "auroc vog": vog_auc_test[i] if label == measures.SETS[0] else 40.0,
                    "auroc residual | both": left_auc_test[i]
                    if label == measures.SETS[0]
                    else 55.0,
                }
            )
    return pd.DataFrame(rows).set_index(["run", "set"])


def test_finding_reads_its_numbers_and_decides_the_comparison():
    table = _table([60.0, 45.0], [50.0, 52.0])
    conf = pd.DataFrame({"R² confidence alone": [0.36, 0.98]}, index=["base", "model: MLP"])
    text = measures.measures_finding(table, conf)
    assert "Spearman 0.96 to 0.98 over 2 runs" in text
    assert "leave 10% to 15% of its ranking" in text
    assert "Probability VoG is not mainly the model's confidence" in text  # as the headline
    assert "R² of the confidence alone 0.36 to 0.98" in text
    assert "For errors, VoG's AUROC is 50 to 52% and its residual's 45 to 60%" in text
    assert "better on 1 of 2 runs" in text  # base: 60 > 50; MLP: 45 < 52
    assert "better on 2 of 2 runs" in text  # shuffled labels: 55 > 40 on both
    assert "power 1.10" in text
    assert "Probability VoG" not in measures.measures_finding(table)


def test_figure_has_one_row_per_run():
    import matplotlib

    matplotlib.use("Agg")
    table = _table([60.0, 45.0], [50.0, 52.0])
    fig = measures.measures_figure(table)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["base", "model: MLP"]


@pytest.mark.parametrize("values", [[np.nan, np.nan]])
def test_span_of_undefined_values(values):
    assert measures.span(values, ".2f") == "(undefined)"


def test_headline_chooses_its_words_by_the_numbers():
    table = _table([60.0, 45.0], [50.0, 52.0])  # Spearman 0.96 and 0.98
    conf = pd.DataFrame({"R² confidence alone": [0.36, 0.98]}, index=["base", "model: MLP"])
    out = measures.headline(table, conf)
    assert out["size"].startswith("Logit VoG ranks test images by the size")
    assert "Spearman 0.96 to 0.98 over 2 runs" in out["size"]
    assert out["confidence"].startswith("Probability VoG is not mainly")  # 1 of 2 above 0.5
    weak = measures.headline(table, conf, strong=0.97)
    assert weak["size"].startswith("Logit VoG ranks test images partly by the size")
    conf_high = pd.DataFrame({"R² confidence alone": [0.84, 0.98]}, index=["a", "b"])
    assert measures.headline(table, conf_high)["confidence"].startswith("Probability VoG is mostly")
    assert "not scored" in measures.headline(table)["confidence"]
