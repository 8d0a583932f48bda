import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import vog

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))


def pytest_report_header(config):
    return f"vog imported from: {vog.__file__}"


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


#: Tests sharing an expensive session fixture run on one pytest-xdist worker (``make test`` runs
#: two), so that the fixture is built once: the smoke book (every chapter executed, then the HTML
#: build) and the paper profile's fabricated data sets. Grouped by file, since pytest-xdist's own
#: ``xdist_group`` marks are lost under pytest 9 (they rename node ids); every test using one of
#: these fixtures must live in a file of its group (checked at collection).
XDIST_FIXTURES = {"smoke_book": "smoke-book", "smoke_html": "smoke-book", "workspace": "paper"}
XDIST_GROUP_FILES = {
    "tests/book/test_browser.py": "smoke-book",
    "tests/book/test_build_record.py": "smoke-book",
    "tests/book/test_links.py": "smoke-book",
    "tests/book/test_notebooks.py": "smoke-book",
    "tests/book/test_verify.py": "smoke-book",
    "tests/book/test_student.py": "smoke-book",
    "tests/book/test_paper_profile.py": "paper",
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup``: the tests of :data:`XDIST_GROUP_FILES` by group, others one by one."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return XDIST_GROUP_FILES.get(nodeid.split("::", 1)[0], nodeid)

    return FileGroups(config, log)


def pytest_collection_modifyitems(config, items):
    for item in items:
        groups = {
            XDIST_FIXTURES[f] for f in getattr(item, "fixturenames", ()) if f in XDIST_FIXTURES
        }
        where = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        if groups and XDIST_GROUP_FILES.get(where) not in groups:
            raise pytest.UsageError(
                f"{item.nodeid} uses {sorted(groups)}: add {where} to XDIST_GROUP_FILES "
                "(tests/conftest.py) so that the fixture is built once"
            )
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (run on a GPU machine)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    # Two workers share the machine's cores: one thread each, also in the processes they start
    # (notebook kernels inherit the environment). With two OpenMP threads per worker on two
    # cores, threads spin at every barrier for a descheduled peer: a chapter of many small
    # operations (DenseNet-BC) then ran ten times slower than alone.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = "1"
        torch.set_num_threads(1)


def load_script(name: str):
    """``scripts/<name>.py`` as a module (the scripts are not part of the installed package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def scripts():
    """The loader of ``scripts/<name>.py`` as a module: ``scripts("verify_build")``."""
    return load_script


@pytest.fixture(scope="session")
def fabricate():
    """tests/fabricate.py: data files in the real on-disk formats, random pixels."""
    spec = importlib.util.spec_from_file_location("fabricate", ROOT / "tests" / "fabricate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def notebook_runner():
    """scripts/run_notebooks.py as a module."""
    return load_script("run_notebooks")


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory):
    """A copy of the book sources with every notebook executed in the smoke profile."""
    book = tmp_path_factory.mktemp("book")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, book / name)
    shutil.copytree(
        ROOT / "book", book / "book", ignore=shutil.ignore_patterns("executed", "_build")
    )
    shutil.copytree(ROOT / "benchmarks", book / "benchmarks")  # the performance chapter runs it
    if not (ROOT / "_vendor" / "mathjax" / "tex-mml-chtml.js").is_file():
        pytest.fail("MathJax is missing from _vendor/mathjax/: run `make mathjax` (npm)")
    shutil.copytree(ROOT / "_vendor", book / "_vendor")  # the book's own MathJax (no CDN)
    shutil.copytree(ROOT / "_static", book / "_static")  # the book's style sheet
    shutil.copytree(ROOT / "reference", book / "reference")  # other profiles' chapter times
    if (ROOT / "results").is_dir():  # the long profile's records, read by chapters 11 and 13
        shutil.copytree(ROOT / "results", book / "results")
    runner = load_script("run_notebooks")
    params = runner.load_profile("smoke")
    out = book / "book" / "executed"
    ledger, times = runner.start_ledger(out), {}
    try:
        for src in NOTEBOOKS:
            t0 = time.perf_counter()
            runner.run_notebook(src, out, "smoke", params.get(src.stem) or {}, cwd=book)
            times[src.stem] = time.perf_counter() - t0
        runner.finish_build(out, "smoke", times, ledger)  # the record of this checkout
    finally:
        ledger.unlink(missing_ok=True)
        os.environ.pop("VOG_RUN_LEDGER", None)
    return book


@pytest.fixture(scope="session")
def smoke_html(smoke_book):
    """The smoke book built to HTML with ``jupyter-book build -n -W --keep-going``."""
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run(
        [str(jb), "build", str(smoke_book), "-n", "-W", "--keep-going"],
        capture_output=True,
        text=True,
        cwd=smoke_book,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return smoke_book / "_build" / "html"
