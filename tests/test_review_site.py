"""The review report, opened from the file system in a real browser (the system's Chromium, driven by
playwright): the index's counts against the records, a finding's evidence boxed over its glyphs, keyboard and
links, text from a document shown as text. Screenshots go to tests/artifacts/review/ for a person to look at."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES

ARTIFACTS = ROOT / "tests" / "artifacts" / "review"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 900}

# A funding decision whose one finding has a piece of evidence broken over two lines, on page 2 of 3.
ONE_FINDING = SAMPLES / "corpus" / "04-brdt-festsetzung-kim1-herford-planted" / "text.pdf"
# Two findings over three pages.
TWO_FINDINGS = SAMPLES / "corpus" / "18-brar-zb-kim1-hochsauerlandkreis-planted" / "text.pdf"
HOSTILE = [
    "Bezirksregierung Arnsberg",
    "Zuwendungsbescheid",
    "<script>window.__pwned = 1</script> &amp; &lt;b&gt;fett&lt;/b&gt; <img src=x onerror=\"window.__pwned = 2\">",
    "Die festgesetzte Zuwendung von 215.625,03 EUR setzt sich zusammen aus Personalausgaben",
    "von 173.750,00 EUR <b>und</b> Sachausgaben von 41.857,03 EUR.",
]
HOSTILE_NAME = "Bescheid <img src=x onerror=alert(1)>"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "kimextract.cli", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd, env=env)


def hostile_pdf(path: Path) -> Path:
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    page = canvas.Canvas(str(path), pagesize=(595.28, 841.89))
    for number, line in enumerate(HOSTILE):
        page.drawString(60, 780 - 18 * number, line)
    page.save()
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A report of two sample PDFs, a text and a PDF holding markup, and a file that is missing."""
    folder = tmp_path_factory.mktemp("review")
    text = folder / f"{HOSTILE_NAME}.txt"
    text.write_text("\n\n".join(HOSTILE[:3]) + "\n\n" + " ".join(HOSTILE[3:]) + "\n", encoding="utf-8")
    pdf = hostile_pdf(folder / "markup.pdf")
    inputs = [str(ONE_FINDING), str(TWO_FINDINGS), str(text), str(pdf), str(folder / "missing.pdf")]
    result = run("review", *inputs, "--out", str(folder / "report"), "--workers", "2", "--quiet")
    assert result.returncode == 3, result.stderr  # the missing file got an error record, and is in the report
    assert "Traceback" not in result.stderr
    return folder / "report", inputs


@pytest.fixture(scope="module")
def records(report):
    """The inputs' records, extracted here apart from the report."""
    from kimextract.pool import extract_record

    return {path: extract_record(path) for path in report[1]}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            headless=True, viewport=VIEWPORT)
        yield context
        context.close()


@pytest.fixture
def tab(browser):
    """A browser tab that fails the test on a script error or a console error (a blocked script, say)."""
    page = browser.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    yield page
    page.close()
    assert not problems, problems


def document_url(tab, report, path: str) -> str:
    """The URL of a document's page, found by its row in the index."""
    folder, _ = report
    tab.goto((folder / "index.html").as_uri())
    href = tab.locator(f'tr[data-name="{_css_string(path)}"] td.name a').first.get_attribute("href")
    return (folder / href).as_uri()


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def page_size(path: Path, number: int) -> tuple[float, float]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return pdf[number - 1].get_size()
    finally:
        pdf.close()


def expected_rect(tab, path: Path, provenance) -> dict:
    """Where the record's box lies on the screen: the box in points scaled to the page image as shown."""
    image = tab.locator(f"#page-{provenance.page} img").bounding_box()
    width, height = page_size(path, provenance.page)
    x0, top, x1, bottom = provenance.bbox
    sx, sy = image["width"] / width, image["height"] / height
    return {"x": image["x"] + x0 * sx, "y": image["y"] + top * sy, "width": (x1 - x0) * sx, "height": (bottom - top) * sy}


def union(rects: list[dict]) -> dict:
    x0, y0 = min(r["x"] for r in rects), min(r["y"] for r in rects)
    x1, y1 = max(r["x"] + r["width"] for r in rects), max(r["y"] + r["height"] for r in rects)
    return {"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}


def close(a: dict, b: dict, pixels: float = 1.0) -> bool:
    return all(abs(a[key] - b[key]) <= pixels for key in ("x", "y", "width", "height"))


def ink(tab, rect: dict) -> float:
    """The share of dark pixels in a region of the screen."""
    import io

    from PIL import Image

    histogram = Image.open(io.BytesIO(tab.screenshot(clip=rect))).convert("L").histogram()
    return sum(histogram[:110]) / sum(histogram)


# ---------------------------------------------------------------------------------------------------------
# the index


def test_index_counts_match_the_records(tab, report, records):
    folder, inputs = report
    tab.goto((folder / "index.html").as_uri())
    counts = {element.get_attribute("data-count"): int(element.inner_text())
              for element in tab.locator("[data-count]").all()}
    ok = [r for r in records.values() if r.status == "ok"]
    findings = [f for r in ok for f in r.findings]
    assert counts == {
        "documents": len(inputs), "read": len(ok), "failed": len(inputs) - len(ok),
        "with_errors": sum(1 for r in ok if any(f.severity == "error" for f in r.findings)),
        "error": sum(f.severity == "error" for f in findings), "warning": sum(f.severity == "warning" for f in findings),
        "info": sum(f.severity == "info" for f in findings),
    }
    assert counts["failed"] == 1 and counts["error"] >= 3
    for path, record in records.items():
        row = tab.locator(f'tr[data-name="{_css_string(path)}"]')
        assert row.count() == 1
        assert row.get_attribute("data-status") == record.status
        if record.status == "ok":
            assert int(row.get_attribute("data-error")) == sum(f.severity == "error" for f in record.findings)
            assert int(row.get_attribute("data-grants")) == len(record.grants)
    tab.screenshot(path=str(ARTIFACTS / "index.png"), full_page=True)


def test_index_filters_and_sorts(tab, report, records):
    folder, inputs = report
    tab.goto((folder / "index.html").as_uri())
    visible = lambda: tab.locator("#documents tbody tr:visible")  # noqa: E731
    assert visible().count() == len(inputs)
    tab.check("#errors-only")
    with_errors = [p for p, r in records.items() if r.status == "ok" and any(f.severity == "error" for f in r.findings)]
    assert sorted(visible().evaluate_all("rows => rows.map(r => r.dataset.name)")) == sorted(with_errors)
    assert tab.inner_text("#shown") == f"{len(with_errors)} of {len(inputs)} shown"
    tab.uncheck("#errors-only")
    rule = records[str(TWO_FINDINGS)].findings[0].rule
    tab.select_option("#rule", rule)
    having = [p for p, r in records.items() if r.status == "ok" and any(f.rule == rule for f in r.findings)]
    assert sorted(visible().evaluate_all("rows => rows.map(r => r.dataset.name)")) == sorted(having)
    tab.select_option("#rule", "")
    tab.check("#failed-only")
    assert visible().evaluate_all("rows => rows.map(r => r.dataset.status)") == ["unreadable"]
    tab.uncheck("#failed-only")
    tab.click("th[data-sort=error] button")
    tab.click("th[data-sort=error] button")  # the second click sorts descending
    errors = visible().evaluate_all("rows => rows.map(r => Number(r.dataset.error))")
    assert errors == sorted(errors, reverse=True) and errors[0] > 0


# ---------------------------------------------------------------------------------------------------------
# a document


def test_clicking_a_finding_scrolls_to_its_evidence_over_the_glyphs(tab, report, records):
    record = records[str(ONE_FINDING)]
    finding = record.findings[0]
    tab.goto(document_url(tab, report, str(ONE_FINDING)))
    assert tab.evaluate("window.scrollY") == 0
    tab.click("#finding-1 .head")
    assert tab.evaluate("location.hash") == "#finding-1"
    assert tab.evaluate("window.scrollY") > 0, "the pages did not scroll"
    boxes = tab.locator('.box.active[data-m="finding-1"]')
    rects = [box.bounding_box() for box in boxes.all()]
    assert len(rects) >= len(finding.evidence)
    for rect in rects:  # each highlighted box is on the screen
        assert rect["y"] >= 0 and rect["y"] + rect["height"] <= VIEWPORT["height"]
    multi_line = 0
    for evidence in finding.evidence:
        expected = expected_rect(tab, ONE_FINDING, evidence.provenance)
        inside = [r for r in rects if r["x"] >= expected["x"] - 1 and r["y"] >= expected["y"] - 1
                  and r["x"] + r["width"] <= expected["x"] + expected["width"] + 1
                  and r["y"] + r["height"] <= expected["y"] + expected["height"] + 1]
        # one box on the record's box, or (a span broken over lines) one box per line, together the record's box
        assert inside and close(union(inside), expected), (evidence.text, expected, rects)
        multi_line += len(inside) > 1
        for rect in inside:
            assert ink(tab, rect) > 0.03, f"no glyphs under the box of {evidence.text!r}"
    assert multi_line == 1  # '41.857,03\nEUR' is drawn line by line
    blank = dict(expected, x=tab.locator("#page-2 img").bounding_box()["x"] + 2, width=30)
    assert ink(tab, blank) < 0.01  # the page's margin, for comparison
    tab.screenshot(path=str(ARTIFACTS / "finding-selected.png"))


def test_hovering_a_box_shows_the_value_as_read(tab, report, records):
    record = records[str(ONE_FINDING)]
    tab.goto(document_url(tab, report, str(ONE_FINDING)))
    amount = record.amounts[0]
    box = tab.locator('.box[data-m="amount-1"]')
    assert box.count() == 1
    assert amount.text in box.get_attribute("title")
    box.scroll_into_view_if_needed()
    box.hover()
    assert tab.evaluate("document.querySelector('.box[data-m=\"amount-1\"]').matches(':hover')")
    expected = expected_rect(tab, ONE_FINDING, amount.provenance)
    assert close(box.bounding_box(), expected)


def test_keyboard_and_pasted_links(tab, report, records):
    record = records[str(TWO_FINDINGS)]
    assert len(record.findings) >= 2
    url = document_url(tab, report, str(TWO_FINDINGS))
    tab.goto(url)
    active = lambda: tab.evaluate("Array.from(document.querySelectorAll('.entry.finding.active')).map(e => e.id)")  # noqa: E731
    tab.keyboard.press("n")
    assert active() == ["finding-1"]
    tab.keyboard.press("j")
    assert active() == ["finding-2"] and tab.evaluate("location.hash") == "#finding-2"
    tab.keyboard.press("p")
    assert active() == ["finding-1"]
    tab.keyboard.press("Escape")
    assert active() == []
    tab.goto(url + "#finding-2")  # a link as pasted
    assert active() == ["finding-2"]
    boxes = [box.bounding_box() for box in tab.locator('.box.active[data-m="finding-2"]').all()]
    assert boxes and all(0 <= box["y"] <= VIEWPORT["height"] for box in boxes)
    single_line = [e.provenance for e in record.findings[1].evidence if e.provenance.bbox[3] - e.provenance.bbox[1] < 16]
    for provenance in single_line:
        assert any(close(box, expected_rect(tab, TWO_FINDINGS, provenance)) for box in boxes)
    tab.screenshot(path=str(ARTIFACTS / "pasted-link.png"))


def test_a_grant_field_scrolls_to_its_box(tab, report, records):
    record = records[str(TWO_FINDINGS)]
    number, grant = next((n, g) for n, g in enumerate(record.grants, 1) if "amount" in g.evidence)
    tab.goto(document_url(tab, report, str(TWO_FINDINGS)))
    tab.click(f"#grant-{number}-amount dd")
    box = tab.locator(f'.box.active[data-m="grant-{number}-amount"]')
    assert box.count() == 1 and box.is_visible()
    assert close(box.bounding_box(), expected_rect(tab, TWO_FINDINGS, grant.evidence["amount"]))


def test_markup_in_a_document_shows_as_text(tab, report, records):
    folder, inputs = report
    text, pdf = inputs[2], inputs[3]
    tab.goto((folder / "index.html").as_uri())
    assert tab.locator(f'tr[data-name="{_css_string(text)}"] td.name a').inner_text() == text
    for path in (text, pdf):
        tab.goto(document_url(tab, report, path))
        assert tab.evaluate("window.__pwned") is None
        assert tab.locator("script").count() == 1  # the report's own
        assert tab.locator("img[src=x]").count() == 0
        assert tab.evaluate("Array.from(document.querySelectorAll('b')).filter(b => ['und', 'fett'].includes(b.textContent)).length") == 0
        if path == text:  # the PDF's text is on its page image only
            shown = tab.inner_text("#page-1 pre")
            assert HOSTILE[2] in shown and HOSTILE[4] in shown
            assert tab.inner_text("h1") == text
        tab.screenshot(path=str(ARTIFACTS / f"markup-{Path(path).suffix[1:]}.png"), full_page=True)


def test_text_view_marks_the_spans(tab, report, records):
    path = report[1][2]
    record = records[path]
    assert record.findings and record.findings[0].rule == "amount_sum_mismatch"
    tab.goto(document_url(tab, report, path))
    for number, amount in enumerate(record.amounts, 1):
        marked = tab.evaluate(f"Array.from(document.querySelectorAll('[data-m~=\"amount-{number}\"]')).map(e => e.textContent).join('')")
        assert marked == amount.text
    tab.click("#finding-1 .head")
    highlighted = tab.locator(".page.text .m.active").all_inner_texts()
    assert set(e.text for e in record.findings[0].evidence) <= set(highlighted)


# ---------------------------------------------------------------------------------------------------------
# the annotated PDF and the command


def test_annotated_pdf_highlights_the_evidence(report, records):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    folder, _ = report
    record = records[str(ONE_FINDING)]
    index = (folder / "index.html").read_text(encoding="utf-8")
    row = index[index.index(f'data-name="{ONE_FINDING}"'):]
    name = row[row.index('class="pdf" href="') + 18:].split('"')[0]
    pdf = pdfium.PdfDocument(str(folder / name))
    try:
        evidence = record.findings[0].evidence
        page = pdf[evidence[0].provenance.page - 1]
        height = page.get_height()
        kinds, rects, texts, quads = [], [], [], []
        for i in range(raw.FPDFPage_GetAnnotCount(page.raw)):
            annot = raw.FPDFPage_GetAnnot(page.raw, i)
            kinds.append(raw.FPDFAnnot_GetSubtype(annot))
            if kinds[-1] == raw.FPDF_ANNOT_HIGHLIGHT:
                quads.append(raw.FPDFAnnot_CountAttachmentPoints(annot))
            rect = raw.FS_RECTF()
            raw.FPDFAnnot_GetRect(annot, rect)
            rects.append((round(rect.left, 1), round(height - rect.top, 1), round(rect.right, 1), round(height - rect.bottom, 1)))
            size = raw.FPDFAnnot_GetStringValue(annot, b"Contents", None, 0)
            buffer = (raw.FPDF_WCHAR * (size // 2))()
            raw.FPDFAnnot_GetStringValue(annot, b"Contents", buffer, size)
            texts.append(bytes(buffer).decode("utf-16-le").rstrip("\0"))
            raw.FPDFPage_CloseAnnot(annot)
        assert kinds.count(raw.FPDF_ANNOT_HIGHLIGHT) == len(evidence)
        assert kinds.count(raw.FPDF_ANNOT_TEXT) == 1
        assert sorted(quads) == [1] * (len(evidence) - 1) + [2]  # '41.857,03\nEUR' highlighted line by line
        for item in evidence:
            assert tuple(round(v, 1) for v in item.provenance.bbox) in rects
        assert any(record.findings[0].message in text for text in texts)
        x0, top, x1, bottom = evidence[-1].provenance.bbox
        image = page.render(scale=2, may_draw_forms=True).to_pil().convert("RGB")
        crop = image.crop((int(x0 * 2) + 1, int(top * 2) + 1, int(x1 * 2) - 1, int(bottom * 2) - 1))
        red, green, blue = (channel.histogram() for channel in crop.split())
        light_red, dark_green = sum(red[200:]), sum(green[:160])  # the highlight, in the error colour
        assert light_red > 0.6 * crop.width * crop.height and dark_green > 0.6 * crop.width * crop.height
    finally:
        pdf.close()


def test_review_of_a_results_file_does_not_extract_again(tmp_path, records):
    """A results file is shown as it is (spaCy is not even loaded); its PDFs are found beside it."""
    from kimextract.write import record_to_json

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(ONE_FINDING, data / "paper.pdf")
    record = records[str(ONE_FINDING)].model_copy(deep=True)
    record.source.path = "paper.pdf"
    (data / "results.jsonl").write_text(record_to_json(record, indent=None) + "\n", encoding="utf-8")
    probe = (
        "import sys\nimport kimextract.cli as cli\n"
        f"sys.argv = ['kimextract', 'review', {str(data / 'results.jsonl')!r}, '--out', {str(tmp_path / 'out')!r}, '-q']\n"
        "try:\n    cli.app()\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
        "assert 'spacy' not in sys.modules and 'kimextract.nlp' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "doc-1.html").read_text(encoding="utf-8")
    assert page.count('<img src="doc-1/page-') == record.source.pages
    assert (tmp_path / "out" / "doc-1-annotated.pdf").is_file()


def test_a_missing_or_changed_file_is_noted(tmp_path, records):
    from kimextract.write import record_to_json

    record = records[str(ONE_FINDING)].model_copy(deep=True)
    record.source.path = str(tmp_path / "gone.pdf")
    changed = record.model_copy(deep=True)
    changed.source.path = str(tmp_path / "changed.pdf")
    shutil.copy(TWO_FINDINGS, tmp_path / "changed.pdf")
    (tmp_path / "r.jsonl").write_text(record_to_json(record, indent=None) + "\n" + record_to_json(changed, indent=None) + "\n",
                                      encoding="utf-8")
    result = run("review", str(tmp_path / "r.jsonl"), "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    gone = (tmp_path / "out" / "doc-1.html").read_text(encoding="utf-8")
    assert "is not there" in gone and 'id="finding-1"' in gone and "<img" not in gone
    assert "has changed since it was read" in (tmp_path / "out" / "doc-2.html").read_text(encoding="utf-8")


def test_output_folder_is_checked_and_an_earlier_report_replaced(tmp_path):
    results = tmp_path / "r.jsonl"
    results.write_text('{"status": "empty", "source": {"path": "x.txt"}, "error": "empty file"}\n', encoding="utf-8")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine", encoding="utf-8")
    for out, message, *more in (("file", "is a file"), ("full", "is not empty"),
                                ("new", "--dpi must lie between 30 and 600", "--dpi", "5"),
                                ("new", "--workers must be at least 1", "--workers", "0")):
        result = run("review", str(results), "--out", str(tmp_path / out), "-q", *more)
        assert result.returncode == 2 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert (tmp_path / "full" / "notes.txt").read_text(encoding="utf-8") == "mine"
    out = tmp_path / "report"
    assert run("review", str(results), "--out", str(out), "-q").returncode == 3
    (out / "doc-7.html").write_text("stale", encoding="utf-8")
    assert run("review", str(results), "--out", str(out), "-q").returncode == 3
    assert not (out / "doc-7.html").exists() and (out / "index.html").is_file()


def test_segments_cut_overlapping_marks():
    from kimextract.review_site.marks import Mark
    from kimextract.review_site.views import segments

    marks = [Mark("finding-1", "evidence", 1, 4, 14, None, "evidence", "error"),
             Mark("amount-1", "amount", 1, 8, 12, None, "amount")]
    cut = segments("abcdefghijklmnop", 2, marks)
    assert "".join(s.text for s in cut) == "abcdefghijklmnop"
    assert [(s.text, s.ids) for s in cut] == [("ab", ""), ("cdef", "finding-1"), ("ghij", "amount-1 finding-1"),
                                             ("kl", "finding-1"), ("mnop", "")]
    assert "k-amount" in cut[2].classes and "sev-error" in cut[2].classes
