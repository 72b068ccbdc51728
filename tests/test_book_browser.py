"""The built book, as a reader sees it: headless Chromium opens every chapter of a fast-mode
build and checks figures, animation controls, typeset maths and the Colab launch link.

Run after `make book-fast` (make test does both). Needs Debian's `chromium` and the playwright
package; without Chromium the test is skipped with instructions, unless REQUIRE_BROWSER=1 (CI
sets it), which turns a missing browser or book into a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build_fast" / "_build" / "html"))
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
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


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def chapters() -> list[str]:
    """Notebook chapters of the table of contents, as 'book/NAME' (no suffix)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [c["file"] for c in toc.get("chapters", []) if "file" in c]
    for part in toc.get("parts", []):
        entries += [c["file"] for c in part.get("chapters", []) if "file" in c]
    return [e for e in entries if (ROOT / f"{e}.ipynb").exists()]


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        _unavailable("no Chromium found: install it with `apt-get install chromium`")
    if not (HTML / "index.html").exists():
        _unavailable(f"no built book at {HTML}: run `make book-fast` first")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    yield page
    page.close()


def open_chapter(page, chapter: str):
    page.goto((HTML / f"{chapter}.html").as_uri())
    page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize("chapter", chapters())
def test_chapter_renders_its_figures(page, chapter):
    open_chapter(page, chapter)
    images = page.locator(".cell_output img")
    assert images.count() > 0, (
        f"{chapter}: no figure in any cell output (was the book executed with MPLBACKEND set to"
        " a non-inline backend such as Agg? The kernels then draw nothing)"
    )
    sizes = images.evaluate_all("imgs => imgs.map(i => [i.complete, i.naturalWidth])")
    assert all(done and width > 0 for done, width in sizes), f"{chapter}: broken image"
    page.screenshot(path=str(HTML.parent / f"screenshot-{Path(chapter).name}.png"), full_page=False)


@pytest.mark.parametrize("chapter", chapters())
def test_maths_is_typeset(page, chapter):
    open_chapter(page, chapter)
    if page.locator(".math").count() == 0:
        pytest.skip(f"{chapter} has no maths")
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000
    )
    page.evaluate("() => MathJax.startup.promise")
    typeset = page.locator("mjx-container")
    assert typeset.count() >= page.locator(".math").count() // 2
    assert page.locator("mjx-merror").count() == 0, f"{chapter}: a formula failed to typeset"


@pytest.mark.parametrize("chapter", chapters())
def test_colab_button_opens_this_notebook(page, chapter):
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    owner_name = repo["url"].removeprefix("https://github.com/").strip("/")
    open_chapter(page, chapter)
    links = page.locator('a[href^="https://colab.research.google.com/"]')
    assert links.count() >= 1, f"{chapter}: no Colab launch button"
    href = links.first.get_attribute("href")
    expected = (
        f"https://colab.research.google.com/github/{owner_name}/blob/"
        f"{repo.get('branch', 'main')}/{chapter}.ipynb"
    )
    assert href == expected


def test_animation_controls_appear_and_step(page):
    with_animation = []
    for chapter in chapters():
        open_chapter(page, chapter)
        if page.locator(".animation").count():
            with_animation.append(chapter)
            slider = page.locator(".animation input[type=range]").first
            assert slider.is_visible(), f"{chapter}: animation slider hidden"
            buttons = page.locator(".animation button")
            assert buttons.count() >= 4, f"{chapter}: animation buttons missing"
            frame = page.locator(".animation img").first
            before = frame.get_attribute("src")
            slider.fill(str(int(slider.get_attribute("max"))))  # jump to the last frame
            slider.dispatch_event("input")
            assert frame.get_attribute("src") != before, f"{chapter}: frames do not change"
    assert with_animation, "no chapter shows an animation"


@pytest.mark.parametrize("chapter", chapters())
def test_computed_tables_render_as_tables(page, chapter):
    # A table a cell prints with display(Markdown(...)) must reach the reader as a table, not
    # as a paragraph of pipes (what myst-nb's CommonMark-only parser made of it).
    open_chapter(page, chapter)
    outputs = page.locator(".cell_output p")
    # the header separator, |---|, turned into |—| by the typographer
    raw = [t for t in outputs.all_inner_texts() if t.lstrip().startswith("|") and "|—|" in t]
    assert not raw, f"{chapter}: a table printed as text: {raw[0][:120]!r}"


def pages() -> list[str]:
    return ["index", *chapters()]


@pytest.mark.parametrize("name", pages())
def test_page_logs_no_console_error_and_shows_no_dead_widget(browser, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((HTML / f"{name}.html").as_uri())
    page.wait_for_load_state("networkidle")
    widgets = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    page.close()
    assert not errors, f"{name}: console errors {errors}"
    # a widget in a static page is dead (progress bars are silent in the build: gan_toy.progress)
    assert widgets == 0, f"{name}: {widgets} widget output(s)"
