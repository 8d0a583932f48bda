"""The hash-pinned lock of the default install agrees with pyproject.toml (lock_tools.py)."""

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def lt(scripts):
    return scripts("lock_tools")


def test_the_lock_agrees_with_pyproject_and_environment_yml(lt):
    assert lt.disagreements() == []
    pins = lt.parse_lock((ROOT / "requirements.lock").read_text())
    assert pins["torch"][0] == "2.14.1" and pins["torchvision"][0] == "0.29.1"
    assert len(pins) > 150  # the whole default install, CUDA libraries of torch's wheels included
    assert any(name.startswith("nvidia-") for name in pins)
    assert all(len(h) == 64 for _, hashes in pins.values() for h in hashes)
    assert "vog" not in pins  # the package itself is installed from the checkout


def test_make_env_installs_from_the_lock_with_hashes_required():
    make = (ROOT / "Makefile").read_text()
    recipe = make.split("$(VENV)/.deps: $(LOCK)", 1)[1].split("\nenv:", 1)[0]
    assert "--require-hashes -r $(LOCK)" in recipe
    assert not re.search(r"pip install[^\n]*\.\[", recipe)  # no unpinned install of the extras
    assert 'uv" pip compile requirements.in' in make and "--generate-hashes" in make


def _copies(tmp_path):
    for name in ("pyproject.toml", "requirements.lock", "requirements.in", "environment.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return {n: tmp_path / n for n in ("pyproject.toml", "requirements.lock", "requirements.in")}


def test_a_requirement_the_lock_does_not_satisfy_is_named(lt, tmp_path):
    files = _copies(tmp_path)
    py = files["pyproject.toml"]
    py.write_text(py.read_text().replace('"numpy>=1.24"', '"numpy>=99"'))
    py.write_text(py.read_text().replace('"pytest>=8",', '"pytest>=8",\n    "notapackage>=1",'))
    problems = lt.disagreements(py, files["requirements.lock"], files["requirements.in"], None)
    assert any("numpy==" in p and "numpy>=99" in p for p in problems), problems
    assert any("notapackage>=1 of pyproject.toml is not locked" in p for p in problems)


def test_a_pin_without_hash_and_a_changed_torch_pin_are_named(lt, tmp_path):
    files = _copies(tmp_path)
    lock = files["requirements.lock"]
    text = lock.read_text()
    # drop the hashes of one package
    text = re.sub(r"(?m)^(zipp==\S+) \\\n(?:    --hash=\S+(?: \\)?\n)+", r"\1\n", text)
    lock.write_text(text)
    files["requirements.in"].write_text("torch==2.14.0\n")
    problems = lt.disagreements(
        files["pyproject.toml"], lock, files["requirements.in"], tmp_path / "environment.yml"
    )
    assert any(p.endswith("has no --hash") and "zipp==" in p for p in problems), problems
    assert any("pins torch==2.14.0, got 2.14.1" in p for p in problems)


def test_environment_yml_must_pin_the_locks_versions(lt, tmp_path):
    files = _copies(tmp_path)
    env = tmp_path / "environment.yml"
    assert lt.environment_pins(env) == {
        n: v for n, (v, _) in lt.parse_lock(files["requirements.lock"].read_text()).items()
    }
    env.write_text(env.read_text().replace("- numpy==", "- numpy==0.0.0+x"))
    problems = lt.disagreements(
        files["pyproject.toml"], files["requirements.lock"], files["requirements.in"], env
    )
    assert any("environment.yml: does not pin the lock's versions" in p for p in problems)
