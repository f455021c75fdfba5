#!/usr/bin/env python3
"""How fast kimextract is, against pdftotext and pdfplumber on the same PDFs, measured in one run.

    python benchmarks/speed.py [--docs 1000] [--rounds 3] [--quick]

Documents: ``samples/corpus/*/text.pdf`` when at least ten are there; else the corpus sources rendered to PDF
with ``scripts/build_corpus.py``'s layout (into a temporary folder); else 50 generated multi-page PDFs.

Prints a Markdown table:

- pages per second of ``pdftotext`` (poppler, one process per file: the floor), of pdfplumber's
  ``Page.extract_text``, and of kimextract's whole pipeline (read, repair, extract with a box for every value,
  link, check, JSON record) in one process; the cost ratio kimextract / pdfplumber (acceptance: ≤ 0.25),
  as the median of rounds that alternate the tools, so that a busy machine hits both alike;
- ``kimextract batch`` throughput with 1 and 2 workers over ``--docs`` documents (the set repeated through
  symlinks), with and without start-up, and the speed-up (acceptance: ≥ 1.6×);
- each worker's resident memory after as many documents as the set has and after the last one (no growth);
- start-up times, and that ``kimextract --help`` and ``kimextract schema`` do not import spaCy.

The machine is shared and timings are noisy: compare the ratios, which are measured side by side.
"""

from __future__ import annotations

import argparse
import glob
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


# --------------------------------------------------------------------------- single process


def time_pdftotext(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        subprocess.run(["pdftotext", "-q", str(path), "-"], stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def time_pdfplumber(paths: list[Path]) -> float:
    import pdfplumber

    started = time.perf_counter()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
    return time.perf_counter() - started


def time_kimextract(paths: list[Path], **options) -> tuple[float, int, int]:
    """Seconds for the whole pipeline and its JSON; and the values found, and how many have a box."""
    from kimextract.process import Options, extract_file
    from kimextract.write import record_to_line

    values = boxed = 0
    options = Options(**options)
    started = time.perf_counter()
    for path in paths:
        record = extract_file(path, options)
        record_to_line(record)
        for item in (*record.amounts, *record.dates, *record.periods, *record.positions, *record.modules):
            values += 1
            boxed += item.provenance.bbox is not None
    return time.perf_counter() - started, values, boxed


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


def wall(args: list[str], repeat: int = 3) -> float:
    best = float("inf")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - started)
    return best


WORKER_START = """
import time
started = time.perf_counter()
from kimextract.nlp import build_pipeline
imported = time.perf_counter()
build_pipeline()
built = time.perf_counter()
from kimextract.pool import WARM_UP
from kimextract.process import extract_text
extract_text(WARM_UP)
print(imported - started, built - imported, time.perf_counter() - built)
"""

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents per batch run (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the single-process tools")
    parser.add_argument("--quick", action="store_true", help="200 documents, 1 round: a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.docs, args.rounds = 200, 1

    with tempfile.TemporaryDirectory(prefix="kimextract-speed-") as tmp:
        work = Path(tmp)
        paths, what = corpus_pdfs(work)
        pages = page_count(paths)
        print(f"documents: {what}, {pages} pages; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}", flush=True)

        from kimextract.pool import WARM_UP
        from kimextract.nlp import build_pipeline
        from kimextract.process import extract_file, extract_text

        build_pipeline()
        extract_text(WARM_UP)
        for path in paths:
            extract_file(path)  # warm caches: every tool below reads files from the page cache
        rows = {"pdftotext": [], "pdfplumber": [], "kimextract": [], "ratio": [], "noverify": [], "ratio_noverify": []}
        values = boxed = 0
        for _ in range(args.rounds):
            rows["pdftotext"].append(pages / time_pdftotext(paths))
            plumber = pages / time_pdfplumber(paths)
            seconds, values, boxed = time_kimextract(paths)
            ours = pages / seconds
            unverified = pages / time_kimextract(paths, verify=False)[0]
            rows["pdfplumber"].append(plumber)
            rows["kimextract"].append(ours)
            rows["ratio"].append(plumber / ours)  # our cost per page / pdfplumber's
            rows["noverify"].append(unverified)
            rows["ratio_noverify"].append(plumber / unverified)
        med = {key: statistics.median(found) for key, found in rows.items()}

        raw = machine_scaling(paths, 5 if args.quick else 10)
        one = run_batch(paths, args.docs, 1, work)
        two = run_batch(paths, args.docs, 2, work)
        first_n = len(paths)

        help_s = wall([sys.executable, "-m", "kimextract.cli", "--help"])
        schema_s = wall([sys.executable, "-m", "kimextract.cli", "schema"])
        started = subprocess.run([sys.executable, "-c", WORKER_START], cwd=ROOT, capture_output=True, text=True,
                                 env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True).stdout.split()
        import_s, build_s, warm_s = map(float, started)
        single = wall([sys.executable, "-m", "kimextract.cli", "batch", str(paths[0]), "-o", str(work / "one.jsonl"), "-j", "1", "-q"], 2)
        lazy = {" ".join(a): spacy_imported(a) for a in (["--help"], ["schema"], ["batch", "--help"])}

    ok = "yes" if med["ratio"] <= 0.25 else "NO"
    speedup = two["docs_per_s"] / one["docs_per_s"]
    steady_speedup = two["steady_docs_per_s"] / one["steady_docs_per_s"]
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| pdftotext (one process per file: the floor) | {med['pdftotext']:.0f} pages/s |")
    print(f"| pdfplumber `Page.extract_text` | {med['pdfplumber']:.0f} pages/s |")
    print(f"| kimextract whole pipeline, 1 process ({boxed}/{values} values boxed) | {med['kimextract']:.0f} pages/s |")
    print(f"| cost per page, kimextract / pdfplumber (median of {args.rounds}; ≤ 0.25: {ok}) | "
          f"{med['ratio']:.3f} (rounds: {', '.join(f'{r:.3f}' for r in rows['ratio'])}) |")
    print(f"| the same without re-reading error findings' numbers by Tesseract (`Options(verify=False)`) | "
          f"{med['noverify']:.0f} pages/s, cost ratio {med['ratio_noverify']:.3f} |")
    print(f"| batch, 1 worker, {args.docs} documents | {one['docs_per_s']:.1f} docs/s, {one['pages_per_s']:.0f} pages/s "
          f"({one['wall']:.1f} s; {one['steady_docs_per_s']:.1f} docs/s after start-up) |")
    print(f"| batch, 2 workers, {args.docs} documents | {two['docs_per_s']:.1f} docs/s, {two['pages_per_s']:.0f} pages/s "
          f"({two['wall']:.1f} s; {two['steady_docs_per_s']:.1f} docs/s after start-up) |")
    print(f"| speed-up 2 vs 1 workers (≥ 1.6: {'yes' if speedup >= 1.6 else 'NO'}) | {speedup:.2f}× "
          f"({steady_speedup:.2f}× after start-up) |")
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
    print(f"| start-up: `kimextract --help` / `kimextract schema` | {help_s:.2f} s / {schema_s:.2f} s |")
    print(f"| start-up of a worker: import spaCy + ours / build pipeline / warm-up | {import_s:.2f} s / {build_s:.2f} s / {warm_s:.2f} s |")
    print(f"| `kimextract batch` on one document, end to end | {single:.2f} s |")
    print(f"| spaCy imported by `--help` / `schema` / `batch --help` | "
          f"{' / '.join('yes' if v else 'no' for v in lazy.values())} |")
    return 0 if med["ratio"] <= 0.25 and speedup >= 1.6 and not any(lazy.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
