"""The book's record of its build: the page "About this build" and each chapter's footer."""

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from vog.experiments import provenance

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9]*.py"))
pytestmark = pytest.mark.slow


def test_the_record_names_the_commit_the_lock_the_chapters_and_the_runs(smoke_book):
    record = json.loads((smoke_book / "book" / "executed" / "build_record.json").read_text())
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    assert record["commit"] == (head or None) and record["profile"] == "smoke"
    assert (
        record["lock_sha256"]
        == hashlib.sha256((ROOT / "requirements.lock").read_bytes()).hexdigest()
    )
    assert sorted(record["chapters"]) == CHAPTERS
    assert all(seconds > 0 for seconds in record["chapters"].values())
    assert set(record["versions"]) == {"python", *provenance.VERSIONED}
    kinds = {r["kind"] for r in record["runs"]}
    assert {"experiment", "hcat"} <= kinds  # the chapters' trained runs and H-CAT's
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["data_sha256"]) for r in record["runs"])
    assert len({r["folder"] for r in record["runs"]}) == len(record["runs"])


def test_every_chapter_ends_with_its_footer_and_the_page_renders(smoke_html):
    about = (smoke_html / "book" / "executed" / "about_build.html").read_text()
    assert "About this build" in about and "Trained runs" in about
    for name in CHAPTERS:
        assert f"<td><p>{name}</p></td>" in about or f">{name}<" in about, name
        page = (smoke_html / "book" / "executed" / f"{name}.html").read_text()
        footer = re.search(r"Built from <code[^>]*><span class=\"pre\">([^<]+)</span>", page)
        assert footer, f"{name}: no build footer"
        assert "with profile" in page and 'href="about_build.html"' in page, name
