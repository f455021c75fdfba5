#!/usr/bin/env python3
"""Cost per page as a document grows: does kimextract stay linear in the document's length?

    python benchmarks/growth.py [--pages 10 100 1000 2000 5000] [--source samples/corpus/23-br-detmold-bescheid-kim1]

Builds one PDF (the source's text.pdf pages repeated, with pypdf) and one text (its clean.txt pages repeated,
joined by form feeds) per size, reads each in a process of its own with ``kimextract.extract_file`` (repair,
values with boxes, structure, grants, checks; no re-reading of numbers from page images) and prints
milliseconds of CPU time per page (on a shared machine the wall time
depends on the others' load; it is printed too), peak memory of that process, the values found (a full record), and the ratio of the cost
per page at 2,000 pages (or the largest size below it) to the smallest size's (acceptance: ≤ 1.3); the peak memory
at the largest size (acceptance at 5,000 pages: ≤ 1 GiB).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from kimextract.process import Options, extract_file
extract_file({warm!r}, Options(verify=False, ocr="never"))  # pipeline and data built before the clock starts
started, cpu_started = time.perf_counter(), time.process_time()
record = extract_file({path!r}, Options(verify=False, ocr="never"))
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
print(json.dumps({{"seconds": seconds, "cpu": cpu, "pages": record.source.pages, "amounts": len(record.amounts),
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def build(source: Path, pages: int, folder: Path) -> tuple[Path, Path]:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(source / "text.pdf")
    writer = PdfWriter()
    for index in range(pages):
        writer.add_page(reader.pages[index % len(reader.pages)])
    pdf = folder / f"pages-{pages}.pdf"
    with pdf.open("wb") as handle:
        writer.write(handle)
    text_pages = (source / "clean.txt").read_text(encoding="utf-8").split("\f")
    txt = folder / f"pages-{pages}.txt"
    txt.write_text("\f".join(text_pages[i % len(text_pages)] for i in range(pages)), encoding="utf-8")
    return pdf, txt


def measure(path: Path, warm: Path) -> dict:
    code = CHILD.format(root=str(ROOT), path=str(path), warm=str(warm))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[10, 100, 1000, 2000, 5000])
    parser.add_argument("--source", type=Path, default=ROOT / "samples" / "corpus" / "23-br-detmold-bescheid-kim1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        warm = args.source / "clean.txt"
        print("| input | pages | seconds (wall) | CPU ms per page | peak memory (MiB) | amounts found |\n|---|---|---|---|---|---|")
        per_page: dict[str, dict[int, float]] = {"pdf": {}, "txt": {}}
        peak: dict[str, float] = {}
        for pages in args.pages:
            pdf, txt = build(args.source, pages, folder)
            for kind, path in (("pdf", pdf), ("txt", txt)):
                row = measure(path, warm)
                per_page[kind][pages] = row["cpu"] * 1000 / row["pages"]
                peak[kind] = row["peak_mib"]
                print(f"| {kind} | {row['pages']} | {row['seconds']:.2f} | {per_page[kind][pages]:.1f} | {row['peak_mib']:.0f} | "
                      f"{row['amounts']} |", flush=True)
            pdf.unlink()
            txt.unlink()
        smallest = min(args.pages)
        compared = max((p for p in args.pages if p <= 2000), default=max(args.pages))
        print()
        for kind, costs in per_page.items():
            ratio = costs[compared] / costs[smallest]
            print(f"{kind}: cost per page at {compared} pages / at {smallest} pages = {ratio:.2f} (≤ 1.3: "
                  f"{'met' if ratio <= 1.3 else 'NOT met'}); peak memory at {max(args.pages)} pages {peak[kind]:.0f} MiB "
                  f"(≤ 1024: {'met' if peak[kind] <= 1024 else 'NOT met'})")


if __name__ == "__main__":
    main()
