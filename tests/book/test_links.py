"""The repository address has one home; every launch and download link leads to a file."""

import html.parser
import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import tomllib
import yaml

import vog

ROOT = Path(__file__).resolve().parents[2]
REPO = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def test_the_repository_address_has_one_home():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == REPO
    assert REPO in (ROOT / "README.md").read_text()
    assert vog.experiments.companion.repository() == REPO  # read from the installed metadata
    # no other file spells an address of its own
    for path in [*ROOT.glob("*.md"), *ROOT.glob("book/*.md"), *ROOT.glob("notebooks/*.py")]:
        for url in re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", path.read_text()):
            assert url == REPO or "chirag126/VOG" in url or "rhysd" in url, (path, url)


def test_launch_notebooks_are_in_sync_with_their_sources():
    script = ROOT / "scripts" / "make_launch_notebooks.py"
    proc = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "src", sorted((ROOT / "notebooks").glob("[0-9]*.py")), ids=lambda p: p.stem
)
def test_launch_notebook_installs_then_runs_its_source(src):
    nb = nbformat.read(ROOT / "notebooks" / "ipynb" / f"{src.stem}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "install" in code[0].metadata.get("tags", []) and REPO in code[0].source
    assert "parameters" in code[1].metadata.get("tags", [])
    assert not any(c.outputs for c in code)
    source = jupytext.read(src)  # the chapter, then its exercises
    exercises = src.parent / "exercises" / src.name
    cells = source.cells + (jupytext.read(exercises).cells if exercises.is_file() else [])
    assert [c.source for c in nb.cells if "install" not in c.metadata.get("tags", [])] == [
        c.source for c in cells
    ]
    urls = vog.experiments.companion.launch_urls(src.stem)
    for url in urls.values():
        assert url.endswith(f"notebooks/ipynb/{src.stem}.ipynb")


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])


@pytest.mark.slow
def test_every_launch_and_download_link_points_at_a_file(smoke_html):
    checked = {"launch": 0, "download": 0}
    for page in smoke_html.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text())
        for link in parser.links:
            match = re.search(r"(?:blob/main/|labpath=)(notebooks/ipynb/[\w.-]+\.ipynb)", link)
            if match and ("colab.research" in link or "mybinder" in link or REPO in link):
                assert (ROOT / match.group(1)).is_file(), (page.name, link)
                checked["launch"] += 1
            if "_sources/" in link:
                target = (page.parent / link.split("#")[0]).resolve()
                assert target.is_file(), (page.name, link)
                checked["download"] += 1
    assert checked["launch"] >= 3 * 12 and checked["download"] > 10, checked
