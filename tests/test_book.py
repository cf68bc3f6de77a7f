"""The book itself: chapter notebooks as stored, and the rendered book looked into.

The bundled course and the awkward course are each rendered once per test session
with the pandoc engine (what CI can run), then the HTML and PDF are inspected.
"""

from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
import yaml
from pdf_pages import layout_pages, poppler

from flbook.config import PARAMETERS, load_config
from flbook.render import read_book, render_book
from flbook.render.cli import course_metadata
from flbook.synth import make_awkward_course

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
STUB = load_config(ROOT / "data_stub" / "course.yml")
RAW_MARKUP = ("{#sec-", "#|", ":::", "{.callout", "@fig-", "@tbl-", "@sec-", "{{<")


def code_cells(path: Path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"]


def listed_pages() -> list[str]:
    book = yaml.safe_load((ROOT / "_quarto.yml").read_text())["book"]
    pages = []
    for entry in book["chapters"] + book.get("appendices", []):
        if isinstance(entry, dict):
            pages += entry["chapters"]
        else:
            pages.append(entry)
    return pages


# ----------------------------------------------------------------------------- as stored


def test_quarto_lists_every_chapter_and_only_existing_pages():
    pages = listed_pages()
    for page in pages:
        assert (ROOT / page).exists(), page
    listed = {p for p in pages if p.endswith(".ipynb")}
    on_disk = {f"chapters/{p.name}" for p in CHAPTERS}
    assert listed == on_disk


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_stored_without_outputs(path):
    for cell in code_cells(path):
        assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_parameters_are_exactly_the_course_settings(path):
    params = papermill.inspect_notebook(str(path))
    assert list(params) == list(PARAMETERS)
    for name, info in params.items():
        assert info["inferred_type_name"] not in ("None", ""), name
        assert info["help"], f"{path.name}: parameter {name} has no comment"
    tagged = [c for c in code_cells(path) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_defaults_run_on_the_bundled_course(path):
    params = {k: v["default"] for k, v in papermill.inspect_notebook(str(path)).items()}
    values = {k: eval(v) for k, v in params.items()}  # noqa: S307 (literals of our own notebooks)
    cfg = load_config(ROOT / "data_stub" / "course.yml").to_parameters()

    def resolve(p: str) -> str:
        return str((path.parent / p).resolve()) if p else p

    values["data"] = resolve(values["data"])
    values["previous_runs"] = [resolve(p) for p in values["previous_runs"]]
    values["notebook_logs"] = resolve(values["notebook_logs"])
    values["notebook_user_map"] = resolve(values["notebook_user_map"])
    assert values == cfg


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_holds_calls_not_logic(path):
    """No loops, definitions, lambdas or data wrangling in a chapter: that is flbook's job."""
    banned_nodes = (ast.For, ast.While, ast.FunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp)
    for cell in code_cells(path):
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, banned_nodes), (
                f"{path.name}: {type(node).__name__} in a cell: logic belongs in flbook"
            )
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("groupby", "merge", "pivot_table", "apply"), (
                    f"{path.name}: .{node.attr}() in a cell: logic belongs in flbook"
                )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_and_table_cell_is_labelled_captioned_and_described(path):
    for cell in code_cells(path):
        opts = dict(re.findall(r"^#\| ([\w-]+): (.*)$", cell.source, flags=re.M))
        label = opts.get("label", "")
        if label.startswith("fig-"):
            assert opts.get("fig-cap") and opts.get("fig-alt"), f"{path.name}: {label}"
        if label.startswith("tbl-"):
            assert opts.get("tbl-cap"), f"{path.name}: {label}"


@pytest.mark.heavy
def test_help_notebook_documents_the_parameters():
    out = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(CHAPTERS[0])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in PARAMETERS:
        assert name in out
    assert "first day of study week 1" in out


# ----------------------------------------------------------------------------- rendered


# ``bundled`` (the bundled course rendered by the pandoc engine) is in conftest.py: the
# real-Quarto tests render its executed chapters too.


@pytest.fixture(scope="session")
def html_text(bundled):
    return bundled.outputs["html-single"].read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def pdf_text(bundled):
    from pypdf import PdfReader

    reader = PdfReader(bundled.outputs["pdf"])
    return "\n".join(page.extract_text() for page in reader.pages)


def _visible(html_doc: str) -> str:
    """The HTML's text as a reader sees it (no tags, no scripts, entities decoded)."""
    body = re.sub(r"<script\b.*?</script>", " ", html_doc, flags=re.S)
    body = re.sub(r"<style\b.*?</style>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def chapter_titles() -> list[str]:
    titles = []
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "markdown")
        m = re.match(r"#\s+(.+?)\s*(\{#sec-[^}]+\})?\s*$", first.source.splitlines()[0])
        titles.append(m.group(1))
    return titles


def test_every_chapter_executed(bundled):
    failed = [str(c) for c in bundled.chapters if not c.ok]
    assert failed == []
    assert bundled.ok


def test_chapter_titles_in_html_and_pdf(html_text, pdf_text):
    visible = _visible(html_text)
    flat_pdf = re.sub(r"\s+", " ", pdf_text)
    for title in chapter_titles():
        assert title in visible, title
        assert re.sub(r"\s+", " ", title) in flat_pdf, title


def test_every_figure_has_caption_and_alt_text(html_text):
    expected = sum(
        1
        for p in CHAPTERS
        for c in code_cells(p)
        if re.search(r"^#\| label: fig-", c.source, flags=re.M)
    )
    figures = re.findall(r"<figure\b.*?</figure>", html_text, flags=re.S)
    assert len(figures) == expected
    for fig in figures:
        assert "<figcaption" in fig
        caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", fig, flags=re.S).group(1)
        assert re.search(r"Figure\s+(\d+|[A-Z])\.\d+", _visible(caption))
        has_img_alt = re.search(r'<img[^>]+alt="[^"]{10,}"', fig)
        has_aria = re.search(r'aria-label="[^"]{10,}"', fig)
        assert has_img_alt or has_aria, fig[:300]


def test_cross_references_resolved(html_text, pdf_text, bundled):
    assert "??" not in _visible(html_text)
    assert "??" not in pdf_text
    assert not [w for w in bundled.warnings if "unresolved" in w]


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_no_raw_markup_leaks(fmt, html_text, pdf_text):
    text = _visible(html_text) if fmt == "html" else pdf_text
    for raw in RAW_MARKUP:
        assert raw not in text, raw


def _pages_ending_with_a_callout_title(pdf: Path, typ: Path) -> list[int]:
    """Pages of ``pdf`` whose last line (before the page number) is the title of one
    of the callouts in its typst source ``typ``."""
    from pypdf import PdfReader

    titles = set(re.findall(r'#callout\(kind: "\w+", title: \[(.*?)\]\)', typ.read_text()))
    assert "Things to look for" in titles
    bad = []
    for number, page in enumerate(PdfReader(pdf).pages, 1):
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        if lines and lines[-1].isdigit():
            lines.pop()
        if lines and lines[-1] in titles:
            bad.append(number)
    return bad


def test_no_callout_title_left_alone_at_the_foot_of_a_page(bundled):
    """A callout's title stays with its first lines (the box may still break later)."""
    typ = bundled.build_dir / "_pandoc" / "typst" / "book.typ"
    assert _pages_ending_with_a_callout_title(bundled.outputs["pdf"], typ) == []


def test_no_learner_id_in_any_output(html_text, pdf_text):
    ids = pd.read_csv(STUB.data_file("enrolments"))["learner_id"]
    short = {i[:8] for i in ids}  # even a prefix of an id must not appear
    for text in (html_text, pdf_text):
        found = [i for i in short if i in text]
        assert found == []


def test_comment_script_never_unescaped(html_text):
    comments = (STUB.data_file("comments")).read_text()
    assert "<script>alert(" in comments  # the synthetic course does try
    assert "<script>alert(" not in html_text


def test_html_works_offline(html_text):
    assert not re.search(r"<script[^>]+src=[\"']https?:", html_text)
    assert not re.search(r"<link[^>]+href=[\"']https?:", html_text)
    assert not re.search(r"<img[^>]+src=[\"']https?:", html_text)
    assert "Plotly.newPlot" in html_text  # the explorers are there, interactive
    assert html_text.count('data-flbook-lib="plotly"') <= 1  # the library once per page


def test_preface_names_the_course(html_text):
    visible = _visible(html_text)
    assert "Learning to Code for Data Analysis" in visible
    assert STUB.stub in visible


# ----------------------------------------------------------------------------- awkward course


@pytest.fixture(scope="session")
def awkward(tmp_path_factory):
    data = tmp_path_factory.mktemp("awkward-data")
    make_awkward_course(data)
    cfg = load_config(data / "course.yml")
    out = tmp_path_factory.mktemp("awkward-book")
    return render_book(
        ROOT,
        cfg.to_parameters(),
        out,
        formats=("html-single",),
        engine="pandoc",
        jobs=2,
        metadata=course_metadata(cfg),
    )


def test_awkward_course_renders_completely(awkward):
    assert [str(c) for c in awkward.chapters if not c.ok] == []
    text = _visible(awkward.outputs["html-single"].read_text(encoding="utf-8"))
    assert "??" not in text
    for raw in RAW_MARKUP:
        assert raw not in text


def test_awkward_course_says_what_it_cannot_show(awkward):
    text = _visible(awkward.outputs["html-single"].read_text(encoding="utf-8")).lower()
    assert re.search(r"no comments", text)
    assert re.search(r"no (quiz|question)", text)
    # without comments, the conversation chapter says so and stops after its introduction
    assert "no comments in this export" in text
    assert "counts, never words" not in text  # its first section
    # without quiz answers, the quizzes chapter says so and stops after its introduction
    assert "no quiz answers in this export" in text
    assert "how many tries does each question take" not in text
    # with a single week there is nothing to predict: the chapter says so and stops
    assert "nothing to predict on this course" in text
    assert "three paradigms side by side" not in text
    # without notebook logs, the notebooks chapter explains itself and stops early
    assert "no notebook logs for this course" in text
    assert (
        "this course\u2019s notebook logs" not in text and "this course's notebook logs" not in text
    )


def test_book_lists_the_same_pages_as_quarto():
    book = read_book(ROOT)
    names = [Path(e.path).as_posix() for e in book.entries]
    assert names == listed_pages()


def test_chapter_metadata_json_is_valid():
    for path in CHAPTERS:
        json.loads(path.read_text(encoding="utf-8"))


def test_bundled_course_has_the_whole_quizzes_chapter(html_text):
    """The other side of the awkward course's early stop: with quiz answers, the
    chapter goes on past its introduction."""
    text = _visible(html_text).lower()
    assert "how many tries does each question take" in text
    assert "counts, never words" in text  # the conversation chapter too
    assert "three paradigms side by side" in text  # and the predictions chapter
    assert "no quiz answers in this export" not in text


# ----------------------------------------------------------------------------- in this run


def _prose(html_doc: str) -> str:
    """Visible text with whitespace collapsed and typographic quotes made plain."""
    text = _visible(html_doc).replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="session")
def stub_course():
    from flbook.store import load_course

    return load_course(STUB)


def test_every_chapter_says_what_this_run_shows(html_text):
    """Each chapter (split at its level-1 heading) holds "In this run" text."""
    ids = []
    for path in CHAPTERS:
        first = next(
            c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"
        )
        ids.append(re.search(r"\{#(sec-[^}]+)\}", first.source.splitlines()[0]).group(1))
    pieces = re.split(r'<h1\b[^>]*id="(sec-[^"]+)"', html_text)
    body = dict(zip(pieces[1::2], pieces[2::2], strict=True))
    for sec in ids:
        assert sec in body, sec
        assert "In this run." in _prose(body[sec]), f"chapter {sec} has no 'In this run' text"


def test_conditional_claims_agree_with_the_bundled_data(html_text, stub_course):
    import flbook.analysis as A
    from flbook.findings import find, in_this_run_text, survivor_text

    text = _prose(html_text)
    # fixed claims that the data contradicted are gone
    for gone in (
        "nobody can finish before the last week opens",
        "a dozen runs, then nothing",
        "cell runs by",
        "Survivors rate the later weeks",
        "at least 90%",
        "rises fastest around the start date",
        "the number of ratings shrinks",
    ):
        assert gone not in text and gone not in html_text
    # the survey caution says which way this run's ratings went, as the table does
    s = A.sentiment_by_week(stub_course)
    n = s.groupby("week_number")["responses"].sum()
    good = s[s["rating"] == "good"].groupby("week_number")["responses"].sum() / n
    caution = survivor_text(stub_course)
    assert caution.replace("\u2019", "'") in text
    first, last = n.index.min(), n.index.max()
    word = "better" if good[last] > good[first] else "worse"
    assert f"week {last} was rated {word} than week {first}" in caution
    # early finishers: said as the histogram shows
    hist = A.time_to_full_participation(stub_course)
    hist = hist[hist["measure"] == "study_days"]
    early = int(hist.loc[hist["days"] < 7 * (STUB.weeks - 1), "learners"].sum())
    finishing = in_this_run_text(
        stub_course, "enrolment", kinds=["early_finishers", "no_early_finishers"]
    )
    assert finishing.removeprefix("**In this run.** ").replace("\u2019", "'") in text
    assert ("None of the" in finishing) == (early == 0)
    # enrolment: the fastest week, as found from the daily counts
    week = [f for f in find(stub_course, "enrolment") if f.kind == "busiest_week"][0]
    assert week.text in text
    # notebooks: the opening sentence counts the learners the overview table counts
    overview = A.notebook_overview(stub_course, notebooks=STUB.notebooks)
    assert f"{int(overview.learners[0]):,} learners used" in text


LEARNING_DESIGN_FINDINGS = (
    ("quizzes", ("low_discrimination",)),
    ("quizzes", ("upper_group_distractor",)),
    ("quizzes", ("misfit_question",)),
    ("steps", ("most_skipped_over", "most_gone_back_to")),
    ("steps", ("long_step", "short_step")),
    (
        "social",
        ("comment_length", "question_week", "question_step", "negative_week", "negative_step"),
    ),
)
"""The "In this run" cells of the learning-design sections of chapters 4, 5 and 8."""


def test_learning_design_views_and_earlier_runs_say_what_this_run_shows(html_text, stub_course):
    from flbook.findings import find, in_this_run_text, run_findings
    from flbook.predict import load_previous_runs

    text = _prose(html_text)

    def shown(said: str) -> bool:
        return said.removeprefix("**In this run.** ").replace("\u2019", "'") in text

    for family, kinds in LEARNING_DESIGN_FINDINGS:
        assert shown(in_this_run_text(stub_course, family, kinds=kinds)), (family, kinds)
    # the bundled run has findings in each view, not only "nothing stands out"
    for family, kinds in (
        ("quizzes", ["low_discrimination"]),
        ("steps", ["long_step", "most_skipped_over"]),
        ("social", ["comment_length"]),
    ):
        assert find(stub_course, family, kinds=kinds), (family, kinds)
    runs = run_findings(stub_course, load_previous_runs(stub_course))
    assert runs and shown(in_this_run_text(runs, "runs"))


def test_prediction_verdict_matches_the_scores(html_text):
    text = _prose(html_text)
    assert "ranked learners better than the baseline" in text or "did not clearly beat" in text
    assert "95% interval over learners" in text
    assert "Every learner scored had been active that week" in text  # week 1 on this course
    assert "so it can reach at most" in text


# ----------------------------------------------------------------------------- in a browser
# The book website opened from disk in headless Chromium (Debian's chromium and
# chromium-driver). Skipped when they are missing, unless FLBOOK_REQUIRE_BROWSER=1 (CI).


def _chromium() -> tuple[str, str] | None:
    import shutil

    found = [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    driver = shutil.which("chromedriver")
    browser = next((b for b in found if b), None)
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="session")
def browser():
    import os

    required = os.environ.get("FLBOOK_REQUIRE_BROWSER") == "1"
    found = _chromium()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        found = None
    if found is None:
        if required:
            pytest.fail(
                "FLBOOK_REQUIRE_BROWSER=1 but chromium, chromedriver or selenium is missing"
            )
        pytest.skip("chromium and chromium-driver (apt) and selenium (pip) run the browser tests")
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    driver.set_window_size(1280, 900)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def site(bundled) -> Path:
    return bundled.outputs["html"].parent


def _open(driver, page: Path, width: int = 1280) -> None:
    driver.set_window_size(width, 900)
    driver.get(page.as_uri())
    driver.execute_script("return document.readyState")


def _requests(driver) -> list[str]:
    """URLs the browser asked for since the log was last read."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def _wait(driver, condition, seconds: float = 10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


@pytest.mark.browser
def test_browser_search_finds_a_chapter_5_word_and_links_to_it(browser, site):
    from selenium.webdriver.common.by import By

    chapter5 = next(site.glob("05-*.html"))
    others = " ".join(
        _visible(p.read_text(encoding="utf-8")).lower()
        for p in site.glob("*.html")
        if p != chapter5
    )
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", chapter5.read_text(encoding="utf-8"), re.S)
    words = {w for h in headings for w in re.findall(r"[a-z]{6,}", _visible(h).lower())}
    only_here = sorted(w for w in words if w not in others)
    assert only_here, "no chapter 5 heading word is unique to chapter 5"
    word = only_here[0]
    _open(browser, site / "index.html")
    box = browser.find_element(By.ID, "search-input")
    box.send_keys(word)
    hits = _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results a"))
    href = hits[0].get_attribute("href")
    assert chapter5.name in href, (word, href)
    hits[0].click()
    _wait(browser, lambda d: chapter5.name in d.current_url)
    anchor = browser.current_url.split("#", 1)[1] if "#" in browser.current_url else None
    if anchor:
        assert browser.find_element(By.ID, anchor).is_displayed()
    assert word in browser.find_element(By.ID, "content").text.lower()


@pytest.mark.browser
def test_browser_previous_next_walk_through_every_chapter(browser, site):
    from selenium.webdriver.common.by import By

    book = read_book(ROOT)
    expected = ["index.html"] + [Path(e.path).stem + ".html" for e in book.entries[1:]]
    _open(browser, site / "index.html")
    seen = [browser.current_url.rsplit("/", 1)[1]]
    while links := browser.find_elements(By.CSS_SELECTOR, "a[rel=next]"):
        links[0].click()
        seen.append(browser.current_url.rsplit("/", 1)[1])
        assert len(seen) <= len(expected)
    assert seen == expected
    back = [seen[-1]]
    while links := browser.find_elements(By.CSS_SELECTOR, "a[rel=prev]"):
        links[0].click()
        back.append(browser.current_url.rsplit("/", 1)[1])
        assert len(back) <= len(expected)
    assert back == expected[::-1]


@pytest.mark.browser
def test_browser_every_explorer_draws_and_nothing_leaves_the_machine(browser, site):
    from selenium.webdriver.common.by import By

    _requests(browser)  # forget earlier tests' requests
    drawn = 0
    for page in sorted(site.glob("*.html")):
        source = page.read_text(encoding="utf-8")
        expected = source.count("Plotly.newPlot(")
        _open(browser, page)
        if expected:
            plots = _wait(
                browser,
                lambda d, n=expected: (
                    len(found := d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot")) >= n and found
                ),
            )
            for plot in plots:
                assert plot.find_elements(By.CSS_SELECTOR, "svg.main-svg"), page.name
            drawn += len(plots)
        # the page never scrolls sideways (tables and charts stay in the text column)
        wide = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert wide <= 0, (page.name, wide)
        entries = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert all(u.startswith(("file:", "data:", "blob:")) for u in entries), entries
    assert drawn >= 3  # steps, scheduling and quizzes explorers
    urls = _requests(browser)
    assert urls and all(u.startswith(("file:", "data:", "blob:", "about:")) for u in urls), [
        u for u in urls if not u.startswith(("file:", "data:", "blob:", "about:"))
    ]


@pytest.mark.browser
def test_browser_contents_fold_away_on_narrow_screens_and_screenshots(
    browser, site, tmp_path_factory
):
    from selenium.webdriver.common.by import By

    shots = tmp_path_factory.mktemp("screenshots")
    chapter = next(site.glob("04-*.html"))
    for width in (1280, 800):
        for page in (site / "index.html", chapter):
            _open(browser, page, width)
            browser.save_screenshot(str(shots / f"{page.stem}-{width}.png"))
        sidebar = browser.find_element(By.ID, "sidebar")
        toggle = browser.find_element(By.CSS_SELECTOR, ".toc-toggle")
        if width == 1280:
            assert sidebar.is_displayed() and not toggle.is_displayed()
        else:
            assert not sidebar.is_displayed() and toggle.is_displayed()
            toggle.click()
            assert sidebar.is_displayed()
            browser.save_screenshot(str(shots / f"{chapter.stem}-{width}-contents.png"))
            current = sidebar.find_element(By.CSS_SELECTOR, "a[aria-current=page]")
            assert current.get_attribute("href").endswith(chapter.name)
    print(f"screenshots in {shots}")
    assert len(list(shots.glob("*.png"))) == 5


def test_site_contents_show_no_group_title_for_a_part_of_one_chapter(site):
    """A part holding one chapter ("Teaching with this book" ¶ "11 Teaching with this
    book") shows the chapter alone in the sidebar; the other parts keep their title."""
    book = read_book(ROOT)
    sizes: dict[str, int] = {}
    for entry in book.entries:
        if entry.part and not entry.is_appendix:
            sizes[entry.part] = sizes.get(entry.part, 0) + 1
    assert any(n == 1 for n in sizes.values()) and any(n > 1 for n in sizes.values())
    for page in (site / "index.html", next(site.glob("11-*.html"))):
        doc = page.read_text(encoding="utf-8")
        start = doc.index('id="sidebar"')
        sidebar = doc[start : doc.index("</nav>", start)]
        groups = [html.unescape(g) for g in re.findall(r'toc-part-title">(.*?)</span>', sidebar)]
        assert groups == [p for p, n in sizes.items() if n > 1] + ["Appendices"], page.name
        links = [" ".join(_visible(a).split()) for a in re.findall(r"<a .*?</a>", sidebar)]
        assert "11 Teaching with this book" in links


# ----------------------------------------------------------------------------- PDF pages
# pdftotext and pdftoppm (Debian poppler-utils) read the bundled PDF page by page.


@pytest.fixture(scope="session")
def pdf_pages(bundled) -> list[str]:
    """Each page's text, laid out as on the page (pdftotext -layout)."""
    return layout_pages(bundled.outputs["pdf"])


def _running_head(page: str, number: int) -> str | None:
    """The running head of a page: its first line, the chapter title then the page number."""
    lines = [line for line in page.splitlines() if line.strip()]
    m = re.match(r"\s*(\S.*?)\s{3,}(\d+)\s*$", lines[0]) if lines else None
    return m.group(1) if m and int(m.group(2)) == number else None


def test_pdf_title_page_names_course_run_and_export(pdf_pages):
    title = re.sub(r"\s+", " ", pdf_pages[0])
    cfg = course_metadata(STUB)
    assert "Course Analytics" in title and STUB.title in title
    assert f"Run {STUB.stub}" in title
    assert f"Export dated {cfg['export-date']}" in title
    assert "Rendered " in title
    assert "Made with flbook" not in title


def test_pdf_running_heads_and_bookmarks(pdf_pages, bundled):
    from pypdf import PdfReader

    heads = {_running_head(p, n) for n, p in enumerate(pdf_pages, 1)} - {None}
    titles = chapter_titles()
    for number, title in enumerate(titles[:-2], 1):  # the appendices are lettered
        assert f"{number} {title}" in heads, title
    assert any(h.startswith("A ") for h in heads)

    def flat(outline) -> list[str]:
        return [t for x in outline for t in (flat(x) if isinstance(x, list) else [x.title])]

    marks = flat(PdfReader(bundled.outputs["pdf"]).outline)
    for number, title in enumerate(titles[:-2], 1):
        assert f"{number} {title}" in marks
    assert any(re.match(r"\d+\.\d+ ", m) for m in marks)  # sections too


def test_pdf_lists_of_figures_and_tables(pdf_pages):
    text = "\n".join(pdf_pages)
    first = next(i for i, p in enumerate(pdf_pages) if "List of Figures" in p)
    tables = next(i for i, p in enumerate(pdf_pages) if "List of Tables" in p)
    body = next(i for i, p in enumerate(pdf_pages) if re.match(r"\s*Preface\b", p))
    assert first < tables < body
    listed_figures = set(re.findall(r"Figure (\w+\.\d+):", "\n".join(pdf_pages[first:tables])))
    listed_tables = set(re.findall(r"Table (\w+\.\d+):", "\n".join(pdf_pages[tables:body])))
    captions = "\n".join(pdf_pages[body:])
    assert listed_figures == set(re.findall(r"Figure (\w+\.\d+):", captions))
    assert listed_tables == set(re.findall(r"Table (\w+\.\d+):", captions))
    assert len(listed_figures) > 50 and len(listed_tables) > 20
    assert "ex-\ncluded" not in text  # table headers are not hyphenated


def test_pdf_no_part_page_for_a_single_chapter_part(pdf_pages):
    book = read_book(ROOT)
    sizes: dict[str, int] = {}
    for entry in book.entries:
        if entry.part and not entry.is_appendix:
            sizes[entry.part] = sizes.get(entry.part, 0) + 1
    alone = set()  # pages that hold a single line (and the page number)
    for page in pdf_pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if lines and lines[-1].isdigit():
            lines.pop()
        if len(lines) == 1:
            alone.add(lines[0])
    for part, size in sizes.items():
        assert (part in alone) == (size > 1), part


def test_pdf_pages_are_full_and_nothing_runs_past_the_text_block(bundled, pdf_pages, tmp_path):
    """No page is less than a third full, except the last page of a chapter (the next
    page opens a chapter or part: it has no running head); nothing (a table, a chart)
    reaches into the left or right margin (A4, 2.3 cm)."""
    import numpy as np
    from PIL import Image

    tool = poppler("pdftoppm")
    subprocess.run(
        [tool, "-r", "40", "-gray", "-png", str(bundled.outputs["pdf"]), str(tmp_path / "p")],
        check=True,
    )
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == len(pdf_pages)
    heads = [_running_head(p, n) for n, p in enumerate(pdf_pages, 1)]
    short, past = [], []
    for n, path in enumerate(images):
        ink = np.asarray(Image.open(path).convert("L")) < 200
        h, w = ink.shape
        mx, my = round(2.3 / 21.0 * w) - 2, round(2.5 / 29.7 * h)
        block = ink[my : h - my]
        if block[:, :mx].any() or block[:, w - mx :].any():
            past.append(n + 1)
        rows = np.flatnonzero(block.any(axis=1))
        fill = (rows[-1] + 1) / block.shape[0] if len(rows) else 0.0
        chapter_end = n + 1 == len(images) or heads[n + 1] is None or heads[n] is None
        if fill < 1 / 3 and not chapter_end:
            short.append((n + 1, round(fill, 2)))
    assert past == []
    assert short == []


def test_no_sentence_broken_before_a_cross_reference(html_text):
    # "(see" ¶ "Chapter 2)": a line-initial @ref used to start a new paragraph
    assert not re.search(r"(\(see|explained in)\s*</p>", html_text)
    assert re.search(
        r'\(see <a href="#sec-learners" class="quarto-xref">Chapter 2</a>\)', html_text
    )
