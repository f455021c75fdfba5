"""The command line and the library as users expect them: info, choices in help, completion, logging, the
configuration file, check on folders and results files, skipped and refused files, encodings, bytes and
streams, and a user's mypy."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ROOT, SAMPLES, WARENDORF

import kimextract
from kimextract.cli import app

SUM_ERROR = "Für Personalausgaben werden 25.000 € und für Sachausgaben 50.000 € bereitgestellt, insgesamt 80.000 €.\n"
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-deu"
SCAN_WITH_ERROR = SAMPLES / "corpus" / "02-brms-zb-kim3-borken-2022-planted" / "scan-eng.pdf"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """kimextract as a user runs it: a process of its own."""
    return subprocess.run([sys.executable, "-m", "kimextract", *map(str, args)], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})))


@pytest.fixture
def no_tesseract(tmp_path) -> dict[str, str]:
    """An environment whose PATH holds no Tesseract."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    return {"PATH": str(empty)}


@pytest.fixture
def tesseract_without_german(tmp_path) -> dict[str, str]:
    """A PATH whose Tesseract knows English only."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "tesseract"
    fake.write_text('#!/bin/sh\nif [ "$1" = --version ]; then echo "tesseract 5.0.0"; else '
                    'echo "List of available languages (1):"; echo eng; fi\n')
    fake.chmod(0o755)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin"}


@pytest.fixture
def papers(tmp_path) -> Path:
    """A folder with a paper that has an error finding (cp1252 text), the Warendorf sample, and a picture."""
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "sum.txt").write_bytes(SUM_ERROR.encode("cp1252"))
    shutil.copy(WARENDORF / "ocr.txt", folder / "warendorf.txt")
    (folder / "scan.gif").write_bytes(b"GIF89a" + bytes(100))
    return folder


# ---------------------------------------------------------------------------------------------------------
# info, and what Tesseract changes


def test_info_names_versions_tesseract_and_what_works():
    result = invoke("info")
    assert result.exit_code == 0
    for name in ("kimextract 0.1.0", "Python 3.", "spacy ", "pydantic ", "pypdfium2 ", "re-reading numbers on scans"):
        assert name in result.stdout
    data = json.loads(invoke("info", "--json").stdout)
    assert data["packages"]["spacy"] and data["packages"]["pypdfium2"]
    assert set(data) >= {"kimextract", "python", "tesseract", "ocr", "number_rereading", "problem", "config"}
    if data["ocr"]:
        assert "deu" in data["tesseract"]["languages"] and data["problem"] is None


def test_info_without_tesseract_says_how_to_install_it(no_tesseract):
    result = cli("info", env=no_tesseract)
    assert result.returncode == 0
    assert "Tesseract not installed" in result.stdout and INSTALL in result.stdout
    assert "re-reading numbers on scans: not available" in result.stdout
    data = json.loads(cli("info", "--json", env=no_tesseract).stdout)
    assert data["ocr"] is False and data["tesseract"]["path"] is None and INSTALL in data["problem"]


def test_a_missing_german_model_is_named_with_its_fix(tesseract_without_german):
    data = json.loads(cli("info", "--json", env=tesseract_without_german).stdout)
    assert data["tesseract"]["languages"] == ["eng"] and data["number_rereading"] is False
    assert "German model (deu)" in data["problem"] and INSTALL in data["problem"]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="compares with and without Tesseract")
def test_without_tesseract_check_warns_where_results_change(no_tesseract):
    result = cli("check", SCAN_WITH_ERROR, "--json", env=no_tesseract)
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert any("not re-read" in line and INSTALL in line for line in warnings), result.stderr
    assert cli("check", WARENDORF / "ocr.txt", env=no_tesseract).stderr == ""  # a text file: nothing changes


def test_records_carry_the_engine_and_options_that_made_them():
    record = kimextract.extract_text(SUM_ERROR, kimextract.Options(repair=False, disabled_rules=frozenset({"rate_mismatch"})))
    engine = record.engine
    assert engine is not None and engine.kimextract == kimextract.__version__ and engine.spacy and engine.pypdfium2
    assert engine.options.repair is False and engine.options.disabled_rules == ["rate_mismatch"]
    assert engine.rereading == (shutil.which("tesseract") is not None)


def test_the_schema_documents_engine_and_encoding():
    schema = json.loads(invoke("schema").stdout)
    assert "engine" in schema["$defs"]["DocumentRecord"]["properties"]
    assert "encoding" in schema["$defs"]["Source"]["properties"]
    assert {"kimextract", "spacy", "tesseract", "rereading", "options"} <= set(schema["$defs"]["Engine"]["properties"])


# ---------------------------------------------------------------------------------------------------------
# help, completion, logging


def test_help_shows_the_choices():
    batch_help = invoke("batch", "--help").stdout
    for choices in ("jsonl|csv", "error|warning|never", "auto|always|never"):
        assert choices in batch_help
    assert "<str>" not in batch_help
    assert "error|warning|never" in invoke("check", "--help").stdout
    assert "auto|always|never" in invoke("extract", "--help").stdout
    assert "debug|info|warning" in invoke("--help").stdout


def test_a_wrong_choice_is_refused_with_the_choices():
    result = invoke("batch", "x.pdf", "--format", "xml")
    assert result.exit_code == 2 and "jsonl" in result.output and "csv" in result.output


def test_shell_completion_is_offered():
    assert "--install-completion" in invoke("--help").stdout
    # the shell named, not detected from the parent process (a CI runner or a background job may have none)
    script = cli("--show-completion", "bash", env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert script.returncode == 0 and "complete -o default" in script.stdout and "kimextract" in script.stdout


def test_verbose_names_skipped_files_and_the_encoding_read(papers):
    quiet = invoke("check", str(papers), "--json")
    assert "skipped 1 file neither .pdf, .txt nor an image" in quiet.stderr and "scan.gif" not in quiet.stderr
    verbose = invoke("-v", "check", str(papers), "--json")
    assert "skipped" in verbose.stderr and "scan.gif" in verbose.stderr
    assert "sum.txt: read as cp1252 text" in verbose.stderr
    assert invoke("--log-level", "error", "check", str(papers), "--json").stderr == ""


def test_the_library_logs_but_never_configures_logging():
    root_handlers = list(logging.getLogger().handlers)
    kimextract.extract_file(SUM_ERROR.encode("cp1252"), name="sum.txt")
    assert logging.getLogger().handlers == root_handlers
    library = [path for path in (ROOT / "kimextract").rglob("*.py") if path.name != "cli.py"]
    for path in library:
        text = path.read_text(encoding="utf-8")
        assert "basicConfig" not in text and "setLevel" not in text, path


# ---------------------------------------------------------------------------------------------------------
# the configuration file


def test_config_file_sets_options_and_flags_win(papers, monkeypatch):
    monkeypatch.chdir(papers)
    (papers / "kimextract.toml").write_text('disable = ["amount_sum_mismatch"]\n[check]\nfail-on = "warning"\n')
    result = invoke("check", "sum.txt", "warendorf.txt", "--json")
    rules = [f["rule"] for doc in json.loads(result.stdout) for f in doc["findings"]]
    assert "amount_sum_mismatch" not in rules and "funded_positions_not_filled" in rules
    assert result.exit_code == 1  # fail-on warning from the file
    assert invoke("check", "warendorf.txt", "--fail-on", "never").exit_code == 0  # the flag wins
    info = invoke("info").stdout
    assert f"configuration file: {papers / 'kimextract.toml'}" in info


def test_pyproject_table_and_explicit_config(papers, tmp_path, monkeypatch):
    monkeypatch.chdir(papers)
    (papers / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.kimextract.check]\nfail-on = "never"\n')
    assert invoke("check", "sum.txt").exit_code == 0
    other = tmp_path / "strict.toml"
    other.write_text('[check]\nfail-on = "error"\n')
    assert invoke("--config", str(other), "check", "sum.txt").exit_code == 1


@pytest.mark.parametrize("text, says", [
    ('colour = "blue"\n', "colour: no command has the option --colour"),
    ('[batch]\nformat = "xml"\n', "batch.format: takes 'jsonl', 'csv', not 'xml'"),
    ('[batch]\nworkers = "two"\n', "batch.workers: takes a whole number"),
    ('[check]\nno-repair = "yes"\n', "check.no-repair: takes true or false"),
    ('[bach]\nworkers = 2\n', "[bach]: no such command"),
    ("workers = [\n", "not valid TOML"),
])
def test_a_bad_config_is_one_line_and_exit_2(papers, text, says):
    (papers / "kimextract.toml").write_text(text)
    result = cli("check", "sum.txt", cwd=papers)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and says in result.stderr and "kimextract.toml" in result.stderr


def test_a_missing_config_file_is_exit_2(tmp_path):
    result = invoke("--config", str(tmp_path / "none.toml"), "info")
    assert result.exit_code == 2 and "cannot read the configuration file" in result.stderr


# ---------------------------------------------------------------------------------------------------------
# check: folders, results files, one language


def test_check_a_folder_in_english_with_german_findings(papers):
    result = invoke("check", str(papers))
    assert result.exit_code == 1
    for heading in ("Rule", "Severity", "Module", "Finding", "Evidence"):
        assert heading in result.stdout
    assert "Regel" not in result.stdout and "Befund " not in result.stdout
    assert "Die Teile ergeben" in result.stdout  # the finding's message stays German
    assert "Stelle: 0,5" in result.stdout and "Zuwendung: 112.500" in result.stdout and "0.5 " not in result.stdout


def test_check_an_unreadable_input_among_good_ones(papers):
    (papers / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    result = invoke("check", str(papers), "--json")
    assert result.exit_code == 2
    assert "broken.pdf: corrupt PDF" in result.stderr
    assert len(json.loads(result.stdout)) == 2  # the others are checked


def test_check_renders_a_batch_results_file_without_extracting(papers, tmp_path):
    out = tmp_path / "results.jsonl"
    batch = cli("batch", papers, "--out", out, "-q", "-j", "1")
    assert batch.returncode == 1 and "skipped: 1 file neither .pdf, .txt nor an image" in batch.stderr
    fresh = cli("check", papers, "--json")
    again = cli("check", out, "--json")
    assert again.returncode == fresh.returncode == 1
    assert json.loads(again.stdout) == json.loads(fresh.stdout)
    assert cli("check", out, "--disable", "amount_sum_mismatch").returncode == 0
    table = cli("check", out)
    assert "amount_sum_mismatch" in table.stdout and "Teil: 25.000" in table.stdout


def test_check_results_without_spacy_and_with_bad_lines(papers, tmp_path):
    record = kimextract.extract_record(papers / "sum.txt")
    results = tmp_path / "r.jsonl"
    results.write_text(record.model_dump_json() + "\n" + '{"schema_version": "1.0", "status": "ok", "sour\n')
    result = invoke("check", str(results), "--json")
    assert result.exit_code == 2 and "r.jsonl:2: not JSON" in result.stderr
    assert json.loads(result.stdout)[0]["findings"][0]["rule"] == "amount_sum_mismatch"
    single = tmp_path / "one.json"
    single.write_text(record.model_dump_json(indent=2))
    assert invoke("check", str(single)).exit_code == 1


# ---------------------------------------------------------------------------------------------------------
# what is read: encodings, refused files


@pytest.mark.parametrize("encoding, name", [("cp1252", "cp1252"), ("latin-1", "cp1252"), ("utf-16", "utf-16"), ("utf-8-sig", "utf-8")])
def test_text_in_other_encodings_is_read_and_named(tmp_path, encoding, name):
    text = "Die Ausländerbehörde erhält Fördermittel in Höhe von 412.000 € für 3,5 Stellen (Maßnahme).\n"
    if encoding == "latin-1":
        text = text.replace("€", "Euro")  # latin-1 has no euro sign
    path = tmp_path / "paper.txt"
    path.write_bytes(text.encode(encoding))
    record = kimextract.extract_file(path)
    assert record.source.encoding == name
    assert [str(a.value) for a in record.amounts] == ["412000"] and record.positions[0].authority == "Ausländerbehörde"
    assert record.amounts[0].text in text


def test_broken_images_and_office_files_are_refused_with_a_reason(tmp_path):
    for name, data, says in (("scan.jpg", b"\xff\xd8\xff\xe0" + bytes(50), "a JPEG image that cannot be decoded"),
                             ("scan.tif", b"II*\x00" + bytes(50), "a TIFF image that cannot be decoded")):
        (tmp_path / name).write_bytes(data)
        record = kimextract.extract_record(tmp_path / name)
        assert record.status == "corrupt" and says in record.error and "UTF-8" not in record.error
    for name, data, says in (("scan.gif", b"GIF89a" + bytes(50), "a GIF image"),
                             ("letter.docx", b"PK\x03\x04" + bytes(50), "an office document (.docx)"),
                             ("letter.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(50), "an old office document")):
        (tmp_path / name).write_bytes(data)
        record = kimextract.extract_record(tmp_path / name)
        assert record.status == "unsupported" and says in record.error and "UTF-8" not in record.error


# ---------------------------------------------------------------------------------------------------------
# the library: bytes, streams, types


def test_bytes_and_streams_with_a_name():
    pdf = SCAN_WITH_ERROR.read_bytes()
    from_path = kimextract.extract_file(SCAN_WITH_ERROR, kimextract.Options(verify=False))
    for source in (pdf, bytearray(pdf), io.BytesIO(pdf)):
        record = kimextract.extract_file(source, kimextract.Options(verify=False), name="upload.pdf")
        assert record.source.path == "upload.pdf" and record.source.sha256 == from_path.source.sha256
        assert [a.value for a in record.amounts] == [a.value for a in from_path.amounts]
    with open(WARENDORF / "ocr.txt", encoding="utf-8") as text_stream:
        record = kimextract.extract_file(text_stream)
    assert record.source.path == str(WARENDORF / "ocr.txt") and record.document.reference == "231/2020"
    anonymous = kimextract.extract_file(SUM_ERROR.encode("utf-8"))
    assert anonymous.source.path is None and anonymous.findings[0].rule == "amount_sum_mismatch"


def test_wrong_input_types_raise_input_error():
    for bad in (12, None, object()):
        with pytest.raises(kimextract.InputError):
            kimextract.extract_file(bad)  # type: ignore[arg-type]
    with pytest.raises(kimextract.InputError, match="not a PDF"):
        kimextract.extract_file(b"no pdf", name="x.pdf")
    with pytest.raises(kimextract.InputError, match="Options.ocr"):
        kimextract.extract_text("x", kimextract.Options(ocr="sometimes"))


USER_SCRIPT = '''
from __future__ import annotations

import io
from pathlib import Path

import kimextract
from kimextract import DocumentRecord, ErrorRecord, InputError, KimextractError, Options


def amounts(path: Path) -> list[str]:
    record: DocumentRecord = kimextract.extract_file(path, Options(ocr="never", disabled_rules=frozenset({"rate_mismatch"})))
    return [format(amount.value, "f") for amount in record.amounts]


def pages(data: bytes) -> int:
    return kimextract.extract_file(io.BytesIO(data), name="upload.pdf").source.pages


def status(path: Path) -> str:
    record: DocumentRecord | ErrorRecord = kimextract.extract_record(path)
    return record.status


def first_page(text: str) -> int | None:
    try:
        record = kimextract.extract_text(text)
    except InputError as exc:
        print(exc.status, exc.message)
        return None
    except KimextractError:
        raise
    return record.amounts[0].provenance.page if record.amounts else None


print(kimextract.__version__, amounts, pages, status, first_page)
'''

WRONG_SCRIPT = '''
import kimextract

pages: str = kimextract.extract_text("1.000 €").source.pages
'''


def test_mypy_strict_on_a_users_script(tmp_path):
    """The public API is typed: a user's strict mypy passes, and sees real types (a wrong one is caught)."""
    pytest.importorskip("mypy")
    (tmp_path / "user.py").write_text(USER_SCRIPT)
    (tmp_path / "wrong.py").write_text(WRONG_SCRIPT)
    # follow-imports=silent: kimextract's own code is checked as an installed package's would be, not reported
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental",
                             "user.py", "wrong.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, MYPYPATH=str(ROOT)))
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and errors[0].startswith("wrong.py:4:") and '"int"' in errors[0], result.stdout
