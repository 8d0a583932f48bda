"""The ``paper`` profile's wiring, executed on fabricated files in the real formats.

The real ``paper`` profile needs a GPU and the paper's data sets (CIFAR-10/100,
ImageNet, ImageNet-O, MNIST and MNIST-C, the ODIN folders). Here each chapter
runs with the paper profile's own parameters (data sets, architectures, OoD
sets, windows) on random-pixel files in the on-disk layouts those data sets
have, changing only what makes it fit a CPU: sizes (epochs, subsets, widths,
image size, batch sizes), a smaller learning rate, ``data_source: disk``
instead of a download, and ``require_claims: false`` (random pixels cannot
reproduce a claim).
"""

from pathlib import Path

import nbformat
import pytest
import torch

import vog

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

SHRINK = {
    "epochs": 6,
    "lr": 0.01,
    "lr_milestones": [2, 4],
    "vog_every": 2,
    "train_limit": 48,
    "test_limit": 24,
    "width": 8,
    "image_size": 64,
    "batch_size": 16,
    "data_source": "disk",
}
OVERRIDES = {
    "03_error_by_vog": {"bins": 4},
    "04_qualitative": {"k": 4},
    "06_ood_mnist_c": {"n_eval": 24, "max_fit": 48, "baseline_epochs": 2},
    "07_dynamics": {"bins": 4, "low_lr_epochs": 6},
    "08_stability": {"seeds": [0, 1], "batch_sizes": [16, 32], "bins": 4},
    "09_ood_msp": {"architectures": ["resnet18", "densenet_bc"], "n_eval": 24},
    "10_distribution_shift": {"n_eval": 24, "n_shift": 12},
    "11_when_claims_hold": {"bins": 4, "n_boot": 10, "n_ood": 12, "n_test": 24, "n_mem": 48},
    "12_compare_scores": {"cv_epochs": 6, "bins": 4, "n_boot": 10},
    # H-CAT's full grid (120 runs) cut to two types, one p, one seed
    "13_hcat_benchmark": {
        "hardness": ["uniform", "far_ood"],
        "proportions": [0.25],
        "seeds": [0],
        "cv_epochs": 2,
    },
}
# 01 reads no data set (its paper section only enlarges the toy); 90 needs CUDA; 14 (beyond
# images) has no paper data set: its paper section trains the default domains longer
CHAPTERS = sorted(
    p
    for p in (ROOT / "notebooks").glob("[0-9]*.py")
    if p.stem not in ("01_toy_gaussian", "14_beyond_images", "90_performance")
)


def shrink(params: dict) -> dict:
    """The paper section with every experiment configuration made CPU-sized: a chapter's
    preset keeps its name and gets ``overrides``; named runs become flat settings."""

    def small(cfg) -> dict:  # a preset name or flat settings
        return vog.experiments.experiment_settings(cfg, **SHRINK)

    out = dict(params)
    if "experiment" in params:
        out["overrides"] = {**params.get("overrides", {}), **SHRINK}
    for key in ("experiments", "runs"):
        if key in params:
            out[key] = {name: small(cfg) for name, cfg in params[key].items()}
    if "base" in params:  # the factor study: its base gets the sizes, its factors keep them
        out["base_overrides"] = {**params.get("base_overrides", {}), **SHRINK}
        for key in ("factors", "corners"):
            out[key] = {
                name: {k: SHRINK.get(k, v) for k, v in changes.items()}
                for name, changes in params.get(key, {}).items()
            }
        out["anchors"] = {
            name: [small(c) for c in pair] for name, pair in params.get("anchors", {}).items()
        }
    return out


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, fabricate):
    """A folder laid out like a machine holding the paper's data sets under data/."""
    ws = tmp_path_factory.mktemp("paper")
    data = ws / "data"
    fabricate.cifar(data, "cifar10", n=16)
    fabricate.cifar(data, "cifar100", n=48, n_classes=20)
    fabricate.mnist(data, n_train=60, n_test=30)
    for name in vog.datasets.CORRUPTIONS:
        images = torch.rand(30, 1, 28, 28, generator=torch.Generator().manual_seed(len(name)))
        vog.datasets.write_mnist_c(data / "mnist_c", name, images, torch.arange(30) % 10)
    for folder in ("iSUN", "Imagenet_resize", "LSUN_resize"):
        fabricate.image_folder(data / folder, classes=(folder,), per_class=12, size=(32, 32))
    fabricate.imagenet(data)
    fabricate.image_folder(data / "imagenet-o", classes=("n09999999", "n09999998"), per_class=6)
    return ws


def test_paper_profile_names_the_real_data(notebook_runner):
    paper = notebook_runner.load_profile("paper")
    runs = {
        name: vog.experiments.experiment_settings(preset)
        for name, preset in paper["02_training"]["experiments"].items()
    }
    assert {r["dataset"] for r in runs.values()} == {"cifar10", "cifar100", "imagenet"}
    assert runs["ImageNet"]["model"] == "resnet50" and runs["ImageNet"]["image_size"] == 224
    assert paper["10_distribution_shift"]["shift_sets"] == {"ImageNet-O": "folder:data/imagenet-o"}
    assert all(
        paper[c.stem].get("require_claims", True) for c in CHAPTERS if c.stem != "04_qualitative"
    )


@pytest.mark.parametrize("src", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_runs_with_paper_parameters_on_real_formats(src, workspace, notebook_runner):
    section = notebook_runner.load_profile("paper")[src.stem] or {}
    params = {**shrink(section), **OVERRIDES.get(src.stem, {})}
    if "require_claims" in section:
        params["require_claims"] = False
    out = notebook_runner.run_notebook(src, workspace / "executed", "paper", params, cwd=workspace)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'profile = "paper"' in injected.source
    text = "".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    if src.stem == "02_training":
        assert all(name in text for name in ("CIFAR-10", "CIFAR-100", "ImageNet"))
    if src.stem == "10_distribution_shift":
        assert "ImageNet-O" in text
