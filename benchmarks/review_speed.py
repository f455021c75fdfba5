#!/usr/bin/env python3
"""How long the review report takes for the bundled samples, on the given number of workers.

    python benchmarks/review_speed.py [--workers 2] [--results FILE] [--end-to-end] [--keep DIR]

The samples: every ``samples/**/*.pdf`` and the reference sample (its OCR text, and its PDF built from
``gold.txt`` when reportlab is installed). Three timings, each a command as a user runs it:

- ``batch``: extracting the records into a results file (``--results FILE``: kept there, and taken from there
  without extracting when it exists);
- ``review RESULTS``: the report from that results file, nothing extracted again: every page rendered once,
  the annotated PDFs, the HTML. This is the report's own cost;
- with ``--end-to-end``: ``review`` straight from the documents (extraction and report in one command).

Prints seconds, documents, pages and the report's size, and the CPU seconds the report took in all its
processes (the page images, PDFs and pages; not the extraction), which a busy machine does not change: on
idle cores the report takes about that divided by the workers. The load average says how busy the machine was.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
WARENDORF = ROOT / "samples" / "warendorf-231-2020"


def sample_inputs(work: Path) -> list[str]:
    pdfs = sorted(glob.glob(str(ROOT / "samples" / "**" / "*.pdf"), recursive=True))
    inputs = [os.path.relpath(p, ROOT) for p in pdfs] + [os.path.relpath(WARENDORF / "ocr.txt", ROOT)]
    try:
        sys.path.insert(0, str(WARENDORF.parent))
        from make_sample_pdf import text_to_pdf

        built = work / "warendorf.pdf"
        text_to_pdf((WARENDORF / "gold.txt").read_text(encoding="utf-8"), built)
        inputs.append(str(built))
    except ImportError:
        print("reportlab is missing: the reference sample's PDF is left out", file=sys.stderr)
    return inputs


def timed(command: list[str]) -> tuple[float, Optional[float]]:
    """Seconds the command took, and for review the CPU seconds its report took (its summary line says)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "kimextract", *command], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1, 3):
        sys.exit(f"{' '.join(command[:2])} failed ({result.returncode}): {result.stderr.strip()[-500:]}")
    cpu = re.search(r"report CPU ([\d.]+) s", result.stderr)
    return seconds, float(cpu[1]) if cpu else None


def report_size(folder: Path) -> tuple[int, int, int]:
    """(page images, bytes of the page images, bytes of the whole report)."""
    images = list(folder.glob("doc-*/page-*.png"))
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return len(images), sum(p.stat().st_size for p in images), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--results", type=Path, help="the samples' results file: made if missing, else read (skips batch)")
    parser.add_argument("--end-to-end", action="store_true", help="also time review straight from the documents")
    parser.add_argument("--keep", type=Path, help="write the report here (default: a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="review-bench-") as folder:
        work = Path(folder)
        inputs = sample_inputs(args.results.resolve().parent if args.results else work)  # the built PDF beside the results
        workers = ["--workers", str(args.workers)]
        results = args.results.resolve() if args.results else work / "results.jsonl"
        rows = []
        if args.results is None or not args.results.exists():
            rows.append(("batch (extract into results.jsonl)", *timed(["batch", *inputs, "--out", str(results), "-q", *workers])))
        records = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
        pages = sum(r["source"].get("pages", 0) for r in records)
        report = (args.keep or work / "report").resolve()
        rows.append(("review results.jsonl (the report alone)", *timed(["review", str(results), "--out", str(report), "-q", *workers])))
        images, image_bytes, total = report_size(report)
        if args.end_to_end:
            rows.append(("review documents (extract + report)",
                         *timed(["review", *inputs, "--out", str(work / "report-direct"), "-q", *workers])))

    print(f"inputs: {len(inputs)} ({len(records)} records, {pages} pages), {args.workers} workers, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    print(f"report: {images} page images ({image_bytes / 2**20:.0f} MiB), {total / 2**20:.0f} MiB in all")
    print("| step | seconds | pages/s | CPU seconds of the report |")
    print("|---|---:|---:|---:|")
    for name, seconds, cpu in rows:
        print(f"| {name} | {seconds:.1f} | {pages / seconds:.0f} | {'' if cpu is None else f'{cpu:.1f}'} |")


if __name__ == "__main__":
    main()
