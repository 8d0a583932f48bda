"""An audit checked against known shuffled labels: hand-computed cases of vog.experiments.audit."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import vog  # noqa: E402
from vog.experiments import audit  # noqa: E402

POS = np.array([True, True, False, False, False])


def test_score_aurocs_known_values_best_first():
    scores = {
        "reversed": [1.0, 2.0, 3.0, 4.0, 5.0],  # both positives lowest: AUROC 0
        "half": [3.0, 1.0, 4.0, 2.0, 0.0],  # 3 of the 6 (positive, negative) pairs won
        "perfect": torch.tensor([5.0, 4.0, 3.0, 2.0, 1.0]),  # tensors work too
    }
    out = audit.score_aurocs(scores, POS)
    assert list(out.index) == ["perfect", "half", "reversed"]
    np.testing.assert_allclose(out.to_numpy(), [100.0, 50.0, 0.0])
    # the same numbers as detection_metrics, in percent
    assert out["half"] == 100 * vog.analysis.detection_metrics(scores["half"], POS)["AUROC"]
    with pytest.raises(ValueError, match="no scores"):
        audit.score_aurocs({}, POS)


def test_flag_table_counts_precision_and_recall():
    pos = np.array([True, True, False, False, False, False])
    flags = {
        "half": np.array([True, False, True, False, False, False]),  # 1 of 2 flagged is shuffled
        "none": np.zeros(6, dtype=bool),  # flags nothing: both shares 0
        "wide": torch.tensor([True, True, True, True, False, False]),  # finds both, 2 of 4
    }
    table = audit.flag_table(flags, pos)
    assert list(table.index) == ["half", "none", "wide"]
    assert list(table.columns) == list(audit.FLAG_COLUMNS)
    assert table["flagged"].tolist() == [2, 0, 4] and table["flagged"].dtype.kind == "i"
    np.testing.assert_allclose(table["shuffled among them (%)"], [50.0, 0.0, 50.0])
    np.testing.assert_allclose(table["shuffled found (%)"], [50.0, 0.0, 100.0])
    # a Datalab column (a pandas Series of bools) is a flag too
    series = audit.flag_table({"s": pd.Series(flags["half"])}, pos)
    assert series.loc["s", "flagged"] == 2


def test_flag_table_refuses_masks_of_other_lengths_or_types():
    pos = np.array([True, False, False])
    with pytest.raises(ValueError, match="flag 'short' has 2 values"):
        audit.flag_table({"short": np.array([True, False])}, pos)
    with pytest.raises(ValueError, match="boolean mask"):
        audit.flag_table({"scores": np.array([0.1, 0.9, 0.5])}, pos)
    with pytest.raises(ValueError, match="positives must be a boolean mask"):
        audit.flag_table({"a": pos}, np.array([1, 0, 0]))


def test_top_per_class_picks_each_class_highest_first():
    scores = torch.tensor([0.1, 0.9, 0.5, 0.3, 0.8, 0.2, 0.7])
    labels = torch.tensor([0, 0, 0, 1, 1, 1, 2])
    np.testing.assert_array_equal(audit.top_per_class(scores, labels, k=2), [1, 2, 4, 3, 6])
    # k beyond a class's size takes all of it; order within a class from the highest down
    np.testing.assert_array_equal(audit.top_per_class(scores, labels, k=5), [1, 2, 0, 4, 3, 5, 6])
    # ties: the later example first, as vog.analysis.ranked (and so the review page)
    np.testing.assert_array_equal(audit.top_per_class([1.0, 1.0, 1.0], [0, 0, 0], k=2), [2, 1])
    with pytest.raises(ValueError, match="k must be >= 1"):
        audit.top_per_class(scores, labels, k=0)
    with pytest.raises(ValueError, match="differ in length"):
        audit.top_per_class(scores, labels[:3], k=1)


def test_oracle_decisions_relabel_only_the_wrong_labels():
    labels = torch.tensor([0, 1, 2, 3])
    truth = torch.tensor([0, 2, 2, 1])
    table = audit.oracle_decisions([1, 0, 3], labels, truth)
    assert table["index"].tolist() == [1, 0, 3]
    assert table["decision"].tolist() == ["relabel", "keep", "relabel"]
    assert table["label"].tolist() == [1, 0, 3]
    assert table["new_label"].tolist() == [2, pd.NA, 1]
    with pytest.raises(ValueError, match="index 4 is outside the 4 examples"):
        audit.oracle_decisions([4], labels, truth)
    with pytest.raises(ValueError, match="differ in length"):
        audit.oracle_decisions([0], labels, truth[:3])


def test_oracle_decisions_are_a_file_vog_apply_reads(tmp_path):
    # the export round-trips through vog.analysis.review: the reviewed wrong labels are fixed
    labels = torch.tensor([0, 1, 2, 3, 1])
    truth = torch.tensor([0, 2, 2, 1, 0])
    wrong = (labels != truth).numpy()
    raw = torch.tensor([0.1, 0.2, 0.3, 0.4, 0.5], dtype=torch.float64)
    result = vog.VoGResult.from_raw(raw, labels, labels, labels)
    path = tmp_path / "decisions.csv"
    audit.oracle_decisions([1, 0, 3], labels, truth).to_csv(path, index=False)
    applied = vog.analysis.review.apply_decisions(path, result, num_classes=4)
    np.testing.assert_array_equal(applied.labels, [0, 2, 2, 1, 1])  # example 4 not reviewed
    assert applied.decision.tolist() == ["keep", "relabel", "", "relabel", ""]
    assert audit.labels_fixed(applied.labels, truth, wrong) == 2  # of the 3 wrong labels


def test_labels_fixed_counts_only_wrong_labels_put_right():
    truth = np.array([0, 2, 2, 1, 3])
    wrong = np.array([False, True, False, True, True])
    new = np.array([0, 2, 1, 0, 3])  # 1 and 4 fixed, 3 not; a clean label broken (2) is no fix
    assert audit.labels_fixed(new, truth, wrong) == 2
    assert audit.labels_fixed(pd.Series(truth), truth, wrong) == 3  # all fixed
    with pytest.raises(ValueError, match="wrong has 2 values"):
        audit.labels_fixed(new, truth, wrong[:2])
    with pytest.raises(ValueError, match="differ in length"):
        audit.labels_fixed(new[:4], truth, wrong)


def test_queue_figure_one_column_per_class_red_for_wrong_labels():
    images = torch.rand(7, 1, 4, 4)
    labels = torch.tensor([0, 0, 0, 1, 1, 1, 2])
    wrong = torch.tensor([False, True, False, False, False, False, True])
    fig = audit.queue_figure(images, [1, 2, 4, 3, 6], labels, wrong)
    axes = np.array(fig.axes).reshape(2, 3)  # 2 rows (class 0 and 1 have two), 3 classes
    assert [ax.get_title() for ax in axes[0]] == ["0", "1", "2"]
    assert [ax.get_title() for ax in axes[1]] == ["0", "1", ""]  # class 2 has one: blank below
    red = matplotlib.colors.to_rgba("red")
    assert axes[0, 0].title.get_color() in ("red", red)  # example 1 carries a wrong label
    assert axes[1, 0].title.get_color() in ("black", matplotlib.colors.to_rgba("black"))
    assert axes[0, 2].title.get_color() in ("red", red)  # example 6
    shown = axes[0, 1].images[0].get_array()
    np.testing.assert_allclose(np.asarray(shown), images[4, 0].numpy())  # class 1's first: 4
    assert not axes[1, 2].images  # nothing drawn in the blank cell
    np.testing.assert_allclose(fig.get_size_inches(), [0.8 * 3, 0.9 * 2 + 0.4])
    plt.close(fig)
    with pytest.raises(ValueError, match="no examples"):
        audit.queue_figure(images, [], labels, wrong)
