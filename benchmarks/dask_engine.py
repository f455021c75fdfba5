#!/usr/bin/env python3
"""The Dask engine against the local pool, and the client's memory for a million inputs, measured in one run.

    python benchmarks/dask_engine.py [--docs 1000] [--rounds 2] [--inputs 1000000]

Prints a Markdown table:

- ``kimextract batch`` over ``--docs`` small text files (the corpus's clean texts, each with a line of its
  own) with the local pool of 2 workers and on a local Dask cluster of 2 worker processes (``--engine dask``),
  rounds alternating, medians: the time end to end and the documents per second between the first and the last
  record (the start of the cluster and of the workers' pipelines left out), and the overhead of Dask in both;
  and the CPU time of all the run's processes, in all and per document after the first record, which a busy
  machine does not inflate as it does the time;
- the client's peak memory while ``--inputs`` inputs are submitted to a cluster of 2 workers started in a
  process of its own (so that the scheduler's memory is not counted): a synthetic listing of paths that do
  not exist (each worker gives an ``unreadable`` record at once, so that a million run through in minutes),
  generated as they are submitted, the records written to a file as a batch writes them; with the resident
  memory at each tenth of the run, to show that it stays flat, and the rate (the workers are not replaced
  after 500 documents in this run: for inputs that need no extraction, their start would be most of the time);
- what a listing of that many inputs found by discovery adds to the client (the Input objects of a sorted
  list, measured in a process of its own);
- the CPU a document process (and its Tesseract) spends per page, which sets the throughput per worker core:
  the corpus's text PDFs, and ``--scans`` of its scans OCR'd by Tesseract (``samples/corpus/*/scan-deu.pdf``,
  whose own text layer is ignored: ``--ocr always``).

``--parts`` picks the parts (default: engines,memory,cpu).

The machine is shared and timings are noisy: compare the ratios, which are measured side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def resident_mib(field: str = "VmRSS") -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


# --------------------------------------------------------------------------- local pool against the cluster


def make_documents(folder: Path, count: int) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "samples" / "corpus").glob("*/clean.txt"))]
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        text = texts[number % len(texts)] + f"\nAktenzeichen 42.{number:05}\n"  # each one different
        (folder / f"doc-{number:05}.txt").write_text(text, encoding="utf-8")


def tree_cpu_seconds() -> float:
    """CPU time of this process and of every process under it, the finished ones they waited for included."""
    import psutil

    total = 0.0
    me = psutil.Process()
    for process in [me] + me.children(recursive=True):
        try:
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.Error:
            continue
    return total


def timed_batch(folder: Path, out: Path, engine: str) -> dict:
    """One batch run in this process: seconds end to end, documents per second after the first record, and
    the CPU seconds all its processes spent up to the last record (client, scheduler, Dask workers, document
    processes, fork servers), which a busy machine does not inflate as it does the time."""
    from kimextract.batch import BatchConfig, run_batch
    from kimextract.process import Options

    stamps: list[float] = []
    cpu = {"start": tree_cpu_seconds()}

    def on_result(result) -> None:
        stamps.append(time.monotonic())
        if len(stamps) == 1:
            cpu["first"] = tree_cpu_seconds()
        if len(stamps) == count:
            cpu["end"] = tree_cpu_seconds()  # before the processes end: their time is lost when no one waits for them

    count = sum(1 for _ in folder.iterdir())
    started = time.monotonic()
    summary = run_batch([str(folder)], Options(), BatchConfig(out=out, workers=2, engine=engine, progress="none"),
                        on_result=on_result)
    total = time.monotonic() - started
    assert summary.statuses.get("ok") == summary.inputs == count, summary.statuses
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    return {"seconds": total, "first": stamps[0] - started, "per_second": steady, "cpu": cpu["end"] - cpu["start"],
            "cpu_per_document": (cpu["end"] - cpu["first"]) / (count - 1)}


def compare_engines(docs: int, rounds: int, work: Path) -> dict:
    folder = work / "docs"
    make_documents(folder, docs)
    runs: dict[str, list[dict]] = {"local": [], "dask": []}
    for round_number in range(rounds):
        order = ("local", "dask") if round_number % 2 == 0 else ("dask", "local")
        for engine in order:
            out = work / f"{engine}.jsonl"
            runs[engine].append(timed_batch(folder, out, engine))
    same = _without_worker(work / "dask.jsonl") == (work / "local.jsonl").read_bytes()
    median = {engine: {key: statistics.median(run[key] for run in found) for key in found[0]} for engine, found in runs.items()}
    return {"docs": docs, "rounds": rounds, "median": median, "same_records": same}


def _without_worker(path: Path) -> bytes:
    import re

    return re.sub(rb',"worker":"[^"]*"', b"", path.read_bytes())


# --------------------------------------------------------------------------- the client's memory


class SyntheticListing:
    """``count`` inputs under an archive's paths, made when asked for: what the engine holds is what is measured."""

    def __init__(self, count: int):
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int):
        from kimextract.discover import Input

        name = f"{index // 1000:04}/{index:07}.txt"
        return Input(f"/nonexistent/archive/{name}", name)


def client_run(address: str, count: int, out: Path) -> dict:
    """Submit ``count`` synthetic inputs to the cluster at ``address``, writing their records; memory and rate."""
    from kimextract.batch import BatchConfig, Summary
    from kimextract.cluster import run_on_cluster
    from kimextract.process import Options
    from kimextract.write import LineSink

    base = resident_mib()
    # Workers are not replaced after 500 documents here: a new worker's start (about a second) would cost more
    # than 500 of these inputs, which need no extraction; it does not touch the client, which is measured.
    config = BatchConfig(out=out, cluster=address, engine="dask", progress="none", max_tasks_per_worker=0)
    sink = LineSink(out, "jsonl", append=False)
    summary = Summary(inputs=count)
    samples: list[tuple[int, float]] = []
    order = {"next": 0}
    started = time.monotonic()

    def write(result) -> None:
        assert result.index == order["next"], "records out of order"
        order["next"] += 1
        sink.write(result.outputs["jsonl"])
        summary.add(result)
        if order["next"] % max(1, count // 10) == 0:
            samples.append((order["next"], resident_mib()))

    run_on_cluster(SyntheticListing(count), range(count), ("jsonl",), Options(), config, write, 0)
    sink.close()
    seconds = time.monotonic() - started
    return {"inputs": count, "written": order["next"], "statuses": dict(summary.statuses), "seconds": seconds,
            "base_mib": base, "peak_mib": resident_mib("VmHWM"), "samples": samples, "bytes": out.stat().st_size}


def start_cluster() -> tuple[subprocess.Popen, str]:
    """A scheduler and 2 worker processes in a process of their own; its address."""
    code = ("import sys, time, logging\n"
            "from distributed import LocalCluster\n"
            "import dask\n"
            "from kimextract.cluster import QUIET_SCHEDULER\n"
            "dask.config.set({'distributed.scheduler.worker-saturation': float('inf')})\n"
            "cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, silence_logs=logging.ERROR, "
            "**QUIET_SCHEDULER)\n"
            "print(cluster.scheduler_address, flush=True)\n"
            "sys.stdin.read()\n"
            "cluster.close()\n")
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return process, process.stdout.readline().strip()


def client_memory(count: int, work: Path) -> dict:
    cluster, address = start_cluster()
    try:
        result = subprocess.run([sys.executable, __file__, "--client", address, "--inputs", str(count), "--out",
                                 str(work / "million.jsonl")], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        if result.returncode != 0:
            raise SystemExit(f"the client failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.splitlines()[-1])
    finally:
        cluster.stdin.close()
        cluster.wait(60)
        (work / "million.jsonl").unlink(missing_ok=True)


def listing_memory(count: int) -> float:
    """MiB that ``count`` discovered inputs (a sorted list of Input) take, measured in a fresh process."""
    code = ("import sys\nsys.path.insert(0, %r)\n"
            "from benchmarks.dask_engine import resident_mib\nfrom kimextract.discover import Input\n"
            "before = resident_mib()\n"
            "inputs = [Input(f'/srv/archive/berichtsvorlagen/{i // 1000:04}/{i:07}.pdf', f'{i // 1000:04}/{i:07}.pdf') "
            "for i in range(%d)]\n"
            "print(resident_mib() - before)\n") % (str(ROOT), count)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout.strip())


# --------------------------------------------------------------------------- CPU per page


def cpu_per_page(pattern: str, limit: int, work: Path, ocr: str = "auto") -> dict:
    """CPU seconds per page of the document processes (Tesseract included) over the first ``limit`` files."""
    from kimextract.batch import BatchConfig, run_batch
    from kimextract.process import Options

    files = sorted(str(p) for p in ROOT.glob(pattern))[:limit]
    seen: list = []
    run_batch(files, Options(ocr=ocr), BatchConfig(out=work / "cpu.jsonl", workers=1, progress="none"), on_result=seen.append)
    pages = sum(result.pages for result in seen)
    cpu = sum(result.cpu_seconds for result in seen)
    return {"files": len(files), "pages": pages, "ocr": sum(result.ocr for result in seen), "cpu_per_page": cpu / pages}


# --------------------------------------------------------------------------- report


def report(engines: Optional[dict], memory: Optional[dict], listing: Optional[float], cpu: Optional[dict]) -> str:
    lines = ["| measure | figure |", "|---|---|"]
    if engines:
        lines += engine_lines(engines)
    if memory:
        lines += memory_lines(memory, listing)
    if cpu:
        text, scans = cpu["text"], cpu["scans"]
        lines += [
            f"| CPU per page, text PDFs ({text['files']} files, {text['pages']} pages) | {1000 * text['cpu_per_page']:.1f} ms |",
            f"| CPU per page, scans OCR'd ({scans['files']} files, {scans['pages']} pages, {scans['ocr']} OCR'd) "
            f"| {scans['cpu_per_page']:.2f} s |",
        ]
    return "\n".join(lines)


def engine_lines(engines: dict) -> list[str]:
    local, dask = engines["median"]["local"], engines["median"]["dask"]
    return [
        f"| {engines['docs']:,} small text documents, end to end: local pool, 2 workers / 2-worker LocalCluster "
        f"| {local['seconds']:.1f} s / {dask['seconds']:.1f} s |",
        f"| overhead of Dask end to end (cluster start included) | **{100 * (dask['seconds'] / local['seconds'] - 1):+.1f} %** |",
        f"| documents per second after the first record: local / Dask | {local['per_second']:.1f} / {dask['per_second']:.1f} |",
        f"| overhead of Dask after start-up (target ≤ 10 %) | **{100 * (local['per_second'] / dask['per_second'] - 1):+.1f} %** |",
        f"| time to the first record: local / Dask | {local['first']:.1f} s / {dask['first']:.1f} s |",
        f"| CPU of all processes of the run, start included: local / Dask | {local['cpu']:.1f} s / {dask['cpu']:.1f} s "
        f"(**{100 * (dask['cpu'] / local['cpu'] - 1):+.1f} %**) |",
        f"| CPU per document after the first record, all processes: local / Dask | {1000 * local['cpu_per_document']:.1f} ms / "
        f"{1000 * dask['cpu_per_document']:.1f} ms (**{100 * (dask['cpu_per_document'] / local['cpu_per_document'] - 1):+.1f} %**) |",
        f"| records the same but for the worker field | {'yes' if engines['same_records'] else 'NO'} |",
    ]


def memory_lines(memory: dict, listing: float) -> list[str]:
    return [
        f"| client peak memory, {memory['inputs']:,} synthetic inputs submitted and written (target < 300 MB) "
        f"| **{memory['peak_mib']:.0f} MiB** ({memory['base_mib']:.0f} MiB after imports) |",
        "| client resident memory at each tenth of the run | "
        + ", ".join(f"{rss:.0f}" for _, rss in memory["samples"]) + " MiB |",
        f"| the million run: records written, rate | {memory['written']:,} in {memory['seconds']:.0f} s "
        f"({memory['written'] / memory['seconds']:,.0f} inputs/s, {memory['bytes'] / 1e6:.0f} MB of records) |",
        f"| a discovered listing of {memory['inputs']:,} inputs adds to the client | {listing:.0f} MiB |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--inputs", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=12, help="scanned PDFs to OCR for the CPU per page")
    parser.add_argument("--parts", default="engines,memory,cpu")
    parser.add_argument("--client", metavar="ADDRESS", help=argparse.SUPPRESS)  # the measured client process
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        print(json.dumps(client_run(args.client, args.inputs, args.out)))
        return
    parts = set(args.parts.split(","))
    engines = memory = listing = cpu = None
    with tempfile.TemporaryDirectory(prefix="kimextract-dask-") as tmp:
        work = Path(tmp)
        if "engines" in parts:
            engines = compare_engines(args.docs, args.rounds, work)
            print(f"engines: {json.dumps(engines)}", file=sys.stderr)
        if "memory" in parts:
            memory = client_memory(args.inputs, work)
            print(f"client: {json.dumps(memory)}", file=sys.stderr)
            listing = listing_memory(args.inputs)
        if "cpu" in parts:
            cpu = {"text": cpu_per_page("samples/corpus/*/text.pdf", 61, work),
                   "scans": cpu_per_page("samples/corpus/*/scan-deu.pdf", args.scans, work, ocr="always")}
            print(f"cpu: {json.dumps(cpu)}", file=sys.stderr)
    print(report(engines, memory, listing, cpu))


if __name__ == "__main__":
    main()
