"""The built book in a real browser: headless Chromium driven by Playwright on localhost.

The site is served twice: at the root of the server and under a sub-path
(``/vog/``), as GitHub project pages serve it; a link that reaches above the
site's folder fails in the second. Every request that leaves the local server
is blocked (and fails the test): the book must work offline, its maths
included (MathJax is served by the book itself). Screenshots of the landing
page, the reproduction page and a chapter are saved as test artefacts; the
test prints where.
"""

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def toc_pages() -> list[str]:
    """Every document of _toc.yml as its HTML path."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages += [c["file"] for c in part["chapters"]]
    return [f"{p}.html" for p in pages]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the site under ``prefix`` only; anything outside it is a 404."""

    prefix = ""

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        if self.prefix:
            if not (path == self.prefix or path.startswith(self.prefix + "/")):
                return "/nonexistent-outside-the-site-prefix"
            path = path[len(self.prefix) :] or "/"
        return super().translate_path(path)


@pytest.fixture(scope="module", params=["", "/vog"], ids=["root", "sub-path"])
def site(smoke_html, request):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it with apt-get")
        pytest.skip("needs Debian's chromium (apt-get install chromium); .ci/run installs it")
    handler = type("Handler", (_Quiet,), {"prefix": request.param})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(smoke_html))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}{request.param}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


VIEWPORT = {"width": 1280, "height": 900}  # a laptop screen
RAW_TEX = ("\\frac", "\\sqrt", "\\[", "\\mathrm", "\\sum")
SCREENSHOTS = {
    "landing": "book/intro.html",
    "reproduction": "book/reproduction.html",
    "chapter": "book/executed/03_error_by_vog.html",
}


def offline_page(browser, site):
    """A new page whose requests outside ``site`` are blocked; returns (page, blocked urls)."""
    page = browser.new_page(viewport=VIEWPORT)
    origin = site.split("/", 3)[:3]
    blocked = []

    def route(r):
        if r.request.url.split("/", 3)[:3] == origin:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return page, blocked


def wait_for_maths(page, blocked=()) -> bool:
    """Wait until MathJax has typeset the page; False if the page loads no MathJax."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if not page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
        return False
    try:
        page.wait_for_function(
            "() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise",
            timeout=20000,
        )
    except PlaywrightTimeout:
        src = page.evaluate("() => document.querySelector('script[src*=\"mathjax\"]').src")
        raise AssertionError(
            f"MathJax did not start from {src}; requests that need a network: {list(blocked)}"
        ) from None
    page.evaluate("() => window.MathJax.startup.promise")
    return True


@pytest.mark.parametrize("page_path", toc_pages())
def test_page_loads_with_images_and_no_errors(site, browser, page_path):
    page, blocked = offline_page(browser, site)
    failed = []
    page.on(
        "response",
        lambda r: (
            failed.append(r.url) if r.status >= 400 and not r.url.endswith("favicon.ico") else None
        ),
    )
    response = page.goto(f"{site}/{page_path}", wait_until="load")
    assert response is not None and response.status == 200
    sizes = page.evaluate(
        "Array.from(document.images).map(i => [i.currentSrc, i.complete, i.naturalWidth])"
    )
    broken = [src for src, complete, width in sizes if not complete or width == 0]
    assert not broken, f"images without a natural size: {broken}"
    typeset = wait_for_maths(page, blocked)
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert not failed, f"requests that failed: {failed}"
    assert not blocked, f"requests that need a network: {blocked}"
    raw = [tex for tex in RAW_TEX if tex in text]
    assert not raw, f"raw TeX shown as text ({raw}); MathJax typeset: {typeset}"
    if re.search(r"executed/\d", page_path):  # a chapter (not the page "About this build")
        assert sizes, "a chapter page without a single figure"
        # every figure readable: at least 400 px wide on a laptop screen
        widths = page.evaluate(
            "Array.from(document.querySelectorAll('.cell_output img'))"
            ".map(i => [i.currentSrc, i.getBoundingClientRect().width])"
        )
        narrow = [(src.rsplit("/", 1)[-1], round(w)) for src, w in widths if 0 < w < 400]
        assert not narrow, f"figures narrower than 400 px: {narrow}"
    page.close()


def test_maths_is_typeset_offline(site, browser):
    """The landing page's equations become MathJax output with the network blocked."""
    page, blocked = offline_page(browser, site)
    page.goto(f"{site}/book/intro.html", wait_until="load")
    assert wait_for_maths(page, blocked), "the landing page loads no MathJax"
    src = page.evaluate("() => document.querySelector('script[src*=\"mathjax\"]').src")
    assert src.startswith(site.split("/", 3)[0] + "//" + site.split("/", 3)[2]), src
    assert page.locator("mjx-container").count() >= 2
    text = page.inner_text("article")
    assert "VoG" in text and not [tex for tex in RAW_TEX if tex in text]
    assert not blocked, blocked
    page.close()


def test_chapter_leads_with_findings_and_folded_code_opens(site, browser):
    """A chapter shows its computed findings before any code; folded code is one click away."""
    page, blocked = offline_page(browser, site)
    page.goto(f"{site}/{SCREENSHOTS['chapter']}", wait_until="load")
    headings = page.evaluate(
        "Array.from(document.querySelectorAll('article h2')).map(h => h.textContent)"
    )
    assert headings and headings[0].startswith("Findings"), headings
    findings = page.locator("section#findings")
    assert findings.count() == 1 and findings.inner_text().count("%") >= 3
    folded = page.locator("details.hide.above-input")
    assert folded.count() >= 3, "plotting and parameter code should be folded"
    first = folded.first
    code = first.locator(".cell_input")
    assert not code.is_visible()
    first.locator("summary").click()
    code.wait_for(state="visible", timeout=5000)
    assert code.is_visible() and "=" in code.inner_text()
    assert not blocked, blocked
    page.close()


def test_reproduction_page_opens_with_the_verdict_board(site, browser):
    page, blocked = offline_page(browser, site)
    page.goto(f"{site}/{SCREENSHOTS['reproduction']}", wait_until="load")
    first_table = page.locator("article table").first
    header = first_table.locator("thead").inner_text().lower()
    for column in ("claim", "paper", "ours", "mark", "why", "holds with"):
        assert column in header, header
    rows = first_table.locator("tbody tr")
    assert rows.count() >= 10
    marks = [rows.nth(i).locator("td").nth(3).inner_text().strip() for i in range(rows.count())]
    # a plain verdict, or one that keeps the signed score's direction (direction_mark)
    mark = re.compile(
        r"n/a|(holds|fails|within noise)( as \|z\|( only)?; signed: (holds|within noise|reversed))?"
    )
    assert all(mark.fullmatch(m) for m in marks), marks
    # the board is the first thing on the page: before any section of details
    assert page.evaluate(
        "() => { const t = document.querySelector('article table');"
        " const h = document.querySelector('article h2');"
        " return !!h && !!(t.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING); }"
    )
    assert not blocked, blocked
    page.close()


def test_screenshots_of_the_book(site, browser, smoke_html, capsys):
    """Screenshots of the landing page, the reproduction page and a chapter (test artefacts)."""
    out = Path(os.environ.get("VOG_SCREENSHOTS", smoke_html.parent / "screenshots"))
    out = out / ("sub-path" if site.endswith("/vog") else "root")
    out.mkdir(parents=True, exist_ok=True)
    for name, path in SCREENSHOTS.items():
        page, blocked = offline_page(browser, site)
        page.goto(f"{site}/{path}", wait_until="load")
        wait_for_maths(page)
        shot = out / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000 and not blocked
        page.close()
    with capsys.disabled():
        print(f"\nscreenshots of the book: {out}")


def test_search_finds_a_chapter(site, browser):
    page = browser.new_page()
    page.goto(f"{site}/search.html?q=memorised", wait_until="load")
    page.wait_for_selector("#search-results a, ul.search a", timeout=15000)
    links = page.evaluate(
        "Array.from(document.querySelectorAll('#search-results a, ul.search a'))"
        ".map(a => a.getAttribute('href'))"
    )
    assert any("05_memorization" in link for link in links), links
    page.close()


def test_the_sub_path_serves_nothing_outside_it(site):
    """The sub-path server is a real test: the site's root is not reachable there."""
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(f"{site}/index.html") as r:
        assert r.status == 200
    if site.endswith("/vog"):
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(site[: -len("/vog")] + "/index.html")


@pytest.mark.parametrize(
    "chapter", ["11_when_claims_hold", "90_performance", "14_beyond_images", "13_hcat_benchmark"]
)
def test_wide_tables_and_figures_stay_within_the_page(site, browser, chapter):
    """Rendered widths, measured at 1400 pixels: no output (a wide table, a figure) runs past
    the article's right edge; a table wider than the text scrolls inside its output."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{site}/book/executed/{chapter}.html", wait_until="load")
    widths = page.evaluate(
        """() => {
        const article = document.querySelector('article').getBoundingClientRect();
        return [...document.querySelectorAll('article div.cell_output')].map(o => {
            const r = o.getBoundingClientRect();
            const style = getComputedStyle(o).overflowX;
            return {right: r.right, limit: article.right, scroll: o.scrollWidth > o.clientWidth,
                    scrolls: style === 'auto' || style === 'scroll'};
        });
    }"""
    )
    assert widths, "the chapter has outputs"
    past = [w for w in widths if w["right"] > w["limit"] + 1]
    assert not past, past
    assert all(w["scrolls"] for w in widths if w["scroll"]), widths
    page.close()
