"""The records a report shows: read back from results files (so that a large batch is reviewed without
extracting again), or extracted from documents, folders and patterns by the batch engine's worker pool."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Optional

from ..records import DocumentRecord, ErrorRecord
from ..review import is_results_file, read_results


@dataclass
class Reviewed:
    """A record and the folders its ``source.path`` may be relative to."""

    record: DocumentRecord | ErrorRecord
    bases: tuple[Path, ...]


def review_inputs(inputs: list[str], options, workers: Optional[int], timeout: Optional[float],
                  progress: str) -> tuple[list[Reviewed], int]:
    """One record per document, in the order of the inputs (each run of document inputs in one batch), and
    how many files in the folders given were neither .pdf nor .txt."""
    found: list[Reviewed] = []
    unsupported = 0
    for results, group in groupby(inputs, key=lambda item: is_results_file(Path(item))):
        if results:
            for item in group:
                path = Path(item)
                disabled = getattr(options, "disabled_rules", frozenset())
                found += [Reviewed(_without(record, disabled), (Path.cwd(), path.parent)) for record in read_results(path)]
        else:
            records, skipped = _extracted(list(group), options, workers, timeout, progress)
            found += [Reviewed(record, (Path.cwd(),)) for record in records]
            unsupported += skipped
    return found, unsupported


def _extracted(patterns: list[str], options, workers: Optional[int], timeout: Optional[float],
               progress: str) -> tuple[list[DocumentRecord | ErrorRecord], int]:
    """The documents' records as ``batch`` makes them, through a results file that is read back."""
    from ..batch import BatchConfig, run_batch

    with tempfile.TemporaryDirectory(prefix="kimextract-review-") as folder:
        results = Path(folder) / "results.jsonl"
        config = BatchConfig(out=results, workers=workers, timeout=timeout, progress=progress, fail_on="never")
        summary = run_batch(patterns, options, config)
        return list(read_results(results)), summary.unsupported


def _without(record: DocumentRecord | ErrorRecord, disabled: frozenset[str]) -> DocumentRecord | ErrorRecord:
    """A record read back without the findings of the rules switched off now."""
    if not disabled or not isinstance(record, DocumentRecord):
        return record
    return record.model_copy(update={"findings": [f for f in record.findings if f.rule not in disabled]})


def find_source(record: DocumentRecord | ErrorRecord, bases: tuple[Path, ...]) -> Optional[str]:
    """The document's file as it is now: its path as recorded, or beside one of ``bases`` (a results file's
    folder), for a name that is not UTF-8 its exact bytes; None when it is not there."""
    source = record.source
    if source.path_bytes:
        name = os.fsdecode(bytes.fromhex(source.path_bytes))
    elif source.path:
        name = source.path
    else:
        return None
    path = Path(name)
    candidates = [path] if path.is_absolute() else [base / path for base in bases]
    return next((str(candidate) for candidate in candidates if candidate.is_file()), None)
