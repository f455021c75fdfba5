#!/usr/bin/env python3
"""Loading an archive: how long 10,000 document records take to go into the database, and what a second run
with 100 new documents touches.

    python benchmarks/archive.py [--documents 10000] [--new 100] [--results results.jsonl]

The records are made from real ones: the sample archive's papers are extracted once (or read from
``--results``), then copied with a new sha256 and path each until there are ``--documents`` of them, written
as one results.jsonl as ``kimextract batch`` writes it. The first run loads them into a new DuckDB file; the
second run reads a results file holding all of them plus ``--new`` more. Printed: seconds and documents per
second of each load (reading the JSON lines, building the tables, inserting), the seconds of the rules across
documents, and the rows of each table before and after the second run (only the new documents' rows are
added; the old ones are neither rewritten nor deleted).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def real_records(results: Path | None) -> list[dict]:
    if results is not None:
        return [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    from kimextract.batch import BatchConfig, run_batch

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "results.jsonl"
        run_batch([str(ROOT / "samples" / "archive")], None, BatchConfig(out=out, progress="none", fail_on="never"))
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def synthesise(records: list[dict], count: int, offset: int = 0) -> list[str]:
    """``count`` JSON lines: the real records in turn, each with a sha256 and path of its own."""
    lines = []
    for index in range(offset, offset + count):
        record = dict(records[index % len(records)])
        record["source"] = dict(record["source"], sha256=hashlib.sha256(f"copy {index}".encode()).hexdigest(),
                                path=f"archive/{index:06d}/{Path(record['source']['path']).name}")
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return lines


def counts(db: Path) -> dict[str, int]:
    import duckdb

    from kimextract.archive.tables import TABLES

    connection = duckdb.connect(str(db), read_only=True)
    try:
        return {name: connection.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in TABLES}
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--results", type=Path, help="real records to copy (default: extract samples/archive)")
    args = parser.parse_args()
    from kimextract.archive import build_archive

    records = real_records(args.results)
    with tempfile.TemporaryDirectory() as folder:
        first, second, db = Path(folder) / "first.jsonl", Path(folder) / "second.jsonl", Path(folder) / "archive.duckdb"
        old = synthesise(records, args.documents)
        first.write_text("".join(old), encoding="utf-8")
        second.write_text("".join(old + synthesise(records, args.new, offset=args.documents)), encoding="utf-8")
        print(f"{len(records)} real records copied to {args.documents} + {args.new} documents "
              f"({first.stat().st_size / 1e6:.1f} MB of JSON lines)")
        started = time.perf_counter()
        one = build_archive([str(first)], db)
        total_one = time.perf_counter() - started
        before = counts(db)
        started = time.perf_counter()
        two = build_archive([str(second)], db)
        total_two = time.perf_counter() - started
        after = counts(db)
        for name, run, total in (("first run", one, total_one), ("second run", two, total_two)):
            print(f"{name}: {run.added} documents added, {run.skipped} already held; load {run.load_seconds:.2f} s "
                  f"({run.added / run.load_seconds if run.load_seconds else 0:.0f} added documents/s), rules across "
                  f"documents {run.check_seconds:.2f} s, {len(run.findings)} findings; {total:.2f} s in all")
        print("rows per table (after first run -> after second run, added):")
        for name in before:
            print(f"  {name:16} {before[name]:>9} -> {after[name]:>9}  +{after[name] - before[name]}")
        print(f"database file: {db.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
