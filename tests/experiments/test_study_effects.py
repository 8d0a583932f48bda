"""The factor study's inference: effects over the base, judged against seed noise.

Planted evidence with known answers (vog.experiments.study_effects), the layout of
the verdict tables (vog.experiments.study_verdicts) and the scoring options
(vog.experiments.study_runs).
"""

import numpy as np
import pandas as pd
import pytest

from vog.analysis.verdicts import Condition, Evidence
from vog.experiments import (
    measures,
    study,
    study_effects,
    study_findings,
    study_runs,
    study_verdicts,
)

N_BOOT = 400


def _error(estimate, boot, name="top-10% minus bottom-10% error"):
    """Error-claim evidence with bootstrap replicates ``boot`` around ``estimate``."""
    low, high = np.quantile(boot, [0.025, 0.975])
    return Evidence("error", (Condition(name, estimate, low, high, replicates=boot),), 0.95)


def _design_evidence(shift=0.0, seed_values=(0.10, 0.12, 0.14), corner_seeds=None):
    """Base (3 seeds), one factor whose error estimate is the base's + ``shift`` on the same
    resamples (a paired comparison), and a corner with its own seeds."""
    rng = np.random.default_rng(0)
    boot = seed_values[0] + rng.normal(0, 0.02, N_BOOT)
    ev = {
        ("base", "logit", "signed", "error"): _error(seed_values[0], boot),
        ("model: MLP", "logit", "signed", "error"): _error(seed_values[0] + shift, boot + shift),
    }
    for i, v in enumerate(seed_values[1:], start=1):
        ev[f"base, seed {i}", "logit", "signed", "error"] = _error(
            v, v + rng.normal(0, 0.02, N_BOOT)
        )
    corner_seeds = corner_seeds or [seed_values[0] + shift]
    for i, v in enumerate(corner_seeds):
        name = "paper-like" if i == 0 else f"paper-like, seed {i}"
        ev[name, "logit", "signed", "error"] = _error(v, boot + (v - seed_values[0]))
    columns = {
        "base": ("base", "logit", "signed"),
        "model: MLP": ("model: MLP", "logit", "signed"),
        "paper-like, logit": ("paper-like", "logit", "signed"),
    }
    replicates = {
        "base": [f"base, seed {i}" for i in range(1, len(seed_values))],
        "paper-like": [f"paper-like, seed {i}" for i in range(1, len(corner_seeds))],
    }
    same = dict.fromkeys(["base", "model: MLP", "paper-like"], "same images")
    return ev, columns, replicates, same


def test_identical_runs_have_no_effect_and_do_not_move_the_claim():
    ev, columns, replicates, pairs = _design_evidence(shift=0.0)
    t = study_effects.claim_effects(ev, columns, "error", replicates=replicates, pairs=pairs)
    row = t.loc["model: MLP"]
    assert row["effect"] == 0 and row["effect low"] == 0 and row["effect high"] == 0
    assert row["paired"] and not row["moves"]
    base = t.loc["base"]
    assert base["seeds"] == 3 and base["seed low"] == 0.10 and base["seed high"] == 0.14
    assert row["seed noise"] == pytest.approx(0.04)


def test_a_planted_shift_is_recovered_and_moves_the_claim():
    ev, columns, replicates, pairs = _design_evidence(shift=0.2)
    frame = study_effects.effects_frame(
        ev, columns, claims=["error"], replicates=replicates, pairs=pairs
    )
    row = frame.loc[("error", "model: MLP")]
    assert row["effect"] == pytest.approx(0.2)
    assert row["effect low"] == pytest.approx(0.2) and row["effect high"] == pytest.approx(0.2)
    assert row["moves"]  # paired: the shared resamples cancel, and 0.2 > the seed range 0.04
    summary = study_effects.effects_summary(frame)
    assert summary.at["model: MLP", "error"] == "+20.0 [+20.0, +20.0] ▲"
    compact = study_effects.effects_summary(frame, intervals=False)
    assert compact.at["paper-like, logit", "error"] == "+20.0 ▲" and "base" not in compact.index
    noise, moved, *_ = study_findings.effect_sentences(frame)
    assert "3 seeds" in noise and "error 4" in noise
    assert moved.startswith("2 of 2 effects move a claim") and "2 toward" in moved
    text = study_findings.conclusion(
        frame, corners=["paper-like"], targets=["logit"], fit={"paper-like": 0.6}
    )
    assert "the paper's regime matters" in text and "error by +20.0" in text
    assert "paper-like (60%)" in text and "memorisation phase stays untested" in text


def test_a_shift_smaller_than_the_seed_noise_does_not_move_the_claim():
    ev, columns, replicates, pairs = _design_evidence(shift=0.03)  # seed range 0.04
    t = study_effects.claim_effects(ev, columns, "error", replicates=replicates, pairs=pairs)
    row = t.loc["model: MLP"]
    assert row["effect low"] > 0  # the interval excludes 0 ...
    assert not row["moves"]  # ... but the seeds alone move the base as far
    frame = study_effects.effects_frame(ev, columns, claims=["error"], replicates=replicates,
                                        pairs=pairs)  # fmt: skip
    assert study_findings.effect_sentences(frame)[1] == (
        "None of the 2 effects moves a claim beyond seed noise."
    )
    assert "neither the paper-like regime" in study_findings.conclusion(
        frame, corners=["paper-like"], targets=["logit"], fit={"paper-like": 0.01}
    )


def test_a_replicated_corner_is_judged_against_its_own_seed_range_if_larger():
    ev, columns, replicates, pairs = _design_evidence(
        shift=0.2, corner_seeds=[0.30, 0.05, 0.45]
    )  # the corner's seeds range over 0.40 > its effect 0.20
    t = study_effects.claim_effects(ev, columns, "error", replicates=replicates, pairs=pairs)
    corner = t.loc["paper-like, logit"]
    assert corner["seeds"] == 3 and corner["seed noise"] == pytest.approx(0.40)
    assert not corner["moves"] and t.loc["model: MLP", "moves"]


def test_runs_on_other_images_are_compared_unpaired():
    ev, columns, replicates, pairs = _design_evidence(shift=0.2)
    pairs["model: MLP"] = "other images"
    t = study_effects.claim_effects(ev, columns, "error", replicates=replicates, pairs=pairs)
    row = t.loc["model: MLP"]
    assert not row["paired"] and row["effect"] == pytest.approx(0.2)
    width = row["effect high"] - row["effect low"]
    base_width = t.loc["base", "high"] - t.loc["base", "low"]
    assert width == pytest.approx(base_width * np.sqrt(2), rel=0.05)  # two equal intervals
    with pytest.raises(ValueError, match="base column 'nope'"):
        study_effects.claim_effects(ev, columns, "error", base="nope")


def test_forest_figure_has_one_panel_per_claim_with_the_seed_band():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ev, columns, replicates, pairs = _design_evidence(shift=0.2)
    frame = study_effects.effects_frame(ev, columns, claims=["error", "class"],
                                        replicates=replicates, pairs=pairs)  # fmt: skip
    fig = study_effects.forest_figure(frame)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 1  # the class claim has no evidence here: no panel
    ax = shown[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(columns)
    bold = {t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"}
    assert bold == {"model: MLP", "paper-like, logit"}
    band = [p for p in ax.patches if p.get_label() == "base: seed range"]
    assert band and band[0].get_x() == pytest.approx(10.0)  # in points: 0.10 -> 10
    plt.close(fig)


def test_verdict_columns_leave_the_seeds_to_the_effects():
    design = study.one_factor_design(
        "fashion-lenet",
        factors={"model: MLP": {"model": "mlp"}},
        corners={"paper-like": {"model": "resnet8"}},
        anchors={"default": ["fashion-lenet", "fashion-lenet-noisy"]},
        seeds=[0, 1],
    )
    opts = study_runs.StudyScoring(targets=["logit", "probability"])
    cols = study_verdicts.verdict_columns(design, opts)
    assert list(cols) == [
        "default",
        "base",
        "target: probability",
        "normalisation: |z|",
        "normalisation: relative",
        "model: MLP",
        "paper-like, logit",
        "paper-like, probability",
    ]
    assert cols["normalisation: |z|"] == ("base", "logit", "absolute")
    every = study_verdicts.verdict_columns(design, opts, every=True)
    assert "base, seed 1 | probability" in every and len(every) == 2 * len(design)


def test_reproduction_values_count_the_paper_definitions_verdicts():
    import pandas as pd

    design_table = pd.DataFrame(
        {"base": ["holds", "fails"], "normalisation: relative": ["holds", "n/a"]},
        index=["error", "class"],
    )
    every = pd.DataFrame(
        {"base | logit": ["holds", "fails"], "base | probability": ["holds", "holds"],
         "mlp | logit": ["within noise", "n/a"]},
        index=["error", "class"],
    )  # fmt: skip
    got = study_verdicts.reproduction_values(design_table, every)
    assert got["diag_paper_holds"] == "1 of 3"  # probability columns are not the paper's
    assert got["diag_relative_holds"] == "1 of 1"
    assert got["holds_with_error"] == "base; normalisation: relative"
    assert got["holds_with_class"] == "none" and got["holds_with_toy"] == "not studied"
    got = study_verdicts.reproduction_values(design_table[["base"]], every)
    assert got["diag_relative_holds"] == "not scored"


def test_scoring_options_are_validated_once_and_read_from_parameters():
    opts = study_runs.StudyScoring.from_parameters(
        {"n_test": 50, "targets": ["logit"], "profile": "smoke", "bins": 5}
    )
    assert opts.n_test == 50 and opts.targets == ("logit",) and opts.bins == 5
    assert opts.n_boot == 200  # not given: the default
    with pytest.raises(ValueError, match=r"unknown normalisation\(s\) \['zscore'\]"):
        study_runs.StudyScoring(normalisations=["zscore"])
    with pytest.raises(ValueError, match="n_boot must be >= 1"):
        study_runs.StudyScoring(n_boot=0)
    with pytest.raises(TypeError):
        study_runs.StudyScoring("logit")  # keyword-only


def test_a_tiny_design_runs_end_to_end(tmp_path):
    """Train, score and judge a design of two seeds (scikit-learn digits, an MLP): every run
    is evaluated, the base under every normalisation, and the effects are paired exactly
    where the same test images were scored (the digits split follows the seed)."""
    tiny = {
        "dataset": "digits",
        "model": "mlp",
        "epochs": 4,
        "stage": 2,
        "lr": 0.1,
        "train_limit": 200,
    }
    design = study.one_factor_design(
        tiny, base_overrides={"test_limit": 100}, factors={"width": {"width": 32}}, seeds=[0, 1]
    )
    trained = study_runs.train_design(design, cache_dir=str(tmp_path), data_root=str(tmp_path))
    assert trained.replicates() == {"base": ["base, seed 1"]}
    table = study_runs.overview(trained)
    assert list(table.index) == ["base", "width", "base, seed 1"]
    assert list(table["seed"]) == [0, 0, 1]
    opts = study_runs.StudyScoring(
        n_test=100, n_mem=100, ood_sets={"digits": {"Gaussian": "gaussian"}}, n_ood=40,
        bins=5, n_boot=20, data_root=str(tmp_path),
    )  # fmt: skip
    scores, extras = study_runs.score_design(trained, opts)
    assert set(scores) == {(n, t) for n in design for t in opts.targets}
    assert extras["base"]["pair"] == extras["width"]["pair"]  # same split, same images
    assert extras["base"]["pair"] != extras["base, seed 1"]["pair"]
    evidence = study_verdicts.design_evidence(trained, scores, extras, opts)
    norms = {(run, n) for run, _, n, _ in evidence}
    assert {("base", n) for n in opts.normalisations} <= norms
    assert {("base, seed 1", n) for n in opts.normalisations} <= norms
    assert ("width", "absolute") not in norms  # one-factor runs: the paper's normalisation
    columns = study_verdicts.verdict_columns(design, opts)
    frame = study_effects.effects_frame(
        evidence,
        columns,
        replicates=trained.replicates(),
        pairs={n: e["pair"] for n, e in extras.items()},
    )
    error = frame.loc["error"]
    assert error.loc["target: probability", "paired"] and error.loc["width", "paired"]
    assert error.loc["base", "seeds"] == 2 and error.loc["base", "effect"] == 0
    assert np.isfinite(error["seed noise"]).all()
    assert "3 runs" in study_runs.design_summary(trained, opts, evaluations=len(evidence))
    changed = measures.changes_table(trained, scores, opts)
    assert list(changed.index) == list(design) and not changed["BatchNorm"].any()


def test_headline_counts_the_moves_against_seed_noise():
    ev, columns, replicates, pairs = _design_evidence(shift=0.2)
    frame = study_effects.effects_frame(ev, columns, claims=["error"], replicates=replicates,
                                        pairs=pairs)  # fmt: skip
    assert study_findings.headline(frame) == (
        "judged against the spread of the base over 3 training seeds, 2 of 2 factor effects "
        "move a claim (2 toward the paper's direction)"
    )
    ev, columns, replicates, pairs = _design_evidence(shift=-0.03)
    frame = study_effects.effects_frame(ev, columns, claims=["error"], replicates=replicates,
                                        pairs=pairs)  # fmt: skip
    assert "0 of 2 factor effects" in study_findings.headline(frame)


def test_recorded_states_provenance_scale_fit_and_effects(tmp_path):
    from vog.experiments import records

    assert "No record of the long profile" in study_findings.recorded(None)
    ev, columns, replicates, pairs = _design_evidence(shift=0.2)
    frame = study_effects.effects_frame(ev, columns, claims=["error"], replicates=replicates,
                                        pairs=pairs)  # fmt: skip
    overview = pd.DataFrame(
        {"factor": ["base", "corner"], "training images": [10000, 10000],
         "twin: error on its shuffled labels (%)": [60.0, 3.5]},
        index=pd.Index(["base", "paper-like"], name="run"),
    )  # fmt: skip
    records.write_tables(
        tmp_path, "11_when_claims_hold", {"effects": frame, "overview": overview}, profile="long"
    )
    text = study_findings.recorded(records.read_record(tmp_path, "11_when_claims_hold"))
    assert text.startswith("Recorded on") and "the command 'make records' remakes it" in text
    assert "2 runs, up to 10,000 training images each" in text
    assert "the corners' twins end at paper-like 3.5% error" in text
    assert "2 of 2 effects move a claim" in text  # the recorded effects' own sentences


def test_a_claim_the_base_lacks_has_no_effect_and_still_plots():
    """MNIST-C applies to MNIST runs only: a Fashion-MNIST base has no estimate for it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ev, columns, replicates, pairs = _design_evidence(shift=0.2)
    cond = Condition("VoG minus PCA mean AUROC", 0.1, 0.05, 0.15)
    ev["model: MLP", "logit", "signed", "oodc"] = Evidence("oodc", (cond,), 0.95)
    frame = study_effects.effects_frame(ev, columns, claims=["error", "oodc"],
                                        replicates=replicates, pairs=pairs)  # fmt: skip
    row = frame.loc[("oodc", "model: MLP")]
    assert np.isnan(row["effect"]) and not row["moves"] and not row["paired"]
    assert study_effects.effects_summary(frame).at["model: MLP", "oodc"] == "n/a on base"
    fig = study_effects.forest_figure(frame)
    assert sum(ax.get_visible() for ax in fig.axes) == 2
    plt.close(fig)
    assert "2 of 2 effects" in study_findings.effect_sentences(frame)[1]  # NaN not counted


def test_a_claim_without_any_judged_effect_is_not_called_unmoved():
    ev, columns, replicates, pairs = _design_evidence(shift=0.2)
    cond = Condition("r", 0.2, -0.1, 0.5)
    for run in ("base", "model: MLP"):
        ev[run, "logit", "signed", "class"] = Evidence("class", (cond,), 0.95)
    cond = Condition("VoG minus PCA mean AUROC", 0.1, 0.05, 0.15)
    ev["model: MLP", "logit", "signed", "oodc"] = Evidence("oodc", (cond,), 0.95)
    frame = study_effects.effects_frame(ev, columns, claims=["error", "class", "oodc"],
                                        replicates=replicates, pairs=pairs)  # fmt: skip
    assert study_findings.effect_sentences(frame)[-1] == "No factor moves the class claim."
