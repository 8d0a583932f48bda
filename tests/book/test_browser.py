"""The built book in a real browser: headless Chromium driven by Playwright on localhost.

The site is served twice: at the root of the server and under a sub-path
(``/vog/``), as GitHub project pages serve it; a link that reaches above the
site's folder fails in the second.
"""

import functools
import http.server
import os
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


@pytest.mark.parametrize("page_path", toc_pages())
def test_page_loads_with_images_and_no_errors(site, browser, page_path):
    page = browser.new_page()
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
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert not failed, f"requests that failed: {failed}"
    if "executed/" in page_path:
        assert sizes, "a chapter page without a single figure"
    page.close()


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
