"""The chapter "Beyond images" over seeds (vog.experiments.domains, .domain_findings)."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

matplotlib.use("Agg")

import vog  # noqa: E402
from vog.analysis import evidence as ev  # noqa: E402
from vog.analysis.verdicts import FAILS, HOLDS, NOISE, Condition, Evidence  # noqa: E402
from vog.experiments import domain_findings as found  # noqa: E402
from vog.experiments import domains as dom  # noqa: E402
from vog.experiments.presets import experiment_config  # noqa: E402

WINE = {"experiment": "wine-mlp", "ood": ["breast_cancer", "gaussian"], "n_ood": 30}


def test_domains_of_reads_the_chapter_parameters():
    specs = {
        "Wine": {**WINE, "overrides": {"epochs": 8}},
        "Letter": {"experiment": "letter-mlp-tiny", "ood": ["gaussian"], "noisy": False,
                   "replicate": False},
    }  # fmt: skip
    d = dom.domains_of(specs, seeds=[3, 4], overrides={"epochs": 7, "lr": 0.2}, n_ood=50)
    assert list(d) == ["Wine", "Letter"]
    assert d["Wine"].seeds == (3, 4) and d["Letter"].seeds == (3,)  # not replicated: the first
    assert d["Wine"].overrides == {"epochs": 8, "lr": 0.2}  # the domain's own win
    assert d["Wine"].n_ood == 30 and d["Letter"].n_ood == 50
    assert d["Wine"].noisy and not d["Letter"].noisy
    assert d["Letter"].ood == ("gaussian",)


def test_bad_specs_are_named():
    with pytest.raises(ValueError, match="valid keys"):
        dom.domains_of({"Wine": {**WINE, "seeds": [0]}})
    with pytest.raises(ValueError, match="no experiment/ood"):
        dom.domains_of({"Wine": {"experiment": "wine-mlp"}})
    with pytest.raises(ValueError, match="distinct"):
        dom.Domain("Wine", "wine-mlp", ("gaussian",), seeds=(0, 0))
    with pytest.raises(ValueError, match="not empty"):
        dom.Domain("Wine", "wine-mlp", ("gaussian",), seeds=())
    with pytest.raises(ValueError, match="unknown target"):
        dom.vog_of(None, "test", "loss")


def test_only_the_training_seed_changes_between_replicates():
    d = dom.domains_of({"Wine": WINE}, seeds=[0, 1])["Wine"]
    a, b = d.config(0).to_dict(), d.config(1).to_dict()
    assert {k for k in a if a[k] != b[k]} == {"seed"}
    # the first seed is the run the chapter trained and cached before it had seeds
    assert d.config(0).key() == experiment_config("wine-mlp").key()
    twin = d.config(1, label_noise=0.2)
    assert (twin.label_noise, twin.record_dynamics, twin.score_train, twin.seed) == (
        0.2, True, True, 1
    )  # fmt: skip
    assert not d.config(1, label_noise=0.2, dynamics=False).record_dynamics


@pytest.fixture(scope="module")
def wine(tmp_path_factory):
    """Wine (scikit-learn's table, offline) on seeds 0 and 1, trained and evaluated."""
    root = tmp_path_factory.mktemp("domains")
    spec = dom.domains_of({"Wine": WINE}, seeds=[0, 1])
    paths = {"cache_dir": root / "runs", "data_root": root / "data"}
    reps = dom.train_domains(spec, cv_folds=2, cv_epochs=2, **paths)
    results = {
        k: dom.evaluate(r, bins=5, n_boot=20, data_root=root / "data") for k, r in reps.items()
    }
    return SimpleNamespace(spec=spec, reps=reps, results=results, paths=paths)


def test_each_seed_is_its_own_run_and_the_cache_is_reused(wine):
    assert set(wine.reps) == {("Wine", 0), ("Wine", 1)}
    r0, r1 = wine.reps["Wine", 0], wine.reps["Wine", 1]
    assert r0.first and not r1.first
    assert r0.probs is not None and r1.probs is None  # the cross-validation: first seed only
    assert r0.run.folder != r1.run.folder and r0.noisy.folder != r1.noisy.folder
    assert not torch.equal(r0.run.vog["test"]["all"], r1.run.vog["test"]["all"])
    assert not torch.equal(r0.noisy.noisy, r1.noisy.noisy)  # the twin shuffles other labels
    assert r0.noisy.dynamics and not r1.noisy.dynamics  # the other scores: first seed only
    again = dom.train_domains(wine.spec, cv_folds=2, cv_epochs=2, **wine.paths)
    assert again["Wine", 1].run.folder == r1.run.folder
    assert torch.equal(again["Wine", 1].run.vog["test"]["all"], r1.run.vog["test"]["all"])


def test_following_the_other_scores_leaves_the_twin_s_training_unchanged(wine):
    """Why a later seed's twin may skip the dynamics: its VoG is the same without them."""
    d, r1 = wine.spec["Wine"], wine.reps["Wine", 1].noisy
    with_dynamics = dom.run_experiment(d.config(1, label_noise=0.2), **wine.paths)
    assert with_dynamics.folder != r1.folder and with_dynamics.dynamics
    assert torch.equal(with_dynamics.vog["train"]["all"], r1.vog["train"]["all"])
    assert torch.equal(with_dynamics.predictions["test"], r1.predictions["test"])


def test_a_replicate_s_evidence_is_the_evidence_of_its_own_scores(wine):
    res, run = wine.results["Wine", 1], wine.reps["Wine", 1].run
    assert set(res.evidence) == {
        ("error", "logit"),
        ("error", "probability"),
        ("error (relative VoG)", "logit"),
        ("class", "logit"),
        ("memorisation", "logit"),
        ("memorisation", "probability"),
        ("msp", "logit"),
    }  # fmt: skip  (features: no per-token reading)
    y = run.labels["test"]
    correct = (run.predictions["test"] == y).numpy()
    z = vog.class_normalize(run.vog["test"]["all"], y).numpy()
    direct = ev.error_evidence(z, correct, n_boot=20)
    assert res.evidence["error", "logit"].conditions == direct.conditions
    twin = wine.reps["Wine", 1].noisy
    s = vog.class_normalize(twin.vog["train"]["all"], twin.labels["train"], mode="abs_zscore")
    mask = twin.noisy.numpy()
    mem = ev.memorisation_evidence(s.numpy()[~mask], s.numpy()[mask])
    assert res.evidence["memorisation", "logit"].conditions == mem.conditions
    assert [r["target"] for r in res.rows["error"]] == list(dom.TARGETS)
    assert len(res.rows["ood"]) == 2 * len(WINE["ood"])  # VoG and MSP per OoD set


def test_the_tables_and_sentences_of_the_first_seed(wine):
    first = {"Wine": wine.results["Wine", 0]}
    tab = found.tables(first, label_noise=0.2)
    flag = tab["flag"]
    assert {"|VoG| (logit)", "|VoG| (probability)", "cleanlab label issue"} <= set(flag.index)
    assert flag.mean(axis=1).is_monotonic_decreasing
    assert ((flag >= 0) & (flag <= 100)).all().all()
    assert tab["overview"].loc["Wine", "seeds"] == "0, 1"
    page = found.findings(wine.results, wine.spec, flag, tab["tokens"], bins=5)
    assert set(page) == {
        "setup", *found.CLAIMS.values(), *(f"seeds_{k}" for k in found.CLAIMS.values()),
        "tokens", "tokens_scope", "rank", "verdict", "seeds", "seed_verdict",
    }  # fmt: skip
    assert page["seeds"] == "Wine: seeds 0, 1"
    assert page["tokens"] == page["tokens_scope"] == "no token domain run"
    verdict = first["Wine"].evidence["error", "logit"].verdict
    assert page["error_logit"] == f"{verdict} on Wine"
    assert (
        page["seeds_error_logit"].startswith("Wine: ") and "of 2 seeds" in page["seeds_error_logit"]
    )
    assert page["verdict"].split(" verdicts")[0].endswith("of 6 (claim, target, domain)")
    spread = found.spread_table(wine.results, wine.spec)
    assert len(spread) == 7 and (spread["seeds"] == "0, 1").all()
    defined = spread.dropna(subset=["first seed"])  # Wine's 3 classes: r may be undefined
    assert (defined["min"] <= defined["first seed"]).all()
    assert (defined["first seed"] <= defined["max"]).all()
    both = spread["range"].notna()  # finite on both seeds
    assert np.allclose(spread["range"][both], (spread["max"] - spread["min"])[both])


def _planted(verdicts: dict) -> dict:
    """Evaluations with planted evidence: ``{(name, seed): {(claim, target): verdict}}``."""
    interval = {HOLDS: (0.1, 0.05, 0.2), NOISE: (0.0, -0.1, 0.1), FAILS: (-0.1, -0.2, -0.05)}
    claim_of = {"error (relative VoG)": "error"}
    return {
        key: dom.Evaluation(
            replicate=None,
            evidence={
                (c, t): Evidence(claim_of.get(c, c), (Condition("x", *interval[v]),), 0.95)
                for (c, t), v in cells.items()
            },
        )
        for key, cells in verdicts.items()
    }


def test_planted_verdicts_over_seeds():
    domains = {
        "A": dom.Domain("A", "wine-mlp", ("gaussian",), seeds=(0, 1, 2)),
        "B": dom.Domain("B", "wine-mlp", ("gaussian",), seeds=(0,)),
    }
    err, cls = ("error", "logit"), ("class", "logit")
    rel = ("error (relative VoG)", "logit")
    results = _planted({
        ("A", 0): {err: HOLDS, cls: FAILS, rel: HOLDS},
        ("A", 1): {err: HOLDS, cls: NOISE, rel: FAILS},
        ("A", 2): {err: HOLDS, cls: FAILS, rel: NOISE},
        ("B", 0): {err: NOISE},
    })  # fmt: skip
    sent = found.seed_sentences(results, domains)
    assert sent["seeds"] == "A: seeds 0, 1, 2; B: seed 0 only"
    # relative VoG is a diagnostic: left out; B has one seed: left out
    assert sent["seed_verdict"] == (
        "1 of 2 (claim, target, domain) verdicts are the same on every seed; "
        "they differ between seeds for class, logit, A"
    )
    table = found.verdicts_by_seed(results, domains)
    assert list(table.columns) == ["A, seed 0", "A, seed 1", "A, seed 2", "B, seed 0"]
    assert list(table.loc["class, logit"]) == [FAILS, NOISE, FAILS, "n/a"]
    spread = found.spread_table(results, domains)
    assert spread.loc[("error", "logit", "A"), "holds on"] == "3 of 3"
    assert spread.loc[("class", "logit", "A"), "verdicts"] == "fails, within noise, fails"
    assert np.isnan(spread.loc[("error", "logit", "B"), "range"])
    evidence = {
        (c, t, n): e for (n, _), r in results.items() if _ == 0 for (c, t), e in r.evidence.items()
    }  # noqa: E501
    assert found.where(evidence, "error", "logit", ["A", "B", "C"]) == (
        "holds on A; within noise on B; not run on C"
    )
    one = {"B": domains["B"]}
    assert (
        found.seed_sentences(results, one)["seed_verdict"] == "no domain runs on more than one seed"
    )


def test_flag_aurocs_of_planted_scores():
    n = 40
    mask = torch.arange(n) % 8 < 2  # 5 shuffled labels in each class of 20
    y = torch.arange(n) % 2
    perfect = mask.double() + 1e-3 * torch.arange(n) / n  # higher on every shuffled label
    probs = torch.full((n, 2), 0.1)
    probs[torch.arange(n), y] = 0.9  # the model agrees with each label ...
    probs[mask, y[mask]] = 0.2  # ... except the shuffled ones
    probs[mask, 1 - y[mask]] = 0.8
    twin = SimpleNamespace(labels={"train": y}, noisy=mask, dynamics={"train": {"loss": -perfect}})
    rep = dom.Replicate(dom.Domain("D", "wine-mlp", ("gaussian",)), 0, None, twin, probs)
    res = dom.Evaluation(rep, scores={("noisy train", t): perfect for t in dom.TARGETS})
    auroc = found.flag_aurocs(res)
    # |z| within each class: shuffled 1.73, clean about 0.58 (5 ones among 20)
    assert auroc["|VoG| (logit)"] == auroc["|VoG| (probability)"] == pytest.approx(100.0)
    assert auroc["loss"] == pytest.approx(0.0)  # reversed: lower on the shuffled labels
    assert auroc["cleanlab label issue"] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="no twin"):
        found.flag_aurocs(dom.Evaluation(dom.Replicate(rep.domain, 1, None)))


def test_flag_heatmap_writes_each_auroc():
    import matplotlib.pyplot as plt

    flag = pd.DataFrame({"A": [99.6, 51.2], "B": [70.4, 80.0]}, index=["margin", "loss"])
    fig, ax = plt.subplots()
    im = found.flag_heatmap(ax, flag)
    assert [t.get_text() for t in ax.texts] == ["100", "70", "51", "80"]
    assert im.get_clim() == (50, 100)
    plt.close(fig)
