"""The archive's database: one DuckDB file with a table per list (``tables.py``), filled incrementally.

A document is keyed by ``document_id`` (its sha256): a run adds the records of documents the database does not
hold yet and leaves the rows of the others untouched. The findings of the archive as a whole (scope
``archive``) are made again on every run, since a new document can confirm or contradict an old one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import duckdb
import pyarrow as pa

from ..errors import InputError
from ..records import SCHEMA_VERSION
from .tables import SCHEMAS, TABLES, AnyRecord, Rows, document_id

ARROW_TO_SQL = {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
                pa.bool_(): "BOOLEAN", pa.date32(): "DATE"}
KEYS = {"documents": "document_id", "findings": "finding_id"}


def _sql_type(kind: pa.DataType) -> str:
    if pa.types.is_decimal(kind):
        return f"DECIMAL({kind.precision}, {kind.scale})"
    return ARROW_TO_SQL[kind]


def _create_statement(name: str) -> str:
    columns = [f'"{field.name}" {_sql_type(field.type)}' + (" PRIMARY KEY" if KEYS.get(name) == field.name else "")
               for field in SCHEMAS[name]]
    return f'CREATE TABLE IF NOT EXISTS {name} ({", ".join(columns)})'


def open_archive(path: Path) -> duckdb.DuckDBPyConnection:
    """The database at ``path``, created with its tables if new; :class:`InputError` for a file that is no
    kimextract archive or one of another schema version."""
    try:
        connection = duckdb.connect(str(path))
    except (duckdb.Error, OSError) as exc:
        raise InputError(f"cannot open the archive database: {exc}", path) from None
    tables = {row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if tables and "archive_meta" not in tables:
        connection.close()
        raise InputError("not a kimextract archive (neither a new file nor a database made by kimextract archive)", path)
    if "archive_meta" in tables:
        version = connection.execute("SELECT schema_version FROM archive_meta").fetchall()[0][0]
        if version != SCHEMA_VERSION:
            connection.close()
            raise InputError(f"the archive was made with schema {version}, this kimextract writes {SCHEMA_VERSION}: "
                             "load the results into a new --db file", path)
        return connection
    connection.execute("CREATE TABLE archive_meta (schema_version VARCHAR)")
    connection.execute("INSERT INTO archive_meta VALUES (?)", [SCHEMA_VERSION])
    for name in TABLES:
        connection.execute(_create_statement(name))
    return connection


def known_documents(connection: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT document_id FROM documents").fetchall()}


def add_records(connection: duckdb.DuckDBPyConnection, records: Iterable[AnyRecord]) -> tuple[int, int]:
    """Insert the rows of the records whose document the archive does not hold yet (the first of several
    records of one document); returns how many documents were added and how many records were passed over."""
    known = known_documents(connection)
    rows = Rows()
    added = passed = 0
    for record in records:
        key = document_id(record)
        if key in known:
            passed += 1
            continue
        known.add(key)
        rows.add_record(record)
        added += 1
    if added:
        insert_tables(connection, rows.tables())
    return added, passed


def insert_tables(connection: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Append Arrow tables to the tables of the same name, in one transaction."""
    connection.execute("BEGIN TRANSACTION")
    try:
        for name, table in tables.items():
            if table.num_rows:
                connection.register("incoming", table)
                connection.execute(f"INSERT INTO {name} SELECT * FROM incoming")
                connection.unregister("incoming")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def replace_archive_findings(connection: duckdb.DuckDBPyConnection, rows: Rows) -> None:
    """The findings across documents, made anew: those of the last run go, with their evidence."""
    connection.execute("BEGIN TRANSACTION")
    try:
        connection.execute("DELETE FROM evidence WHERE finding_id IN (SELECT finding_id FROM findings WHERE scope = 'archive')")
        connection.execute("DELETE FROM findings WHERE scope = 'archive'")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    insert_tables(connection, rows.tables(["findings", "evidence"]))
