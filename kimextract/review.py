"""What ``check`` reads: documents, folders of documents and results files, each turned into records.

A results file (``results.jsonl`` from ``batch``, or a ``.json`` record from ``--out-dir``) is read back as
it is, so its findings are shown again without extracting anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

from pydantic import ValidationError

from .discover import discover
from .errors import InputError
from .records import DocumentRecord, ErrorRecord, Source, source_path

AnyRecord = Union[DocumentRecord, ErrorRecord]
RESULTS_SUFFIXES = (".jsonl", ".json")


def is_results_file(path: Path) -> bool:
    return path.suffix.lower() in RESULTS_SUFFIXES and not path.is_dir()


def records_of(paths: list[Path], options: object = None, skipped: Optional[list[str]] = None) -> Iterator[AnyRecord]:
    """One record per document: read back from results files, extracted from documents and from the .pdf
    and .txt files in folders (other files there go to ``skipped``). Never raises for a bad input: it gets an
    :class:`ErrorRecord`; a results file that cannot be read raises :class:`InputError`."""
    from .pool import extract_record

    for path in paths:
        if is_results_file(path):
            yield from read_results(path)
        elif path.is_dir():
            for item in discover([str(path)], skipped):
                yield extract_record(item.path, options)
        else:
            yield extract_record(str(path), options)


def read_results(path: Path, wanted: Optional[Callable[[dict], bool]] = None) -> Iterator[AnyRecord]:
    """The records of a JSON lines file, or of one JSON record; a line that is no record (a torn last line of
    a killed batch, say) gets an error record naming the line. With ``wanted``, a record whose JSON it
    refuses is not validated: None stands in its place (the archive passes over documents it holds)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the results file: {getattr(exc, 'strerror', None) or exc}", path) from None
    lines = [text] if path.suffix.lower() == ".json" else text.splitlines()
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield _record(line, f"{path}:{number}" if len(lines) > 1 else str(path), wanted)


def _record(line: str, where: str, wanted: Optional[Callable[[dict], bool]] = None) -> AnyRecord:
    try:
        data = json.loads(line)
        if wanted is not None and isinstance(data, dict) and not wanted(data):
            return None
        model = DocumentRecord if data.get("status") == "ok" else ErrorRecord
        return model.model_validate(data)
    except (ValueError, AttributeError, ValidationError) as exc:
        reason = "not JSON" if isinstance(exc, json.JSONDecodeError) else "not a kimextract record"
        return ErrorRecord(status="unreadable", source=Source(**source_path(where)), error=reason)
