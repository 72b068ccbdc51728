"""A Sphinx extension: every script appears once in a page.

Jupyter Book 1.x sets up sphinx-thebe so that its configuration script is added twice (the
browser then stops at "Identifier 'THEBE_JS_URL' has already been declared"), and MathJax ends
up included twice (once deferred), which makes MathJax 3 throw when it loads the second time.
This drops the repeats from each page's script list, keeping the first copy of each script (for
a script file, the deferred one if there is one, as Sphinx's own MathJax setup asks for).
"""

from __future__ import annotations


def _key(script) -> tuple:
    """A script file by its name; an inline script by its text."""
    if script.filename:
        return ("file", str(script.filename))
    return ("inline", script.attributes.get("body", ""))


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    deferred = {
        _key(s) for s in scripts if s.filename and s.attributes.get("defer")
    }
    kept, seen = [], set()
    for script in scripts:
        key = _key(script)
        if key in seen or (
            key in deferred and not script.attributes.get("defer")
        ):
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
