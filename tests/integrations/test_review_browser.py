"""The review page in headless Chromium (Playwright): mark, reload, export, apply."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import vog

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it with apt-get")
        pytest.skip("needs Debian's chromium (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def review(tmp_path):
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(30) % 3
    raw = torch.rand(30, generator=g, dtype=torch.float64)
    preds = torch.where(torch.rand(30, generator=g) < 0.7, labels, (labels + 1) % 3)
    res = vog.VoGResult.from_raw(raw, labels, preds, labels)
    scores = vog.write_scores(res, tmp_path / "scores.parquet")
    page = vog.analysis.write_report(
        res, torch.rand(30, 1, 8, 8, generator=g), tmp_path / "review.html", k=3,
        class_names=["cat", "dog", "fox"],
    )  # fmt: skip
    return res, scores, page


def test_mark_reload_export_apply(browser, review, tmp_path):
    res, scores, page_path = review
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri())
    cards = page.locator("article.card")
    assert cards.count() == 9
    idx = [int(cards.nth(j).get_attribute("data-index")) for j in range(9)]
    label = {i: int(res.labels[i]) for i in idx}

    # mouse: keep the first card, relabel the fifth with its menu
    cards.nth(0).locator("button[data-decision=keep]").click()
    other = next(c for c in range(3) if c != label[idx[4]])
    cards.nth(4).locator("select").select_option(str(other))
    # keyboard: on the second card, x = remove (moves on), o = out of distribution,
    # a digit = relabel as that class, u = undo
    cards.nth(1).locator(".caption").click()
    page.keyboard.press("x")
    page.keyboard.press("o")
    digit = next(c for c in range(3) if c != label[idx[3]])
    page.keyboard.press(str(digit))  # the fourth card
    cards.nth(5).locator(".caption").click()
    page.keyboard.press("k")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("u")  # undo the sixth card's keep
    want = {
        idx[0]: ("keep", None),
        idx[1]: ("remove", None),
        idx[2]: ("ood", None),
        idx[3]: ("relabel", digit),
        idx[4]: ("relabel", other),
    }

    def decisions():
        return {
            int(c.get_attribute("data-index")): c.get_attribute("data-decision")
            for c in cards.all()
            if c.get_attribute("data-decision")
        }

    assert decisions() == {i: d for i, (d, _) in want.items()}
    page.reload()
    assert decisions() == {i: d for i, (d, _) in want.items()}  # kept across the reload
    assert "5 of 9" in page.locator("#vog-progress").inner_text()
    assert f"→ {['cat', 'dog', 'fox'][other]}" in cards.nth(4).locator(".state").inner_text()

    files = {}
    for kind in ("csv", "json"):
        with page.expect_download() as dl:
            page.click(f"#vog-export-{kind}")
        files[kind] = tmp_path / f"decisions.{kind}"
        dl.value.save_as(files[kind])
    doc = json.loads(files["json"].read_text())
    assert doc["scores_sha256"] == vog.analysis.review.scores_fingerprint(res)
    got = {d["index"]: (d["decision"], d["new_label"]) for d in doc["decisions"]}
    assert got == want
    assert files["csv"].read_text().splitlines()[0] == (
        "index,decision,label,new_label,prediction,vog_normalized"
    )
    assert not errors
    context.close()

    for kind, path in files.items():
        out = tmp_path / f"labels_{kind}.npy"
        status = vog.cli.main(["apply", str(path), "--scores", str(scores), "--out", str(out)])
        assert status == 0
        new = np.load(out)
        expect = res.labels.numpy().copy()
        expect[idx[3]], expect[idx[4]] = digit, other
        expect[idx[1]] = expect[idx[2]] = -1
        np.testing.assert_array_equal(new, expect)
