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
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build_fast" / "_build" / "html")).resolve()
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


# --- The page reads like a book (what a reader sees, not what the notebook holds) ---

# Visible code across all chapters: the calls that make the experiments, not the helpers,
# checks and set-up (folded with hide-input or removed with remove-cell / remove-input).
MAX_VISIBLE_CODE_LINES = 600
# Text column of the theme at a 1280 px window.
COLUMN_PX = 688
# Figures are saved at 100 dpi with a tight bounding box (an 8-inch figure is about 811 px).
# At most 830 px wide, a figure shrinks to the column by at most 688/830, so gan_toy's
# smallest font (8 pt = 11.1 px; tests/test_plots.py keeps it so) still renders at 9.2 px.
MAX_FIGURE_PX = 830
# The failure chapters have a concept diagram and a figure the reader explores without a
# kernel; their cells carry these tags (myst-nb turns a cell's tags into CSS classes).
FAILURE_CHAPTERS = ("02_vanishing_gradients", "03_mode_collapse", "04_failure_to_converge")
REPR = r"<matplotlib\.|<Figure size|^Text\(|^\[<matplotlib|at 0x[0-9a-f]{6,}>"
BUILDER_PATH = r"(?:^|[\s'\"(])/(?:root|tmp|home|work|Users)/"


def visible_code(page) -> list[str]:
    # the text of every code block the reader sees without unfolding anything (folded code
    # is in the page, but not rendered: its innerText is empty)
    return page.locator(".cell_input pre").evaluate_all(
        "els => els.map(e => e.innerText).filter(t => t.trim())"
    )


def test_visible_code_fits_the_budget(page):
    per_chapter = {}
    for chapter in chapters():
        open_chapter(page, chapter)
        per_chapter[Path(chapter).name] = sum(
            len(b.rstrip().splitlines()) for b in visible_code(page)
        )
    total = sum(per_chapter.values())
    assert total <= MAX_VISIBLE_CODE_LINES, f"{total} visible code lines: {per_chapter}"


@pytest.mark.parametrize("chapter", chapters())
def test_visible_code_fits_the_column(page, chapter):
    open_chapter(page, chapter)
    wide = page.locator(".cell_input pre").evaluate_all(
        # folded code (hide-input) is in the page but not rendered: its innerText is empty
        "els => els.filter(e => e.innerText.trim() && e.scrollWidth > e.clientWidth + 1)"
        ".map(e => e.innerText.split('\\n').reduce((a, b) => a.length >= b.length ? a : b))"
    )
    assert not wide, f"{chapter}: code scrolls sideways, e.g. {wide[0]!r}"


@pytest.mark.parametrize("chapter", chapters())
def test_outputs_hold_no_reprs_stderr_or_builder_paths(page, chapter):
    import re

    open_chapter(page, chapter)
    assert page.locator(".cell_output .stderr").count() == 0, f"{chapter}: a stderr box"
    texts = page.locator(".cell_output pre, .cell_output p").all_inner_texts()
    reprs = [t for t in texts if re.search(REPR, t.strip(), re.MULTILINE)]
    assert not reprs, f"{chapter}: a repr on the page: {reprs[0][:100]!r}"
    body = page.locator("main").inner_text()
    paths = re.findall(BUILDER_PATH + r"\S*", body)
    assert not paths, f"{chapter}: a path of the building machine: {paths[0]!r}"


@pytest.mark.parametrize("chapter", chapters())
def test_figures_and_tables_fit_the_column(page, chapter):
    open_chapter(page, chapter)
    widths = page.locator(".cell_output img").evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    wide = [w for w in widths if w > MAX_FIGURE_PX]
    assert not wide, f"{chapter}: figures {wide} px wide shrink below legibility"
    columns = page.locator("main table").evaluate_all(
        "ts => ts.map(t => t.rows.length ? t.rows[0].cells.length : 0)"
    )
    assert all(c <= 6 for c in columns), f"{chapter}: tables with {columns} columns"


@pytest.mark.parametrize("chapter", FAILURE_CHAPTERS)
def test_failure_chapter_has_a_diagram_and_an_explorable_figure(page, chapter):
    open_chapter(page, f"book/{chapter}")
    assert page.locator(".tag_concept-diagram .cell_output img").count() >= 1, (
        f"{chapter}: no concept diagram (a cell tagged concept-diagram with a figure)"
    )
    explorable = page.locator(".tag_explorable .animation")
    assert explorable.count() >= 1, f"{chapter}: no explorable figure (tag explorable)"
    slider = explorable.first.locator("input[type=range]")
    frame = explorable.first.locator("img").first
    assert int(slider.get_attribute("max")) >= 2, f"{chapter}: fewer than 3 frames"
    seen = set()
    for value in range(int(slider.get_attribute("max")) + 1):
        slider.fill(str(value))
        slider.dispatch_event("input")
        seen.add(frame.get_attribute("src"))
    assert len(seen) == int(slider.get_attribute("max")) + 1, f"{chapter}: frames repeat"
