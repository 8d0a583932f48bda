"""Other difficulty scores: known answers, the dynamics recorder, cleanlab, pytorch-ood."""

import math

import numpy as np
import pytest
import torch
from torch import nn

import vog
from vog.analysis import detectors, difficulty, label_issues

LOGITS = torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0]])
LABELS = torch.tensor([0, 2])


def test_margin_loss_probability_known_answers():
    assert difficulty.margin(LOGITS, LABELS).tolist() == [1.0, -2.0]  # own minus best other
    p = torch.softmax(LOGITS, 1)
    torch.testing.assert_close(difficulty.true_probability(LOGITS, LABELS), p[[0, 1], [0, 2]])
    torch.testing.assert_close(difficulty.loss(LOGITS, LABELS), -p[[0, 1], [0, 2]].log())


def test_el2n_known_answers():
    sure = torch.tensor([[100.0, 0.0]])
    assert difficulty.el2n(sure, torch.tensor([0])).item() == pytest.approx(0.0, abs=1e-6)
    assert difficulty.el2n(sure, torch.tensor([1])).item() == pytest.approx(math.sqrt(2), abs=1e-6)
    even = torch.zeros(1, 2)  # p = (1/2, 1/2): ||(-1/2, 1/2)|| = 1/sqrt(2)
    assert difficulty.el2n(even, torch.tensor([0])).item() == pytest.approx(1 / math.sqrt(2))


def test_grand_of_a_linear_model_is_the_analytic_gradient_norm():
    torch.manual_seed(0)
    model = nn.Linear(3, 2).train()
    x = torch.randn(5, 3)
    y = torch.tensor([0, 1, 1, 0, 1])
    # cross-entropy of a linear layer: dW = (p - onehot) x^T, db = p - onehot
    err = torch.softmax(model(x), 1) - nn.functional.one_hot(y, 2)
    expected = err.norm(dim=1) * (x.square().sum(1) + 1).sqrt()
    torch.testing.assert_close(difficulty.grand(model, x, y), expected.detach())
    assert model.training and all(p.requires_grad for p in model.parameters())


class _Branchy(nn.Module):
    """A linear layer behind data-dependent control flow (vmap cannot run it) and a frozen
    input scale (not trained: it is no part of GraNd)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0), requires_grad=False)
        self.linear = nn.Linear(3, 2)

    def forward(self, x):
        if bool((x != 0).any()):  # a Python branch on the data
            x = x * self.scale
        return self.linear(x)


def test_grand_runs_models_vmap_cannot_and_leaves_frozen_parameters_out():
    torch.manual_seed(0)
    model = _Branchy()
    x = torch.randn(5, 3)
    y = torch.tensor([0, 1, 1, 0, 1])
    err = torch.softmax(model(x), 1) - nn.functional.one_hot(y, 2)
    expected = err.norm(dim=1) * (x.square().sum(1) + 1).sqrt()  # the linear layer's only
    torch.testing.assert_close(difficulty.grand(model, x, y), expected.detach())
    assert model.training and not model.scale.requires_grad and model.linear.weight.requires_grad


def test_grand_loop_equals_vmap_with_an_unused_parameter_and_a_frozen_model():
    torch.manual_seed(0)

    class WithUnused(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
            self.unused = nn.Linear(2, 2)  # trained but not in forward: a zero gradient

        def forward(self, x):
            return self.net(x)

    model = WithUnused()
    x, y = torch.randn(7, 4), torch.randint(0, 3, (7,))
    by_vmap = difficulty.grand(model, x, y)
    params = {k: p.detach() for k, p in model.named_parameters()}

    def one(p, xi, yi):
        out = torch.func.functional_call(model, p, (xi.unsqueeze(0),))
        return nn.functional.cross_entropy(out, yi.unsqueeze(0))

    torch.testing.assert_close(difficulty._grand_loop(one, params, x, y), by_vmap)
    model.requires_grad_(False)  # nothing marked trainable: every parameter counts
    torch.testing.assert_close(difficulty.grand(model, x, y), by_vmap)


class Table(nn.Module):
    """Logits of example i = column i of a weight set by the test (inputs are one-hot rows)."""

    def __init__(self, n, c):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(c, n))

    def forward(self, x):
        return x @ self.w.T


def test_training_dynamics_counts_forgetting_and_averages_margins():
    n, c = 3, 2
    x, y = torch.eye(n), torch.tensor([0, 0, 1])
    model = Table(n, c)
    rec = difficulty.TrainingDynamics({"train": (x, y)}, early_epoch=1, grand_data=())
    # per epoch, the margin of each example (label's logit minus the other's)
    margins = [[1.0, -1.0, -2.0], [-1.0, -1.0, -1.0], [2.0, -1.0, -3.0], [-0.5, -1.0, -1.0]]
    for epoch, m in enumerate(margins):
        with torch.no_grad():
            model.w.zero_()
            for i in range(n):
                model.w[y[i], i] = m[i]  # the other class's logit stays 0
        rec.observe(model, epoch)
    out = rec.result()["train"]
    m = torch.tensor(margins, dtype=torch.float64)
    torch.testing.assert_close(out["AUM"], -m.mean(0))
    torch.testing.assert_close(out["margin (final)"], -m[-1])
    # example 0: right, wrong, right, wrong -> 2 events; 1: never right -> 4 // 2 + 1 = 3;
    # 2: never right either
    assert out["forgetting"].tolist() == [2.0, 3.0, 3.0]
    p = torch.sigmoid(m)  # two classes: p(label) = sigmoid(margin)
    torch.testing.assert_close(out["Data Maps confidence"], -p.mean(0))
    torch.testing.assert_close(out["Data Maps variability"], p.std(0, correction=0))
    el2n_epoch1 = difficulty.el2n(
        torch.stack([-m[1] * 0, m[1]], 1).float(), torch.ones(3, dtype=torch.long)
    )
    assert out["EL2N"].shape == (3,) and torch.allclose(out["EL2N"].float(), el2n_epoch1, atol=1e-6)
    assert "GraNd" not in out  # not asked for this data set
    assert set(rec.memory()) == set(difficulty.TrainingDynamics.SCORES)
    again = difficulty.TrainingDynamics({"train": (x, y)}, early_epoch=1, grand_data=())
    again.load_state_dict(rec.state_dict())
    torch.testing.assert_close(again.result()["train"]["AUM"], out["AUM"])


def test_label_issue_score_flags_the_contradicted_label():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.05, 0.95], [0.1, 0.9]])
    labels = np.array([0, 0, 1, 0])  # the last says 0; the out-of-sample model says 1
    s = label_issues.label_issue_score(labels, probs)
    assert s.shape == (4,) and s.argmax() == 3 and s[3] == pytest.approx(0.9)  # 1 - p(label)
    with pytest.raises(ValueError, match="sum to 1"):
        label_issues.label_issue_score(labels, probs * 2)
    with pytest.raises(ValueError, match="shape"):
        label_issues.label_issue_score(labels[:3], probs)


def test_find_label_issues_on_a_clear_case():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 50)
    probs = np.where(labels[:, None] == [0, 1], 0.9, 0.1) + rng.uniform(0, 0.01, (100, 2))
    probs /= probs.sum(1, keepdims=True)
    labels_noisy = labels.copy()
    labels_noisy[[3, 70]] = 1 - labels[[3, 70]]
    issues = label_issues.find_label_issues(labels_noisy, probs)
    assert issues.dtype == bool and set(np.flatnonzero(issues)) == {3, 70}


def test_split_head_and_detectors_on_a_small_model():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3)).train()
    encoder, head = detectors.split_head(model)
    x = torch.randn(20, 1, 4, 4)
    torch.testing.assert_close(head(encoder(x)), model(x))
    assert model.training and isinstance(model[3], nn.Linear)  # the model itself is untouched
    y = model(x).argmax(1)
    for name in detectors.DETECTORS:
        score = detectors.fit_detector(name, model, (x, y))
        out = score(x)
        assert out.shape == (20,) and out.dtype == torch.float64 and torch.isfinite(out).all()
    assert model.training and all(p.requires_grad for p in model.parameters())
    with pytest.raises(ValueError, match="needs fit_data"):
        detectors.fit_detector("KNN", model)
    with pytest.raises(ValueError, match="'MSP'"):
        detectors.fit_detector("LOF", model)


def test_msp_detector_is_minus_the_max_softmax():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    x = torch.randn(7, 4)
    score = detectors.fit_detector("MSP", model)(x)
    torch.testing.assert_close(score, vog.analysis.msp_score(model, x))


def test_out_of_sample_probabilities_cross_validate(tmp_path):
    cfg = vog.experiments.ExperimentConfig(dataset="digits", model="mlp", epochs=6, lr=0.1)
    cv = vog.experiments.out_of_sample_probabilities(cfg, folds=2, cache_dir=tmp_path)
    probs = cv.probs
    assert probs.shape == (1437, 10) and cv.seconds > 0 and (cv.folds, cv.epochs) == (2, 6)
    torch.testing.assert_close(probs.sum(1), torch.ones(1437, dtype=torch.float64))
    assert len(list(tmp_path.glob("*-cv-*.pt"))) == 1
    again = vog.experiments.out_of_sample_probabilities(cfg, folds=2, cache_dir=tmp_path)
    assert torch.equal(again.probs, probs) and again.seconds == cv.seconds  # from the cache
    labels = vog.experiments.run_experiment(cfg, cache_dir=tmp_path).labels["train"]
    assert (probs.argmax(1) == labels).float().mean() > 0.5  # the fold models learnt
    short = vog.experiments.out_of_sample_probabilities(cfg, folds=2, epochs=2, cache_dir=tmp_path)
    assert short.epochs == 2 and short.probs.shape == probs.shape  # shorter than the windows
    with pytest.raises(ValueError, match="folds must be >= 2"):
        vog.experiments.out_of_sample_probabilities(cfg, folds=1, cache_dir=tmp_path)


def test_dynamics_state_is_a_copy():
    x, y = torch.eye(3), torch.tensor([0, 0, 1])
    rec = difficulty.TrainingDynamics({"d": (x, y)}, early_epoch=0, grand_data=())
    model = Table(3, 2)
    rec.observe(model, 0)
    snapshot = rec.state_dict()
    before = snapshot["statistics"]["d"]["AUM"]["total"].clone()
    rec.observe(model, 1)  # in-place updates must not reach the snapshot
    assert torch.equal(snapshot["statistics"]["d"]["AUM"]["total"], before)


def test_labels_come_from_the_loader_as_trained():
    class Shifted(torch.utils.data.Dataset):
        targets = [0, 0, 0]  # stale attribute: the loader's labels are what counts

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return torch.eye(3)[i], [0, 1, 1][i]

    rec = difficulty.TrainingDynamics({"d": Shifted()}, early_epoch=5, grand_data=())
    model = Table(3, 2)
    with torch.no_grad():
        model.w[1] = 1.0  # predicts class 1 everywhere: margins -1, +1, +1
    rec.observe(model, 0)
    assert rec.result()["d"]["margin (final)"].tolist() == [1.0, -1.0, -1.0]
    vrec = vog.VoGRecorder({"d": Shifted()}, {"w": [0, 1]})
    vrec.observe(model, 0)
    vrec.observe(model, 1)
    assert vrec.result().labels["d"].tolist() == [0, 1, 1]
