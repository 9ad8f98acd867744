"""Sphinx extension: drop duplicate <script> entries from every HTML page.

Under Jupyter Book 1.x, sphinx-thebe 0.3 registers its inline configuration script twice
(``const THEBE_JS_URL = ...``), and the second copy throws "Identifier 'THEBE_JS_URL' has already
been declared" in the browser console on every page. Removing the exact duplicate keeps the first,
working copy and leaves the console clean (checked by tests/test_browser.py).
"""

from __future__ import annotations


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, str]] = set()
    unique = []
    for script in scripts:
        # the two copies differ only in filename None vs "" (both mean an inline script)
        key = (str(getattr(script, "filename", script) or ""), str(getattr(script, "attributes", {}).get("body", "")))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
