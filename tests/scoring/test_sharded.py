import os
import subprocess
import sys
import textwrap

import pytest
import torch

import vog

FACTORIES = textwrap.dedent(
    """
    import torch
    import vog

    def make_model():
        return vog.experiments.LeNet(1, 10)

    def make_data():
        g = torch.Generator().manual_seed(5)
        return torch.randn(45, 1, 28, 28, generator=g), torch.randint(0, 10, (45,), generator=g)
    """
)


@pytest.fixture
def project(tmp_path):
    """A user's module with model/data factories and K=3 saved checkpoints."""
    (tmp_path / "userpkg.py").write_text(FACTORIES)
    sys.path.insert(0, str(tmp_path))
    import userpkg

    ckpts = []
    for k in range(3):
        torch.manual_seed(k)
        ckpts.append(vog.save_checkpoint(userpkg.make_model(), tmp_path / f"ckpt{k}.pt"))
    yield tmp_path, userpkg, ckpts
    sys.path.remove(str(tmp_path))
    sys.modules.pop("userpkg", None)


@pytest.mark.parametrize("fast_conv", [False, True])
def test_shards_merge_equals_compute_vog(project, fast_conv):
    tmp, pkg, ckpts = project
    ref = vog.compute_vog(ckpts, pkg.make_data(), model=pkg.make_model(), device="cpu")
    paths = vog.score_to_shards(
        ckpts,
        pkg.make_data(),
        tmp / "work",
        model=pkg.make_model(),
        shard_size=10,
        batch_size=4,
        device="cpu",
        fast_conv=fast_conv,
    )
    assert len(paths) == 5
    res = vog.merge_shards(tmp / "work")
    torch.testing.assert_close(res.raw, ref.raw, rtol=1e-4 if fast_conv else 1e-6, atol=1e-10)
    assert torch.equal(res.labels, ref.labels) and torch.equal(res.predictions, ref.predictions)


def test_resume_is_bit_identical_and_incomplete_merge_refused(project):
    tmp, pkg, ckpts = project
    kw = dict(model=pkg.make_model(), shard_size=8, batch_size=3, device="cpu")
    vog.score_to_shards(ckpts, pkg.make_data(), tmp / "full", **kw)
    full = vog.merge_shards(tmp / "full")
    vog.score_to_shards(ckpts, pkg.make_data(), tmp / "part", max_shards=2, **kw)
    with pytest.raises(ValueError, match="have no score yet"):
        vog.merge_shards(tmp / "part")
    done = sorted((tmp / "part").glob("shard-*.pt"))
    stamps = [p.stat().st_mtime_ns for p in done]
    vog.score_to_shards(ckpts, pkg.make_data(), tmp / "part", **kw)  # resume
    assert [p.stat().st_mtime_ns for p in done] == stamps  # finished shards not recomputed
    resumed = vog.merge_shards(tmp / "part")
    assert torch.equal(resumed.raw, full.raw)
    # another run's folder is refused
    with pytest.raises(ValueError, match="different run"):
        vog.score_to_shards(ckpts, pkg.make_data(), tmp / "part", labels="predicted", **kw)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".pt"])
def test_write_read_scores_roundtrip(project, suffix):
    tmp, pkg, ckpts = project
    res = vog.compute_vog(ckpts, pkg.make_data(), model=pkg.make_model(), device="cpu")
    path = vog.write_scores(res, tmp / f"scores{suffix}")
    back = vog.read_scores(path)
    for field in ("raw", "normalized", "labels", "predictions", "scored_labels"):
        assert torch.equal(getattr(back, field), getattr(res, field)), field
    with pytest.raises(ValueError, match="'.csv', '.parquet', '.pt'"):
        vog.write_scores(res, tmp / "scores.xlsx")


def _env(tmp):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp), env.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = "1"
    return env


def _score_args(ckpts, out, model="userpkg:make_model", *extra):
    """Arguments of `vog score` for the project fixture's factories."""
    return [
        "score",
        "--model",
        model,
        "--data",
        "userpkg:make_data",
        "--checkpoints",
        *map(str, ckpts),
        "--out",
        str(out),
        "--device",
        "cpu",
        *extra,
    ]


def _run(tmp, cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(tmp), cwd=tmp, **kw)


def test_cli_score(project):
    tmp, pkg, ckpts = project
    out = tmp / "cli.csv"
    proc = _run(
        tmp,
        [
            sys.executable,
            "-m",
            "vog",
            *_score_args(ckpts, out, "userpkg:make_model", "--batch-size", "16"),
        ],
    )
    assert proc.returncode == 0, proc.stderr
    ref = vog.compute_vog(ckpts, pkg.make_data(), model=pkg.make_model(), device="cpu")
    torch.testing.assert_close(vog.read_scores(out).raw, ref.raw, rtol=1e-6, atol=1e-10)
    bad = _run(tmp, [sys.executable, "-m", "vog", *_score_args(ckpts, out, "nosuchmodule:f")])
    assert bad.returncode != 0 and "cannot import 'nosuchmodule:f'" in bad.stderr


def test_torchrun_two_processes_gloo(project):
    """The distributed path: 2 ranks on CPU with gloo, padded samples de-duplicated."""
    tmp, pkg, ckpts = project
    out = tmp / "dist.parquet"
    launcher = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "-m",
        "vog",
    ]
    extra = ("--shard-size", "7", "--batch-size", "5")
    proc = _run(tmp, launcher + _score_args(ckpts, out, "userpkg:make_model", *extra), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    shards = sorted((tmp / "dist.parquet.shards").glob("shard-w2-*.pt"))
    assert {p.name.split("-")[2] for p in shards} == {"r0", "r1"}
    # 45 examples on 2 ranks: 23 each, one padded duplicate
    assert sum(len(torch.load(p, weights_only=True)["index"]) for p in shards) == 46
    res = vog.read_scores(out)
    ref = vog.compute_vog(ckpts, pkg.make_data(), model=pkg.make_model(), device="cpu")
    torch.testing.assert_close(res.raw, ref.raw, rtol=1e-6, atol=1e-10)
    torch.testing.assert_close(res.normalized, ref.normalized, rtol=1e-5, atol=1e-6)


def test_cli_report(project):
    tmp, pkg, ckpts = project
    scores = tmp / "s.parquet"
    proc = _run(tmp, [sys.executable, "-m", "vog", *_score_args(ckpts, scores)])
    assert proc.returncode == 0, proc.stderr
    out = tmp / "audit.html"
    proc = _run(
        tmp,
        [
            sys.executable,
            "-m",
            "vog",
            "report",
            str(scores),
            "--data",
            "userpkg:make_data",
            "--out",
            str(out),
            "--k",
            "2",
        ],
    )
    assert proc.returncode == 0, proc.stderr
    page = out.read_text()
    res = vog.read_scores(scores)
    classes = sorted(set(res.scored_labels.tolist()))
    assert page.count("<h2>class ") == len(classes)
    assert page.count("data:image/png;base64,") == sum(
        2 * min(2, int((res.scored_labels == c).sum())) for c in classes
    )
    top = int(res.normalized.argmax())
    assert f"#{top} " in page


def test_report_checks_images(project):
    tmp, pkg, ckpts = project
    res = vog.compute_vog(ckpts, pkg.make_data(), model=pkg.make_model(), device="cpu")
    with pytest.raises(ValueError, match="images must have shape"):
        vog.analysis.write_report(res, torch.rand(3, 1, 28, 28), tmp / "r.html")


def test_module_checkpoints_with_other_weights_are_another_run(tmp_path):
    torch.manual_seed(0)
    nets = [vog.experiments.MLP(4, (3,), 2) for _ in range(2)]
    data = torch.randn(10, 4), torch.randint(0, 2, (10,))
    vog.score_to_shards(nets, data, tmp_path, device="cpu")
    with torch.no_grad():
        next(nets[1].parameters()).add_(1.0)  # same architecture, other weights
    with pytest.raises(ValueError, match="different run"):
        vog.score_to_shards(nets, data, tmp_path, device="cpu")
