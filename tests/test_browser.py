"""The rendered book in a real headless browser (Chromium driven by Playwright).

Builds the HTML book if it is missing or older than its sources, serves it on 127.0.0.1 and visits
every page: no console errors, every image loaded, every internal link (and anchor) resolves, math is
typeset by MathJax, notebook pages carry launch buttons, and the search page answers.

The site loads MathJax 3 from a CDN. The test needs no internet: requests for the CDN are answered
from a local copy (``npm install`` puts MathJax 3 into ``node_modules/``), so typesetting really runs;
every other external request is refused and reported.

Needs Debian's ``chromium`` and the npm package ``mathjax@3``; ``.ci/run`` installs both. Without them
the tests are skipped with the reason, unless ``MATGRAD_REQUIRE_BROWSER=1`` (set by ``.ci/run``),
which turns a missing prerequisite into a failure so that CI cannot silently skip.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "artifacts"
MATHJAX_DIR = ROOT / "node_modules" / "mathjax" / "es5"
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/"
REDIRECTS = ROOT / "book" / "_redirects"  # pages that send a moved chapter's old address on (html_extra_path)
REDIRECTED = sorted(p.relative_to(REDIRECTS).as_posix() for p in REDIRECTS.rglob("*.html"))
VERSION = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("MATGRAD_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require(condition: bool, reason: str) -> None:
    if not condition:
        if REQUIRED:
            pytest.fail(f"{reason} (MATGRAD_REQUIRE_BROWSER=1 forbids skipping)")
        pytest.skip(reason)


def _sources() -> list[Path]:
    files = [*ROOT.glob("book/*.ipynb"), *ROOT.glob("book/*.md"), ROOT / "_config.yml", ROOT / "_toc.yml"]
    files += list(REDIRECTS.rglob("*.html"))
    return [*files, ROOT / "references.bib"]


def _ensure_built() -> None:
    index = HTML / "index.html"
    if index.exists() and index.stat().st_mtime >= max(p.stat().st_mtime for p in _sources()):
        return
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "build", str(ROOT), "--all", "-W", "-n", "--keep-going"], check=True, cwd=ROOT)


def _pages() -> list[str]:
    skip = {"_static", "_sources", "_images", "_panels_static"}
    pages = [p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html") if not skip & set(p.relative_to(HTML).parts)]
    # index.html only redirects (see test_root_redirects_to_intro), and so do the pages of moved chapters
    # (see test_old_addresses_of_moved_chapters_redirect)
    return sorted(p for p in pages if p != "index.html" and p not in REDIRECTED)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


@pytest.fixture(scope="module")
def site():
    _require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (Debian package 'chromium')")
    _require((MATHJAX_DIR / "tex-mml-chtml.js").exists(), "local MathJax 3 missing: run 'npm install' (package.json)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _require(False, "Playwright for Python is not installed")
    _ensure_built()
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser_context(site):
    from playwright.sync_api import sync_playwright

    refused: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(site):
            return request_route.continue_()
        if url.startswith(MATHJAX_CDN):
            local = MATHJAX_DIR / urllib.parse.urlparse(url).path.split("/es5/", 1)[1]
            if local.is_file():
                return request_route.fulfill(path=str(local))
        refused.append(url)
        return request_route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def new_context(width: int, height: int):
            context = browser.new_context(viewport={"width": width, "height": height})
            context.route("**/*", route)
            context.refused = refused  # type: ignore[attr-defined]
            context.new_context = new_context  # type: ignore[attr-defined]  (a phone-sized one, for example)
            return context

        yield new_context(1280, 900)
        browser.close()


def _visit(context, url: str):
    """Open ``url``, wait for MathJax if the page uses it; return (page, console errors)."""
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response.status if response else 'no response'}"
    if page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')"):
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
        page.evaluate("() => MathJax.startup.promise")
    # Not "networkidle": MathJax fetches its fonts lazily, so on a busy machine the network may not be
    # quiet for long; wait for exactly what the checks need instead.
    page.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=30_000)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    return page, errors


_TEXT_OUTSIDE_CODE = """() => {
  const body = document.querySelector('main') || document.body;
  const clone = body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight').forEach(e => e.remove());
  return clone.textContent;
}"""


def _anchors(url: str, cache: dict[str, set[str]]) -> set[str]:
    if url not in cache:
        from bs4 import BeautifulSoup

        with urllib.request.urlopen(url) as response:  # noqa: S310 - local server only
            soup = BeautifulSoup(response.read(), "html.parser")
        ids = {tag["id"] for tag in soup.find_all(id=True)}
        cache[url] = ids | {a["name"] for a in soup.find_all("a", attrs={"name": True})}
    return cache[url]


def test_every_page(site, browser_context):
    pages = _pages()
    assert len(pages) >= 4, f"too few pages in the built book: {pages}"
    problems: list[str] = []
    anchor_cache: dict[str, set[str]] = {}
    math_pages = 0
    notebook_pages = 0
    for rel in pages:
        url = site + rel
        page, errors = _visit(browser_context, url)
        problems += [f"{rel}: console error: {e}" for e in errors]
        images = page.evaluate("() => Array.from(document.images).map(i => [i.currentSrc || i.src, i.naturalWidth])")
        problems += [f"{rel}: image not loaded: {src}" for src, width in images if not width]
        # internal links and their anchors
        hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        for href in set(hrefs):
            if not href.startswith(site):
                continue
            target, _, fragment = href.partition("#")
            try:
                ids = _anchors(target, anchor_cache)
            except Exception as exc:  # HTTP 404 and the like
                problems.append(f"{rel}: broken link {href}: {exc}")
                continue
            if fragment and urllib.parse.unquote(fragment) not in ids:
                problems.append(f"{rel}: link to missing anchor {href}")
        # math typeset by MathJax, no raw TeX left in the prose
        typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
        raw = page.evaluate("() => document.querySelectorAll('.math').length")
        if raw:
            math_pages += 1
            if typeset == 0:
                problems.append(f"{rel}: {raw} math element(s) but nothing typeset by MathJax")
        text = page.evaluate(_TEXT_OUTSIDE_CODE)
        for marker in ("$$", "\\[", "\\begin{", "\\frac", "\\mathrm", "{eq}", "{cite}", "{prf:ref}"):
            if marker in text:
                problems.append(f"{rel}: raw TeX {marker!r} left in the text")
        # the version on every page: a citation of an equation number is exact only with it
        if f"matgrad version {VERSION}" not in page.evaluate("() => document.body.innerText"):
            problems.append(f"{rel}: the footer does not show 'matgrad version {VERSION}'")
        # notebook pages carry launch buttons for Binder and Colab
        if (ROOT / Path(rel).with_suffix(".ipynb")).exists():
            notebook_pages += 1
            for service in ("mybinder.org", "colab.research.google.com"):
                if not page.evaluate(f"() => !!document.querySelector('a[href*=\"{service}\"]')"):
                    problems.append(f"{rel}: no launch button for {service}")
        page.close()
    assert math_pages >= 1, "no page with math was found"
    assert notebook_pages >= 1, "no notebook page was found"
    assert not problems, "\n".join(problems)


def test_root_redirects_to_intro(site, browser_context):
    page = browser_context.new_page()
    page.goto(site)
    page.wait_for_url("**/book/intro.html", timeout=10_000)
    assert "gradient" in page.title().lower()
    page.close()


@pytest.mark.parametrize("old", REDIRECTED)
def test_old_addresses_of_moved_chapters_redirect(site, browser_context, old):
    """An address a published version had (and a citation may hold) lands on the chapter's new page, at the
    same equation."""
    new = re.search(r'<link rel="canonical" href="([^"]+)"', (REDIRECTS / old).read_text())[1]
    target = (HTML / old).parent / new
    assert target.is_file(), f"{old} redirects to {new}, which the build does not have"
    label = re.search(r'id="(equation-[^"]+)"', target.read_text())[1]
    page = browser_context.new_page()
    page.goto(site + old + "#" + label)
    page.wait_for_url(f"**/{target.relative_to(HTML).as_posix()}#{label}", timeout=10_000)
    page.close()


def test_search_answers(site, browser_context):
    page, errors = _visit(browser_context, site + "search.html?q=gradient")
    page.wait_for_selector("#search-results ul.search li", timeout=20_000)
    hits = page.evaluate("() => document.querySelectorAll('#search-results ul.search li').length")
    assert hits >= 1
    assert not errors, errors
    page.close()


def test_screenshots_of_intro_and_a_derivation(site, browser_context):
    ARTIFACTS.mkdir(exist_ok=True)
    chapters = sorted(p for p in _pages() if p.startswith("book/0") and not p.startswith("book/01"))
    targets = ["book/intro.html", chapters[0] if chapters else "book/01-problem.html"]
    for rel in targets:
        page, errors = _visit(browser_context, site + rel)
        out = ARTIFACTS / f"screenshot-{Path(rel).stem}.png"
        page.screenshot(path=str(out), full_page=False)
        assert out.stat().st_size > 10_000, f"{out} looks empty"
        assert not errors, errors
        page.close()


# Each display equation (MathJax's mjx-container with display="true") against the width it is given: the
# rendered formula (mjx-math) must not be wider than its container, or the reader has to scroll sideways.
_WIDE_EQUATIONS = """() => {
  const wide = [];
  const all = document.querySelectorAll('mjx-container[display="true"]');
  for (const c of all) {
    const width = c.querySelector('mjx-math').getBoundingClientRect().width;
    const available = c.getBoundingClientRect().width;
    if (width > available + 1) {
      const items = MathJax.startup.document.getMathItemsWithin(c);
      const host = c.closest('div.math');
      wide.push(`${Math.round(width)} px > ${Math.round(available)} px ${host && host.id ? '(' + host.id + ') ' : ''}` +
                (items.length ? items[0].math.replace(/\\s+/g, ' ').slice(0, 70) : ''));
    }
  }
  return [all.length, wide];
}"""


def test_display_equations_fit_the_column_at_1280_pixels(site, browser_context):
    problems: list[str] = []
    displays = 0
    for rel in _pages():
        page, _ = _visit(browser_context, site + rel)
        if page.evaluate("() => !!(window.MathJax && MathJax.startup && MathJax.startup.document)"):
            count, wide = page.evaluate(_WIDE_EQUATIONS)
            displays += count
            problems += [f"{rel}: {w}" for w in wide]
        page.close()
    assert displays >= 50, f"only {displays} display equations found: is the selector still right?"
    assert not problems, f"{len(problems)} display equation(s) wider than the column:\n" + "\n".join(problems)


def test_phone_screenshots_and_no_sideways_scrolling(site, browser_context):
    # At 390 pixels (a phone) long formulas may scroll inside their own box, but the page itself must not
    # scroll sideways. The screenshots are for judging by eye (artifacts/phone-*.png).
    ARTIFACTS.mkdir(exist_ok=True)
    phone = browser_context.new_context(390, 844)
    problems: list[str] = []
    for rel in ["book/intro.html", "book/01-problem.html", "book/05-differentials.html", "book/notation.html"]:
        page, errors = _visit(phone, site + rel)
        out = ARTIFACTS / f"phone-{Path(rel).stem}.png"
        page.screenshot(path=str(out), full_page=False)
        assert out.stat().st_size > 10_000, f"{out} looks empty"
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            problems.append(f"{rel}: the page scrolls sideways by {overflow} px at 390 px")
        problems += [f"{rel}: console error: {e}" for e in errors]
        page.close()
    phone.close()
    assert not problems, "\n".join(problems)


def test_no_unexpected_external_requests(site, browser_context):
    # runs last in this module: everything the pages tried to fetch from outside, other than MathJax
    assert browser_context.refused == [], browser_context.refused
