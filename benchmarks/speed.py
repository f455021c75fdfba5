#!/usr/bin/env python3
"""How fast kimextract is, as a user would compare it: against pdfplumber, pdftotext and pypdfium2 on the same PDFs.

    python benchmarks/speed.py [--docs 1000] [--rounds 5] [--quick]

Three sets, measured apart:

- laid-out PDFs: ``samples/corpus/*/text.pdf`` (born-digital, with letterhead, tables and page numbers);
- plain text PDFs: 50 generated prose PDFs of 2 to 6 pages (reportlab);
- scans: ``samples/corpus/*/scan-deu.pdf`` (page images with Tesseract's text layer), with the re-reading of
  the numbers behind error findings on, as by default.

Each tool reads the whole set in a process of its own (started, its imports done and the set read once before
the clock starts, so that all of them read from the page cache): pdfplumber ``Page.extract_text`` with each page
closed after it (the reference), ``pdftotext`` (poppler, one process per file), pypdfium2's raw page text (the
floor: what our own PDF library costs) and kimextract's whole pipeline (read, repair, values with boxes, structure,
grants, checks, JSON record). Rounds alternate the tools, so that a busy machine hits all alike; the ratios are
taken within each round and their median printed, of wall time (what a user waits) and of CPU time (with
Tesseract's and pdftotext's: what stays comparable when other processes take turns on the cores). Acceptance:
kimextract / pdfplumber ≤ 0.12 on text PDFs, ≤ 0.3 on scans.

Then ``kimextract batch`` with 1 and 2 workers over ``--docs`` documents (the laid-out set repeated through
symlinks; acceptance: 2 workers ≥ 1.9× one), the workers' memory, and start-up as a whole process: ``kimextract
--help`` (≤ 0.15 s) and ``kimextract extract`` of a one-page document (≤ 1.0 s), medians of 5 runs.

The machine may be shared and timings are noisy: compare the ratios, measured side by side; the load average is
printed.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------- the documents


def corpus_pdfs(work: Path) -> tuple[list[Path], str]:
    found = sorted(Path(p) for p in glob.glob(str(ROOT / "samples" / "corpus" / "*" / "text.pdf")))
    if len(found) >= 10:
        return found, f"samples/corpus/*/text.pdf ({len(found)} files)"
    rendered = _render_corpus_sources(work)
    if len(rendered) >= 10:
        return rendered, f"samples/corpus/*/source.txt rendered by scripts/build_corpus.py ({len(rendered)} files)"
    return _generate(work, 50), "50 generated PDFs (reportlab)"


def _render_corpus_sources(work: Path) -> list[Path]:
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        import build_corpus  # noqa: PLC0415
    except Exception:  # noqa: BLE001 - its dependencies may be missing: fall back to generated PDFs
        return []
    out = []
    for source in sorted((ROOT / "samples" / "corpus").glob("*/source.txt")):
        doc_id = source.parent.name
        target = work / "corpus" / f"{doc_id}.pdf"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            build_corpus.blocks_to_pdf(build_corpus.source_to_blocks(source.read_text(encoding="utf-8")),
                                       build_corpus.doc_style(doc_id), target)
            out.append(target)
        except Exception:  # noqa: BLE001
            continue
    return out


PARAGRAPHS = [
    "Mit Zuwendungsbescheid vom {d1} hat die Bezirksregierung {br} dem {kreis} für das Modul {m} eine Zuwendung "
    "in Höhe von {a1} € für den Zeitraum 01.01.{y} bis 31.12.{y} bewilligt.",
    "Damit werden {fte} Stellen im Case Management gefördert; davon entfallen 0,5 Stellen auf die Ausländerbehörde "
    "und 0,5 Stellen auf die Einbürgerungsbehörde.",
    "Die erste Rate in Höhe von {a2} € wurde am 30.06.{y} ausgezahlt, die zweite Rate ist bis zum 30.11.{y} abzurufen.",
    "Der Eigenanteil des Kreises beträgt {a3} € jährlich. Die Personalkosten werden je Stelle mit bis zu 55.000 € "
    "pro Jahr gefördert.",
    "Die Verwaltung berichtet im Ausschuss für Integration am {d2} über den Stand der Umsetzung des Kommunalen "
    "Integrationsmanagements und über die Besetzung der Stellen.",
]


def _generate(work: Path, count: int) -> list[Path]:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    folder = work / "generated"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for number in range(count):
        path = folder / f"doc-{number:03}.pdf"
        pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
        pages = 2 + number % 5
        for page in range(pages):
            text = pdf.beginText(60, A4[1] - 70)
            text.setFont("Helvetica", 10)
            for paragraph in PARAGRAPHS * 3:
                filled = paragraph.format(
                    d1=f"{1 + number % 27:02}.02.2021", d2=f"{1 + page:02}.09.2021", br=["Arnsberg", "Detmold", "Köln"][number % 3],
                    kreis="Kreis Warendorf", m=1 + number % 3, a1=f"{100 + number}.{page:03}", a2=f"{50 + number}.500",
                    a3=f"{10 + page}.000", fte=f"{1 + number % 7},5", y=2021 + page % 3)
                line = ""
                for word in filled.split():
                    if len(line) + len(word) > 95:
                        text.textLine(line)
                        line = word
                    else:
                        line = f"{line} {word}".strip()
                text.textLine(line)
                text.textLine("")
            pdf.drawText(text)
            pdf.showPage()
        pdf.save()
        out.append(path)
    return out


def page_count(paths: list[Path]) -> int:
    import pypdfium2 as pdfium

    total = 0
    for path in paths:
        pdf = pdfium.PdfDocument(str(path))
        total += len(pdf)
        pdf.close()
    return total


# --------------------------------------------------------------------------- each tool in a process of its own


def read_pdfplumber(paths: list[str]) -> dict:
    import pdfplumber

    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()  # pdfplumber keeps a page's objects until it is closed
    return {}


def read_pypdfium2(paths: list[str]) -> dict:
    import pypdfium2 as pdfium

    for path in paths:
        pdf = pdfium.PdfDocument(path)
        for page in pdf:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        pdf.close()
    return {}


def read_kimextract(paths: list[str]) -> dict:
    """The whole pipeline and its JSON; the values found, and how many have a box."""
    from kimextract.process import extract_file
    from kimextract.write import record_to_line

    values = boxed = 0
    for path in paths:
        record = extract_file(path)
        record_to_line(record)
        for item in (*record.amounts, *record.dates, *record.periods, *record.positions, *record.modules):
            values += 1
            boxed += item.provenance.bbox is not None
    return {"values": values, "boxed": boxed}


READERS = {"pdfplumber": read_pdfplumber, "pypdfium2": read_pypdfium2, "kimextract": read_kimextract}
WARM_UP_FILES = 5


def child(tool: str, list_file: str) -> None:
    """In a process of its own: read a few files untimed (imports, data files, compiled patterns), then the set."""
    paths = Path(list_file).read_text(encoding="utf-8").splitlines()
    READERS[tool](paths[:WARM_UP_FILES])
    started, cpu_started = time.perf_counter(), cpu_time()
    found = READERS[tool](paths)
    print(json.dumps({"seconds": time.perf_counter() - started, "cpu": cpu_time() - cpu_started, **found}))


def cpu_time() -> float:
    """CPU seconds of this process and its finished children (Tesseract, pdftotext)."""
    return sum(os.times()[:4])


def time_tool(tool: str, list_file: Path) -> dict:
    if tool == "pdftotext":
        paths = list_file.read_text(encoding="utf-8").splitlines()
        started, cpu_started = time.perf_counter(), cpu_time()
        for path in paths:
            subprocess.run(["pdftotext", "-q", path, "-"], stdout=subprocess.DEVNULL, check=False)
        return {"seconds": time.perf_counter() - started, "cpu": cpu_time() - cpu_started}
    result = subprocess.run([sys.executable, __file__, "--child", tool, str(list_file)], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


TOOLS = ("pdfplumber", "pdftotext", "pypdfium2", "kimextract")


def compare(sets: dict[str, list[Path]], rounds: int, work: Path) -> dict[str, dict]:
    """Per set: pages per second of each tool and each tool's cost per page / pdfplumber's, medians of rounds."""
    lists = {}
    for label, paths in sets.items():
        lists[label] = work / f"{len(lists)}.txt"
        lists[label].write_text("\n".join(str(p) for p in paths) + "\n", encoding="utf-8")
    seconds: dict[str, dict[str, list[float]]] = {label: {tool: [] for tool in TOOLS} for label in sets}
    cpu: dict[str, dict[str, list[float]]] = {label: {tool: [] for tool in TOOLS} for label in sets}
    found: dict[str, dict] = {}
    for _ in range(rounds):
        for label in sets:
            for tool in TOOLS:
                measured = time_tool(tool, lists[label])
                seconds[label][tool].append(measured["seconds"])
                cpu[label][tool].append(measured["cpu"])
                if tool == "kimextract":
                    found[label] = measured
    out = {}
    for label, paths in sets.items():
        pages = page_count(paths)
        by_tool, cpu_by_tool = seconds[label], cpu[label]
        out[label] = {
            "files": len(paths), "pages": pages, "values": found[label]["values"], "boxed": found[label]["boxed"],
            "pages_per_s": {tool: statistics.median(pages / s for s in by_tool[tool]) for tool in TOOLS},
            "ratio": {tool: statistics.median(t / p for t, p in zip(by_tool[tool], by_tool["pdfplumber"])) for tool in TOOLS},
            "rounds": [t / p for t, p in zip(by_tool["kimextract"], by_tool["pdfplumber"])],
            "cpu_ratio": {tool: statistics.median(t / p for t, p in zip(cpu_by_tool[tool], cpu_by_tool["pdfplumber"])) for tool in TOOLS},
        }
    return out


# --------------------------------------------------------------------------- batch


def run_batch(paths: list[Path], docs: int, workers: int, work: Path) -> dict:
    """``docs`` inputs (the set repeated through symlinks) through the batch with ``workers`` workers."""
    from kimextract.batch import BatchConfig, run_batch as batch
    from kimextract.process import Options

    folder = work / f"repeat-{docs}"
    if not folder.exists():
        folder.mkdir()
        for number in range(docs):
            source = paths[number % len(paths)]
            os.symlink(source.resolve(), folder / f"{number:05}-{source.parent.name}-{source.name}")
    out = work / f"out-{docs}-{workers}.jsonl"
    stamps: list[float] = []
    memory: dict[int, list[tuple[int, int, int]]] = {}
    cpu: list[float] = []

    def seen(result) -> None:
        stamps.append(time.perf_counter())
        cpu.append(result.cpu_seconds)
        if result.worker:
            memory.setdefault(result.worker, []).append((result.worker_done, result.rss_kb, result.hwm_kb))

    config = BatchConfig(out=out, workers=workers, timeout=None, max_tasks_per_worker=0, progress="none")
    started = time.perf_counter()
    summary = batch([str(folder)], Options(), config, on_result=seen)
    wall = time.perf_counter() - started
    assert summary.statuses.get("ok") == docs, summary.statuses
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
    return {"wall": wall, "docs_per_s": docs / wall, "steady_docs_per_s": steady, "pages": summary.pages,
            "pages_per_s": summary.pages / wall, "memory": memory, "cpu_per_doc": sum(cpu) / len(cpu),
            "cores_used": sum(cpu) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")}


def _loop(paths: list[str], seconds: float, ready, go, results) -> None:
    from kimextract.pool import WARM_UP
    from kimextract.process import extract_file, extract_text

    extract_text(WARM_UP)
    extract_file(paths[0])
    ready.put(True)
    go.wait()
    cpu = lambda: sum(os.times()[:4])  # noqa: E731 - with Tesseract's time
    started, cpu_started, count = time.perf_counter(), cpu(), 0
    while time.perf_counter() - started < seconds:
        extract_file(paths[count % len(paths)])
        count += 1
    results.put((count / (time.perf_counter() - started), (cpu() - cpu_started) / (time.perf_counter() - started)))


def machine_scaling(paths: list[Path], seconds: float) -> dict[int, tuple[float, float]]:
    """Docs/s and cores used by 1 and by 2 plain processes looping over the set, without the batch machinery:
    what the machine gives at the moment, to read the batch's speed-up against."""
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    found = {}
    for count in (1, 2):
        ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        processes = [ctx.Process(target=_loop, args=([str(p) for p in paths], seconds, ready, go, results)) for _ in range(count)]
        for process in processes:
            process.start()
        for _ in processes:
            ready.get(timeout=120)
        go.set()
        rates = [results.get(timeout=seconds + 120) for _ in processes]
        for process in processes:
            process.join()
        found[count] = (sum(r[0] for r in rates), sum(r[1] for r in rates))
    return found


# --------------------------------------------------------------------------- start-up and imports


def wall(args: list[str], repeat: int = 5) -> float:
    """Median seconds of a whole process, from start to exit."""
    times = []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


LAZY = """
import sys
import kimextract.cli as cli
sys.argv = ["kimextract", *{args!r}]
try:
    cli.app()
except SystemExit:
    pass
print("spacy" in sys.modules)
"""


def spacy_imported(args: list[str]) -> bool:
    result = subprocess.run([sys.executable, "-c", LAZY.format(args=args)], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)), check=False)
    return result.stdout.strip().splitlines()[-1] == "True"


# --------------------------------------------------------------------------- main

ONE_PAGE_TEXT = ROOT / "samples" / "warendorf-231-2020" / "ocr.txt"


def one_page_pdf(paths: list[Path]) -> Path:
    import pypdfium2 as pdfium

    for path in paths:
        pdf = pdfium.PdfDocument(str(path))
        pages = len(pdf)
        pdf.close()
        if pages == 1:
            return path
    return paths[0]


def yes(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_comparison(found: dict[str, dict], rounds: int) -> None:
    print(f"| set | files / pages | pdfplumber | pdftotext | pypdfium2 raw text | kimextract | kimextract / pdfplumber "
          f"(median of {rounds}; rounds) | the same in CPU time | pdftotext / pdfplumber | pypdfium2 / pdfplumber |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, row in found.items():
        speed, ratio = row["pages_per_s"], row["ratio"]
        print(f"| {label} | {row['files']} / {row['pages']} | {speed['pdfplumber']:.0f} pages/s | {speed['pdftotext']:.0f} pages/s | "
              f"{speed['pypdfium2']:.0f} pages/s | {speed['kimextract']:.0f} pages/s ({row['boxed']}/{row['values']} values boxed) | "
              f"**{ratio['kimextract']:.3f}** ({', '.join(f'{r:.3f}' for r in row['rounds'])}) | {row['cpu_ratio']['kimextract']:.3f} | "
              f"{ratio['pdftotext']:.3f} | "
              f"{ratio['pypdfium2']:.3f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents per batch run (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of the single-process tools")
    parser.add_argument("--quick", action="store_true", help="200 documents, 1 round: a smoke test")
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "LIST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    if args.quick:
        args.docs, args.rounds = 200, 1

    with tempfile.TemporaryDirectory(prefix="kimextract-speed-") as tmp:
        work = Path(tmp)
        laid_out, what = corpus_pdfs(work)
        scans = sorted(Path(p) for p in glob.glob(str(ROOT / "samples" / "corpus" / "*" / "scan-deu.pdf")))
        sets = {"laid-out PDFs (" + what + ")": laid_out, "plain text PDFs (50 generated, reportlab)": _generate(work, 50)}
        if scans:
            sets["scans with their OCR layer, re-reading on (samples/corpus/*/scan-deu.pdf)"] = scans
        print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start", flush=True)
        found = compare(sets, args.rounds, work)
        load_after_compare = os.getloadavg()[0]

        raw = machine_scaling(laid_out, 5 if args.quick else 10)
        one = run_batch(laid_out, args.docs, 1, work)
        two = run_batch(laid_out, args.docs, 2, work)
        first_n = len(laid_out)

        help_s = wall([sys.executable, "-m", "kimextract.cli", "--help"])
        extract_txt_s = wall([sys.executable, "-m", "kimextract.cli", "extract", str(ONE_PAGE_TEXT)])
        one_page = one_page_pdf(laid_out)
        extract_pdf_s = wall([sys.executable, "-m", "kimextract.cli", "extract", str(one_page)])
        lazy = {" ".join(a): spacy_imported(a) for a in (["--help"], ["schema"], ["batch", "--help"])}
        load_end = os.getloadavg()[0]

    text_ratio, text_cpu = (max(row[key]["kimextract"] for label, row in found.items() if not label.startswith("scans"))
                            for key in ("ratio", "cpu_ratio"))
    scan_ratio, scan_cpu = (next((row[key]["kimextract"] for label, row in found.items() if label.startswith("scans")), float("nan"))
                            for key in ("ratio", "cpu_ratio"))
    speedup = two["docs_per_s"] / one["docs_per_s"]
    steady_speedup = two["steady_docs_per_s"] / one["steady_docs_per_s"]
    print(f"\nload average: {load_after_compare:.1f} after the comparison, {load_end:.1f} at the end\n")
    print_comparison(found, args.rounds)
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| text PDFs: kimextract / pdfplumber ≤ 0.12 (the worse of the two text sets), wall / CPU time | "
          f"{text_ratio:.3f}: {yes(text_ratio <= 0.12)} / {text_cpu:.3f}: {yes(text_cpu <= 0.12)} |")
    print(f"| scans: kimextract / pdfplumber ≤ 0.3, wall / CPU time | {scan_ratio:.3f}: {yes(scan_ratio <= 0.3)} / "
          f"{scan_cpu:.3f}: {yes(scan_cpu <= 0.3)} |")
    print(f"| batch, 1 worker, {args.docs} laid-out documents | {one['docs_per_s']:.1f} docs/s, {one['pages_per_s']:.0f} pages/s "
          f"({one['wall']:.1f} s; {one['steady_docs_per_s']:.1f} docs/s after start-up) |")
    print(f"| batch, 2 workers, {args.docs} laid-out documents | {two['docs_per_s']:.1f} docs/s, {two['pages_per_s']:.0f} pages/s "
          f"({two['wall']:.1f} s; {two['steady_docs_per_s']:.1f} docs/s after start-up) |")
    print(f"| speed-up 2 vs 1 workers ≥ 1.9 | {speedup:.2f}× ({steady_speedup:.2f}× after start-up): {yes(speedup >= 1.9)} |")
    print(f"| the machine now: 1 / 2 plain processes looping over the set | {raw[1][0]:.1f} / {raw[2][0]:.1f} docs/s = "
          f"{raw[2][0] / raw[1][0]:.2f}× (cores got: {raw[1][1]:.2f} / {raw[2][1]:.2f}) |")
    print(f"| worker CPU per document, 1 / 2 workers | {one['cpu_per_doc'] * 1000:.1f} / {two['cpu_per_doc'] * 1000:.1f} ms |")
    print(f"| cores the workers got (CPU time with Tesseract's / wall time after start-up), 1 / 2 workers | "
          f"{one['cores_used']:.2f} / {two['cores_used']:.2f} |")
    for label, run in (("1 worker", one), ("2 workers", two)):
        for pid, samples in sorted(run["memory"].items()):
            at_n = next((s for s in samples if s[0] >= first_n), samples[-1])
            last = samples[-1]
            print(f"| RSS of a worker ({label}) after {at_n[0]} / after {last[0]} documents | "
                  f"{at_n[1] / 1024:.0f} / {last[1] / 1024:.0f} MiB (peak {last[2] / 1024:.0f} MiB) |")
    print(f"| `kimextract --help`, whole process, median of 5 ≤ 0.15 s | {help_s:.2f} s: {yes(help_s <= 0.15)} |")
    print(f"| `kimextract extract {ONE_PAGE_TEXT.relative_to(ROOT)}` (one page), whole process, median of 5 ≤ 1.0 s | "
          f"{extract_txt_s:.2f} s: {yes(extract_txt_s <= 1.0)} |")
    print(f"| `kimextract extract` of a one-page PDF ({one_page.relative_to(ROOT) if one_page.is_relative_to(ROOT) else one_page.name}), "
          f"whole process, median of 5 ≤ 1.0 s | {extract_pdf_s:.2f} s: {yes(extract_pdf_s <= 1.0)} |")
    print(f"| spaCy imported by `--help` / `schema` / `batch --help` | "
          f"{' / '.join('yes' if v else 'no' for v in lazy.values())} |")
    met = text_ratio <= 0.12 and scan_ratio <= 0.3 and speedup >= 1.9 and help_s <= 0.15 and extract_txt_s <= 1.0
    return 0 if met and not any(lazy.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
