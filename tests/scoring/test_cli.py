"""The `vog` command as a user runs it: modules from the current folder, one-line errors."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

import vog

VOG = Path(sys.executable).with_name("vog")  # the console script pip installed
MYMOD = textwrap.dedent(
    """
    import torch
    import vog

    def make_model():
        torch.manual_seed(0)
        return vog.experiments.MLP(12, (8,), 3)

    def make_data():
        g = torch.Generator().manual_seed(2)
        return torch.randn(20, 12, generator=g), torch.randint(0, 3, (20,), generator=g)

    def bad_data():
        x, y = make_data()
        x[7, 0] = float("nan")
        return x, y
    """
)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "mymod.py").write_text(MYMOD)
    ckpts = []
    for k in range(3):
        torch.manual_seed(10 + k)
        ckpts.append(
            vog.save_checkpoint(vog.experiments.MLP(12, (8,), 3), tmp_path / f"ckpt_{k}.pt")
        )
    return tmp_path, ckpts


def run(folder, *args, console=True):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    cmd = [str(VOG)] if console else [sys.executable, "-m", "vog"]
    return subprocess.run(
        [*cmd, *map(str, args)], capture_output=True, text=True, cwd=folder, env=env, timeout=300
    )


def score_args(ckpts, out, data="mymod:make_data", *extra):
    return ["score", "--model", "mymod:make_model", "--data", data, "--checkpoints", *ckpts,
            "--out", out, "--device", "cpu", *extra]  # fmt: skip


@pytest.mark.skipif(not VOG.exists(), reason="the vog console script is installed by `make test`")
def test_readme_command_finds_a_module_in_the_current_folder(folder):
    tmp, ckpts = folder
    proc = run(tmp, *score_args(ckpts, "scores.csv"))
    assert proc.returncode == 0, proc.stderr
    sys.path.insert(0, str(tmp))
    try:
        import mymod

        ref = vog.compute_vog(ckpts, mymod.make_data(), model=mymod.make_model(), device="cpu")
    finally:
        sys.path.remove(str(tmp))
        sys.modules.pop("mymod", None)
    torch.testing.assert_close(vog.read_scores(tmp / "scores.csv").raw, ref.raw)


@pytest.mark.parametrize(
    "args, message",
    [
        (("nosuch:make_data",), "cannot import 'nosuch:make_data'"),
        (("mymod",), "expected module:function, got 'mymod'"),
        (("mymod:bad_data",), "inputs contains NaN or inf values (first affected rows: [7])"),
        (("mymod:make_data", "--fast-conv", "--vectorize"), "fast_conv=True works without"),
        (("mymod:make_data", "--batch-size", "0"), "batch_size must be >= 1"),
    ],
)
def test_errors_are_one_line_with_status_2(folder, args, message):
    tmp, ckpts = folder
    proc = run(tmp, *score_args(ckpts, "s.csv", *args), console=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vog score: error: "), proc.stderr
    assert message in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp / "s.csv").exists()


def test_debug_shows_the_traceback(folder):
    tmp, ckpts = folder
    for debug in (["--debug"], []):
        args = ["--debug", *score_args(ckpts, "s.csv", "nosuch:f")] if debug else [
            *score_args(ckpts, "s.csv", "nosuch:f"), "--debug"]  # fmt: skip
        proc = run(tmp, *args, console=False)
        assert proc.returncode != 0 and "Traceback" in proc.stderr
        assert "cannot import 'nosuch:f'" in proc.stderr


def test_missing_files_are_one_line_errors(folder):
    tmp, ckpts = folder
    proc = run(tmp, "report", "absent.parquet", "--data", "mymod:make_data", "--out", "r.html",
               console=False)  # fmt: skip
    assert proc.returncode == 2 and "scores file not found: absent.parquet" in proc.stderr
    proc = run(tmp, *score_args([*ckpts[:1], tmp / "nope.pt"], "s.csv"), console=False)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "checkpoint file not found" in proc.stderr
    proc = run(tmp, "merge", "nofolder", "--out", "x.csv", console=False)
    assert proc.returncode == 2 and "no manifest.json in nofolder" in proc.stderr


def test_usage_errors_stay_argparse_errors(folder):
    tmp, _ = folder
    proc = run(tmp, "score", "--labels", "sometimes", console=False)
    assert proc.returncode == 2 and "invalid choice: 'sometimes'" in proc.stderr
