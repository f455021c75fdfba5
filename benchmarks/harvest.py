#!/usr/bin/env python3
"""How fast and how lean ``kimextract harvest`` is, against the local OParl server of the tests (127.0.0.1).

    python benchmarks/harvest.py [--papers 120] [--latency 0.0] [--big 100000] [--skip-speed] [--skip-memory]

Prints two Markdown tables:

- **speed**: files per second of a first harvest of a system with ``--papers`` papers (one main file each,
  every other one an attachment; every file its own content, made from the corpus PDFs) at download
  concurrency 1, 2 and 4, each into a fresh folder, with the time split into walking and fetching vs.
  reading; beside it ``kimextract batch`` alone over the same files, already on disk. ``--latency`` makes the
  server wait that many seconds before each answer, as a remote server does;
- **memory**: the harvesting process's peak resident memory (``ru_maxrss``; the batch's worker processes
  not counted) while it walks a listing of 1,000, 10,000 and ``--big`` papers that the server makes up on the
  fly (every thousandth paper has a file, all with one content: downloaded and read once).

The machine is shared and timings are noisy; the ratios measured side by side are what to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from oparl_server import Awkward, OParlFixture  # noqa: E402

PLAIN = Awkward(enabled=False, page_failures=0)

CHILD = """
import json, resource, sys
from pathlib import Path
from kimextract.harvest import HarvestConfig, run_harvest
from kimextract.oparl import Politeness
summary = run_harvest(sys.argv[1], HarvestConfig(out_dir=Path(sys.argv[2]), politeness=Politeness(concurrency=int(sys.argv[3])), workers=int(sys.argv[4])))
print(json.dumps({"seconds": summary.seconds, "fetch": summary.fetch_seconds, "read": summary.read_seconds,
                  "papers": summary.papers, "files": summary.files_listed, "downloaded": summary.files_downloaded,
                  "bytes": summary.bytes, "records": sum(summary.records.values()),
                  "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def harvest_in_child(url: str, folder: Path, concurrency: int, workers: int) -> dict:
    """One harvest in a process of its own, so that its peak memory is its own."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", CHILD, url, str(folder), str(concurrency), str(workers)],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def speed(papers: int, latency: float, workers: int) -> None:
    half = papers // 2
    with OParlFixture(papers=(half, papers - half), page_size=50, awkward=PLAIN, latency=latency) as fixture:
        url = f"{fixture.base}/system"
        files = fixture.file_count()
        print(f"\n## Speed: a first harvest of {papers} papers, {files} files "
              f"({sum(len(f.data) for p in fixture.papers for f in [p.main] + p.aux) / files / 1024:.0f} KiB on average), "
              f"server latency {latency:g} s, {workers} batch workers\n")
        print("| run | files/s | seconds | walking + fetching | reading |")
        print("|---|---:|---:|---:|---:|")
        folder = None
        with tempfile.TemporaryDirectory(prefix="kimextract-harvest-bench-") as tmp:
            for concurrency in (1, 2, 4):
                folder = Path(tmp) / f"c{concurrency}"
                result = harvest_in_child(url, folder, concurrency, workers)
                assert result["records"] == files, result
                print(f"| harvest, concurrency {concurrency} | {files / result['seconds']:.1f} | {result['seconds']:.1f} | "
                      f"{result['fetch']:.1f} s ({files / result['fetch']:.0f} files/s) | {result['read']:.1f} s |", flush=True)
            stored = sorted(str(p) for p in (folder / "files").glob("*/*.pdf"))
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "kimextract", "batch", *stored, "--out", str(Path(tmp) / "batch.jsonl"),
                            "-q", "-j", str(workers), "--fail-on", "never"], check=True, capture_output=True,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
            seconds = time.monotonic() - started
            print(f"| batch alone over the same {len(stored)} files | {len(stored) / seconds:.1f} | {seconds:.1f} | – | {seconds:.1f} s |")


def memory(big: int) -> None:
    print("\n## Memory: walking a listing made up on the fly (100 papers a page)\n")
    print("| papers | files | seconds | papers/s | peak RSS of the harvest process |")
    print("|---:|---:|---:|---:|---:|")
    for count in sorted({1_000, 10_000, big}):
        with OParlFixture(papers=(0, 0), awkward=PLAIN, big=count) as fixture, \
                tempfile.TemporaryDirectory(prefix="kimextract-harvest-mem-") as tmp:
            result = harvest_in_child(f"{fixture.base}/body/big", Path(tmp), 2, 1)
            assert result["papers"] == count, result
            print(f"| {count:,} | {result['files']} | {result['seconds']:.1f} | {count / result['seconds']:,.0f} | "
                  f"{result['peak_kib'] / 1024:.0f} MiB |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=120)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds the server waits before each answer")
    parser.add_argument("--workers", type=int, default=2, help="batch workers reading the files")
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    if not args.skip_speed:
        speed(args.papers, args.latency, args.workers)
    if not args.skip_memory:
        memory(args.big)


if __name__ == "__main__":
    main()
