"""``kimextract archive``: the records of many documents in one DuckDB database, checked across documents.

Records come from results files (``results.jsonl`` of a batch, ``.json`` records) or from documents, which
are run through the batch; documents the database already holds (by sha256) are neither extracted nor loaded
again. The rules across documents (``crosscheck.py``) then run over the whole archive; their findings go into
the database (``findings`` and ``evidence``, scope ``archive``) and to the caller. Needs duckdb and pyarrow
(the ``archive`` extra).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from ..records import ArchiveFinding
from .crosscheck import cross_findings, load_statements
from .store import add_records, known_documents, open_archive, replace_archive_findings
from .tables import AnyRecord, Rows

__all__ = ["ArchiveSummary", "build_archive"]


@dataclass
class ArchiveSummary:
    documents: int = 0  # in the archive after the run
    added: int = 0  # documents added by this run
    skipped: int = 0  # inputs the archive already held
    load_seconds: float = 0.0
    check_seconds: float = 0.0
    findings: list[ArchiveFinding] = field(default_factory=list)


def build_archive(inputs: list[str], db: Path, options: object = None, workers: Optional[int] = None) -> ArchiveSummary:
    """Add the records of ``inputs`` to the database at ``db`` and run the rules across documents."""
    summary = ArchiveSummary()
    connection = open_archive(db)
    try:
        started = time.monotonic()
        known = known_documents(connection)
        records = _records(inputs, known, options, workers, summary)
        summary.added, passed = add_records(connection, records)
        summary.skipped += passed
        summary.load_seconds = time.monotonic() - started
        started = time.monotonic()
        summary.findings = check_archive(connection)
        summary.check_seconds = time.monotonic() - started
        summary.documents = connection.execute("SELECT count(*) FROM documents").fetchall()[0][0]
    finally:
        connection.close()
    return summary


def check_archive(connection) -> list[ArchiveFinding]:
    """Run the rules across documents and store their findings (those of an earlier run are replaced)."""
    findings = cross_findings(load_statements(connection))
    rows = Rows()
    for index, finding in enumerate(findings):
        rows.add_finding(f"archive:{index}", None, "archive", finding, None, finding.decision)
    replace_archive_findings(connection, rows)
    return findings


def _records(inputs: list[str], known: set[str], options, workers, summary: ArchiveSummary) -> Iterator[AnyRecord]:
    """Records read back from results files; documents not in the archive run through the batch."""
    from ..discover import content_sha256, discover
    from ..review import is_results_file

    documents = []
    for name in inputs:
        path = Path(name)
        if is_results_file(path):
            yield from _unknown_results(path, known, summary)
            continue
        for item in discover([name]):
            if content_sha256(item.path) in known:
                summary.skipped += 1
            else:
                documents.append(item.path)
    if documents:
        yield from _batch(documents, options, workers)


def _unknown_results(path: Path, known: set[str], summary: ArchiveSummary) -> Iterator[AnyRecord]:
    """The records of a results file whose document the archive does not hold, validated only then."""
    from ..review import read_results

    for record in read_results(path, wanted=lambda data: _key(data) not in known):
        if record is None:
            summary.skipped += 1
        else:
            yield record


def _key(data: dict) -> str:
    source = data.get("source") or {}
    return source.get("sha256") or f"path:{source.get('path') or ''}"


def _batch(paths: list[str], options, workers: Optional[int]) -> Iterator[AnyRecord]:
    from ..batch import BatchConfig, run_batch
    from ..review import read_results

    with tempfile.TemporaryDirectory(prefix="kimextract-archive-") as folder:
        out = Path(folder) / "results.jsonl"
        run_batch(paths, options, BatchConfig(out=out, workers=workers, progress="none", fail_on="never"))
        yield from read_results(out)
