"""Writers: one JSON record, JSON lines, CSV rows per amount, and the JSON Schema."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Union

from .records import DocumentRecord, ErrorRecord

AnyRecord = Union[DocumentRecord, ErrorRecord]

CSV_COLUMNS = ["document", "sha256", "status", "page", "start", "end", "value", "currency", "qualifier", "per", "module", "text"]


def record_to_json(record: AnyRecord, indent: int | None = 2) -> str:
    return record.model_dump_json(indent=indent)


def record_to_line(record: AnyRecord) -> str:
    """One JSON line, newline included."""
    return record.model_dump_json() + "\n"


def record_to_csv_rows(record: AnyRecord) -> list[list[str]]:
    """One row per amount; an error or a document without amounts gives one row with its status."""
    base = [record.source.path or "", record.source.sha256 or "", record.status]
    if isinstance(record, ErrorRecord) or not record.amounts:
        return [base + [""] * (len(CSV_COLUMNS) - 3)]
    rows = []
    for amount in record.amounts:
        p = amount.provenance
        rows.append(base + [str(p.page), str(p.start), str(p.end), format(amount.value, "f"), amount.currency,
                            amount.qualifier or "", amount.per or "", "" if amount.module is None else str(amount.module),
                            " ".join(amount.text.split())])
    return rows


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def schema_json() -> str:
    """JSON Schema of a document record and of an error record."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kimextract record",
        "oneOf": [{"$ref": "#/$defs/DocumentRecord"}, {"$ref": "#/$defs/ErrorRecord"}],
        "$defs": {},
    }
    for model in (DocumentRecord, ErrorRecord):
        part = model.model_json_schema(ref_template="#/$defs/{model}", mode="serialization")
        schema["$defs"].update(part.pop("$defs", {}))
        schema["$defs"][model.__name__] = part
    return json.dumps(schema, indent=2, ensure_ascii=False)


def write_atomically(path: Path, text: str) -> None:
    """Write a whole file or nothing: a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
