"""A chapter run the way a reader runs it locally: JupyterLab from ``.venv``, in a real browser.

``make lab`` starts JupyterLab from the environment that ``make venv`` (or ``pip install -r
requirements.txt``) creates. This test runs ``make lab`` on a free local port with a token and no browser
of its own, opens chapter 1 in Debian's Chromium through Playwright, runs all its cells and checks that
every code cell ran, that no cell raised, and that a known verdict appears. The chapter is run from a copy
in a temporary folder, so that JupyterLab's autosave cannot touch the committed notebook. The server, its
kernels and every process they started are shut down in every path.

Needs Debian's ``chromium``, Playwright for Python and JupyterLab (``requirements.txt``). Without them the
test is skipped with the reason, unless ``MATGRAD_REQUIRE_BROWSER=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "book" / "01-problem.ipynb"
KNOWN_OUTPUT = "ok: all entries within tolerance"  # the first check's verdict in chapter 1
JUPYTER_LAB = ROOT / ".venv" / "bin" / "jupyter-lab"  # where `make lab` runs it from
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("MATGRAD_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def _require(condition: bool, reason: str) -> None:
    if not condition:
        if REQUIRED:
            pytest.fail(f"{reason} (MATGRAD_REQUIRE_BROWSER=1 forbids skipping)")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_ready(url: str, server: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text()[-2000:]
            raise RuntimeError(f"JupyterLab exited with code {server.returncode} before it answered:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local server only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {timeout:.0f} s")


def _stop(server: subprocess.Popen) -> list[int]:
    """Stop the server and everything it started; return the processes still alive afterwards."""
    import psutil

    try:
        family = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for proc in family:  # the server shuts its kernels down on SIGTERM
        try:
            proc.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(family, timeout=15)
    for proc in alive:
        proc.kill()
    _, alive = psutil.wait_procs(alive, timeout=5)
    server.wait(timeout=5)
    return [p.pid for p in alive]


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on a free port, serving a copy of the chapter; yields (base URL, token)."""
    _require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (Debian package 'chromium')")
    _require(JUPYTER_LAB.exists(), f"{JUPYTER_LAB} missing: run 'make venv' (requirements.txt pins JupyterLab)")
    _require(shutil.which("make") is not None, "make is not installed")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _require(False, "Playwright for Python is not installed")
    work = tmp_path / "book"
    work.mkdir()
    shutil.copy(CHAPTER, work / CHAPTER.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        # keep JupyterLab's settings, workspaces and runtime files out of the user's home
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "MPLBACKEND": "Agg",
    }
    # exactly what a reader types, `make lab`, on a copy of the chapter; `-o` keeps make from reinstalling .venv
    lab_args = f"--no-browser --ip=127.0.0.1 --port={port} --port-retries=0 --IdentityProvider.token={token}"
    command = ["make", "-s", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.installed", "lab",
               f"LAB_DIR={work}", f"LAB_ARGS={lab_args} --LabApp.expose_app_in_browser=True"]  # fmt: skip
    log_path = tmp_path / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(f"{base}/api/status?token={token}", server, log_path)
        yield base, token
    finally:
        left = _stop(server)
        log.close()
        assert not left, f"processes left behind by JupyterLab: {left}"


# JavaScript run in the page: the code cells of the open notebook, each with its outputs as nbformat JSON
_CODE_CELLS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code');
  const outputs = c => Array.from({length: c.model.outputs.length}, (_, i) => c.model.outputs.get(i).toJSON());
"""
_RAN_OR_FAILED = """
  const all = cells.flatMap(outputs);
  const errors = all.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue);
  const text = all.map(o => [].concat(o.text || (o.data && o.data['text/plain']) || []).join('')).join('\\n');
  const ran = cells.every(c => typeof c.model.executionCount === 'number');
  return (ran || errors.length > 0) && {count: cells.length, errors: errors, text: text};
}"""


def test_a_chapter_runs_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/lab/tree/{CHAPTER.name}?token={token}")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60_000)
            page.wait_for_function(
                "() => { const w = window.jupyterapp.shell.currentWidget;"
                " return w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
                " && w.sessionContext.session.kernel.status === 'idle'; }",
                timeout=60_000,
            )
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            # Done when every code cell shows an execution count. Run All stops at an error, so a cell that
            # raised leaves the cells after it without a count; the wait ends at the first error instead.
            cells = page.wait_for_function(_CODE_CELLS + _RAN_OR_FAILED, timeout=180_000).json_value()
        finally:
            browser.close()
    assert not cells["errors"], f"cells raised: {cells['errors']}"
    assert cells["count"] >= 5, cells
    assert KNOWN_OUTPUT in cells["text"], f"the chapter's first verdict ({KNOWN_OUTPUT!r}) did not appear"
