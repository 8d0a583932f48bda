"""The benchmark scripts as modules (they are scripts, not part of the installed package)."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(stem: str):
    spec = importlib.util.spec_from_file_location(f"bench_{stem}", BENCHMARKS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    yield _load("bench_scoring")
    sys.modules.pop("bench_bench_scoring", None)


@pytest.fixture(scope="module")
def summary():
    yield _load("summary")
    sys.modules.pop("bench_summary", None)


@pytest.fixture(scope="module")
def training():
    yield _load("bench_training")
    sys.modules.pop("bench_bench_training", None)


@pytest.fixture(scope="module")
def conv_route():
    yield _load("bench_conv_route")
    sys.modules.pop("bench_bench_conv_route", None)


@pytest.fixture(scope="module")
def findings():
    """``benchmarks.findings`` imported as the chapter imports it (a package with ``summary``)."""
    spec = importlib.util.spec_from_file_location(
        "benchmarks", BENCHMARKS / "__init__.py", submodule_search_locations=[str(BENCHMARKS)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["benchmarks"] = package
    spec.loader.exec_module(package)
    try:
        yield importlib.import_module("benchmarks.findings")
    finally:
        for name in ("benchmarks", "benchmarks.findings", "benchmarks.summary"):
            sys.modules.pop(name, None)
