"""The archive's tables as files for data tools: Parquet, CSV, and CSV for a German spreadsheet.

Parquet keeps every type (dates, decimals, text). CSV writes ISO dates, decimals with a point, empty cells
for nothing and ``true``/``false``; ``excel`` CSV has a byte order mark, ``;`` between cells and a decimal comma,
as a spreadsheet set to German opens it with a double click.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..write import spreadsheet_safe, write_atomically
from .tables import SCHEMAS, TABLES

FORMATS = ("parquet", "csv", "excel")


def archive_tables(connection: duckdb.DuckDBPyConnection) -> dict[str, pa.Table]:
    """Every table of the archive, in its documented types, rows in a stable order."""
    tables = {}
    for name in TABLES:
        order = ", ".join(f.name for f in SCHEMAS[name] if f.name.endswith(("_id", "_index")))
        table = connection.sql(f"SELECT * FROM {name} ORDER BY {order}").to_arrow_table()
        tables[name] = table.cast(SCHEMAS[name])
    return tables


def export(tables: dict[str, pa.Table], folder: Path, fmt: str) -> list[Path]:
    """One file per table in ``folder``; returns their paths."""
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if fmt == "parquet":
            path = folder / f"{name}.parquet"
            pq.write_table(table, path)
        else:
            path = folder / f"{name}.csv"
            write_atomically(path, csv_of(table, excel=fmt == "excel"))
        written.append(path)
    return written


def csv_of(table: pa.Table, excel: bool = False) -> str:
    """The table as CSV text (a leading byte order mark for ``excel``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n")
    writer.writerow(table.column_names)
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for row in zip(*columns):
        writer.writerow([_cell(value, excel) for value in row])
    return ("\ufeff" if excel else "") + buffer.getvalue()


def _cell(value: object, excel: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", ",") if excel else text
    if isinstance(value, float):
        text = repr(value)
        return text.replace(".", ",") if excel else text
    if isinstance(value, (dt.date, int)):
        return str(value)
    return spreadsheet_safe(str(value)) if excel else str(value)
