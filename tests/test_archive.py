"""``kimextract archive``: the sample archive's findings across documents against its gold, the database loaded
incrementally, and the exported tables read by pandas, DuckDB and pyarrow without arguments."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")

from conftest import SAMPLES  # noqa: E402
from kimextract.archive import build_archive  # noqa: E402
from kimextract.archive.export import archive_tables, export  # noqa: E402
from kimextract.archive.store import open_archive  # noqa: E402
from kimextract.archive.tables import TABLES  # noqa: E402
from kimextract.review import read_results  # noqa: E402

ARCHIVE = SAMPLES / "archive"
GOLD = json.loads((ARCHIVE / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """The sample archive's records, extracted once by the batch."""
    from kimextract.batch import BatchConfig, run_batch

    out = tmp_path_factory.mktemp("archive") / "results.jsonl"
    run_batch([str(ARCHIVE)], None, BatchConfig(out=out, progress="none", fail_on="never", workers=2))
    return out


@pytest.fixture(scope="module")
def database(results, tmp_path_factory) -> tuple[Path, object]:
    db = tmp_path_factory.mktemp("db") / "archive.duckdb"
    return db, build_archive([str(results)], db)


def _found(findings) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((f.rule, tuple(sorted({str(Path(e.path).relative_to(ARCHIVE)) for e in f.evidence}))) for f in findings)


def test_findings_across_documents_meet_the_gold_exactly(database):
    _, summary = database
    expected = sorted((g["rule"], tuple(sorted(g["documents"]))) for g in GOLD["findings"])
    assert _found(summary.findings) == expected


def test_planted_disagreements_are_at_least_eight_of_four_kinds_and_consistent_cases_give_nothing(database):
    _, summary = database
    planted = [g for g in GOLD["findings"] if g["planted"]]
    assert len(planted) >= 8 and len({g["rule"] for g in planted}) >= 4
    folders = {Path(e.path).relative_to(ARCHIVE).parts[0] for f in summary.findings for e in f.evidence}
    assert not folders & set(GOLD["consistent"])


def test_every_finding_has_evidence_from_every_document_with_page_and_offsets(database):
    _, summary = database
    for finding in summary.findings:
        documents = {e.path for e in finding.evidence}
        assert len(documents) >= 2 or finding.rule == "cited_decision_absent"
        for evidence in finding.evidence:
            assert evidence.sha256 and evidence.provenance.page >= 1 and evidence.provenance.end > evidence.provenance.start


def test_the_database_holds_tables_to_query_with_sql(database):
    db, summary = database
    connection = duckdb.connect(str(db), read_only=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert set(TABLES) <= tables
        row = connection.execute("""
            SELECT g.amount, g.positions, g.period_start, g.authority, d.kind
            FROM grants g JOIN documents d USING (document_id)
            WHERE g.reference = '36.08.02-KIM2-03/21' AND d.kind = 'bescheid'""").fetchone()
        assert row == (Decimal("385000.00"), Decimal("7.0000"), dt.date(2021, 1, 1), "Bezirksregierung Arnsberg", "bescheid")
        stored = connection.execute("SELECT count(*) FROM findings WHERE scope = 'archive'").fetchone()[0]
        assert stored == len(summary.findings)
        cited = connection.execute("""SELECT count(DISTINCT e.document_id) FROM evidence e JOIN findings f USING (finding_id)
                                      WHERE f.rule = 'module_year_total_differs'""").fetchone()[0]
        assert cited == 3
    finally:
        connection.close()


def _counts(db: Path) -> dict[str, int]:
    connection = duckdb.connect(str(db), read_only=True)
    try:
        return {name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES}
    finally:
        connection.close()


def test_a_second_run_adds_only_new_documents(results, tmp_path):
    lines = results.read_text(encoding="utf-8").splitlines(keepends=True)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("".join(lines[:-1]), encoding="utf-8")
    second.write_text("".join(lines), encoding="utf-8")
    db = tmp_path / "archive.duckdb"
    one = build_archive([str(first)], db)
    before = _counts(db)
    two = build_archive([str(second)], db)
    after = _counts(db)
    assert (one.added, two.added, two.skipped, two.documents) == (len(lines) - 1, 1, len(lines) - 1, len(lines))
    assert after["documents"] == before["documents"] + 1
    connection = duckdb.connect(str(db), read_only=True)
    try:
        newest = json.loads(lines[-1])["source"]["sha256"]
        new_grants = connection.execute("SELECT count(*) FROM grants WHERE document_id = ?", [newest]).fetchone()[0]
    finally:
        connection.close()
    assert after["grants"] == before["grants"] + new_grants
    three = build_archive([str(second)], db)
    assert three.added == 0 and _counts(db) == after  # the same records again: nothing touched


def test_documents_already_held_are_not_extracted_again(tmp_path):
    folder = ARCHIVE / "01-lippe-kim2-2022"
    db = tmp_path / "archive.duckdb"
    assert build_archive([str(folder)], db).added == 2
    again = build_archive([str(folder)], db)
    assert (again.added, again.skipped) == (0, 2)


def test_a_file_that_is_no_archive_is_refused_in_one_line(tmp_path):
    from kimextract.errors import InputError

    other = tmp_path / "other.duckdb"
    connection = duckdb.connect(str(other))
    connection.execute("CREATE TABLE t (x INTEGER)")
    connection.close()
    with pytest.raises(InputError, match="not a kimextract archive"):
        build_archive([], other)


# ---------------------------------------------------------------------------------------------------------
# outputs for data tools


@pytest.fixture(scope="module")
def exported(database, tmp_path_factory) -> dict[str, Path]:
    db, _ = database
    connection = open_archive(db)
    try:
        tables = archive_tables(connection)
    finally:
        connection.close()
    folders = {}
    for fmt in ("parquet", "csv", "excel"):
        folders[fmt] = tmp_path_factory.mktemp(fmt)
        export(tables, folders[fmt], fmt)
    return folders


def test_pandas_reads_parquet_with_dates_decimals_and_text(exported):
    pd = pytest.importorskip("pandas")
    grants = pd.read_parquet(exported["parquet"] / "grants.parquet")
    first = grants.dropna(subset=["decision_date", "amount"]).iloc[0]
    assert isinstance(first["decision_date"], dt.date) and isinstance(first["amount"], Decimal)
    documents = pd.read_parquet(exported["parquet"] / "documents.parquet")
    assert set(documents["schema_version"]) == {"2.0.0"}
    assert list(pd.read_parquet(exported["parquet"] / "grant_positions.parquet").columns) == ["document_id", "grant_index", "held_by", "fte"]


def test_duckdb_reads_parquet_and_csv_with_the_documented_types(exported):
    connection = duckdb.connect()
    parquet = exported["parquet"] / "grants.parquet"
    types = dict(connection.execute(f"DESCRIBE SELECT * FROM '{parquet}'").fetchall()[i][:2] for i in range(15))
    assert types["decision_date"] == "DATE" and types["amount"] == "DECIMAL(18,2)" and types["reference"] == "VARCHAR"
    csv = exported["csv"] / "grants.csv"
    types = {row[0]: row[1] for row in connection.execute(f"DESCRIBE SELECT * FROM '{csv}'").fetchall()}
    assert types["decision_date"] == "DATE" and types["period_start"] == "DATE" and types["amount"] == "DOUBLE"
    documents = exported["csv"] / "documents.csv"
    types = {row[0]: row[1] for row in connection.execute(f"DESCRIBE SELECT * FROM '{documents}'").fetchall()}
    assert types["schema_version"] == "VARCHAR" and types["date"] == "DATE"


def test_pyarrow_reads_parquet_and_csv_with_the_documented_types(exported):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    grants = pq.read_table(exported["parquet"] / "grants.parquet")
    assert grants.schema.field("amount").type == pa.decimal128(18, 2)
    assert grants.schema.field("period_end").type == pa.date32()
    table = pacsv.read_csv(exported["csv"] / "grants.csv")
    assert table.schema.field("decision_date").type == pa.date32() and table.schema.field("amount").type == pa.float64()
    assert pacsv.read_csv(exported["csv"] / "documents.csv").schema.field("schema_version").type == pa.string()


def test_pandas_reads_csv_with_versions_as_text_and_amounts_as_numbers(exported):
    pd = pytest.importorskip("pandas")
    documents = pd.read_csv(exported["csv"] / "documents.csv")
    assert set(documents["schema_version"]) == {"2.0.0"}
    grants = pd.read_csv(exported["csv"] / "grants.csv")
    assert grants["amount"].dtype == "float64" and 385000.0 in set(grants["amount"])


def test_excel_csv_has_a_byte_order_mark_semicolons_and_a_decimal_comma(exported):
    text = (exported["excel"] / "positions.csv").read_bytes().decode("utf-8")
    assert text.startswith("\ufeffdocument_id;position_index;fte;")
    assert ";2,5000;" in text and ";2.5000;" not in text


def test_findings_jsonl_is_read_by_each_tool(database, tmp_path):
    pd = pytest.importorskip("pandas")
    import pyarrow.json as pajson

    _, summary = database
    path = tmp_path / "findings.jsonl"
    path.write_text("".join(f.model_dump_json() + "\n" for f in summary.findings), encoding="utf-8")
    assert len(pd.read_json(path, lines=True)) == len(summary.findings)
    assert pajson.read_json(path).num_rows == len(summary.findings)
    rules = duckdb.connect().execute(f"SELECT DISTINCT rule FROM read_json_auto('{path}')").fetchall()
    assert {r[0] for r in rules} == {f.rule for f in summary.findings}


def test_results_of_schema_1_are_read_with_their_periods(results, tmp_path):
    """Records written before periods became {start, end} load as they were."""
    line = json.loads(results.read_text(encoding="utf-8").splitlines()[0])
    for grant in line["grants"]:
        if grant["period"]:
            grant["period"] = [grant["period"]["start"], grant["period"]["end"]]
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps(line) + "\n", encoding="utf-8")
    record = next(read_results(old))
    assert record.status == "ok" and all(g.period is None or isinstance(g.period[0], dt.date) for g in record.grants)


def test_the_schema_has_an_id_enums_and_decimal_patterns():
    from kimextract.write import schema_json

    schema = json.loads(schema_json())
    assert schema["$id"].endswith("2.0.0")
    assert "module_year_total_differs" in schema["$defs"]["Finding"]["properties"]["rule"]["enum"]
    assert "timeout" in schema["$defs"]["ErrorRecord"]["properties"]["status"]["enum"]
    assert schema["$defs"]["Amount"]["properties"]["value"]["pattern"].startswith("^-?")


# ---------------------------------------------------------------------------------------------------------
# the command


def _cli(*args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "kimextract.cli", "archive", *args], capture_output=True, text=True, timeout=300)


def test_the_command_prints_findings_as_json_lines_and_exits_1_for_errors(results, tmp_path):
    db, findings = tmp_path / "archive.duckdb", tmp_path / "cross.jsonl"
    result = _cli(str(results), "--db", str(db), "--json", "--findings", str(findings))
    assert result.returncode == 1, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert printed == [json.loads(line) for line in findings.read_text(encoding="utf-8").splitlines()]
    assert len(printed) == len(GOLD["findings"]) and "27 documents (27 added" in result.stderr
    again = _cli(str(results), "--db", str(db), "--json", "--fail-on", "never")
    assert again.returncode == 0 and "(0 added, 27 already held)" in again.stderr


def test_the_command_exports_tables_without_a_database_file(results, tmp_path):
    result = _cli(str(results), "--export", str(tmp_path / "tables"), "--format", "csv", "--fail-on", "never")
    assert result.returncode == 0, result.stderr
    assert sorted(p.stem for p in (tmp_path / "tables").iterdir()) == sorted(TABLES)


def test_the_command_refuses_bad_input_in_one_line(results, tmp_path):
    missing = _cli(str(results))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    not_a_database = _cli(str(results), "--db", str(results))
    assert not_a_database.returncode == 2 and "not a kimextract archive" in not_a_database.stderr
    assert "Traceback" not in not_a_database.stderr


def test_pandas_reads_the_batch_results_with_the_version_as_text(results):
    pd = pytest.importorskip("pandas")
    frame = pd.read_json(results, lines=True)
    assert set(frame["schema_version"]) == {"2.0.0"}


def test_grants_carry_the_file_number_recipient_and_programme_of_their_decision(results):
    found = {}
    for record in read_results(results):
        found[str(Path(record.source.path).relative_to(ARCHIVE))] = [
            {"reference": g.reference, "recipient": g.recipient, "programme": g.programme} for g in record.grants]
        for grant in record.grants:
            for name in ("reference", "recipient", "programme"):
                assert getattr(grant, name) is None or name in grant.evidence, (record.source.path, name)
    assert found == GOLD["grants"]
