"""The command line: output, exit codes, one-line errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import WARENDORF

CHECK_FAILS = "Für Personalausgaben werden 25.000 € und für Sachausgaben 50.000 € bereitgestellt, insgesamt 80.000 €.\n"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kimextract.cli", *args], capture_output=True, text=True, input=stdin, timeout=300)


def test_extract_prints_one_json_record():
    result = run("extract", str(WARENDORF / "ocr.txt"))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["schema_version"] and record["document"]["reference"] == "231/2020"
    assert [a["value"] for a in record["amounts"]][:2] == ["50000000", "55000"]


def test_extract_out_file(tmp_path):
    out = tmp_path / "r.json"
    result = run("extract", str(WARENDORF / "ocr.txt"), "--out", str(out))
    assert result.returncode == 0 and result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["source"]["pages"] == 1


@pytest.mark.parametrize(
    "name, content, status",
    [
        ("missing.pdf", None, "no such file"),
        ("empty.txt", b"", "empty file"),
        ("random.pdf", b"\x00\x01garbage" * 50, "not a PDF"),
        ("truncated.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "corrupt PDF"),
        ("scan.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "a PNG image that cannot be decoded"),
        ("scan.gif", b"GIF89a" + bytes(200), "a GIF image, not a PDF or text"),
        ("letter.docx", b"PK\x03\x04" + bytes(200), "an office document (.docx)"),
        ("data.bin", bytes(range(256)) * 8, "binary file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, name, content, status):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run("extract", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and status in result.stderr


def test_check_exit_codes_and_disable(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(CHECK_FAILS, encoding="utf-8")
    result = run("check", str(bad), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)[0]["findings"][0]["rule"] == "amount_sum_mismatch"
    assert run("check", str(bad), "--disable", "amount_sum_mismatch").returncode == 0
    table = run("check", str(bad))
    assert table.returncode == 1 and "amount_sum_mismatch" in table.stdout


def test_check_warning_only_exits_0():
    result = run("check", str(WARENDORF / "ocr.txt"))
    assert result.returncode == 0
    assert "funded_positions_not_filled" in result.stdout


def test_unknown_rule_is_bad_usage(tmp_path):
    result = run("check", str(WARENDORF / "ocr.txt"), "--disable", "no_such_rule")
    assert result.returncode == 2 and "unknown rule" in result.stderr


def test_schema_and_version():
    schema = json.loads(run("schema").stdout)
    assert "DocumentRecord" in schema["$defs"] and "ErrorRecord" in schema["$defs"]
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("kimextract ")


@pytest.mark.parametrize("command", [[], ["extract"], ["check"], ["repair"], ["schema"]])
def test_help_on_every_command(command):
    result = run(*command, "--help")
    assert result.returncode == 0 and "Usage" in result.stdout


def test_public_api_names_import():
    import kimextract

    for name in kimextract.__all__:
        assert getattr(kimextract, name) is not None


def test_check_shows_markup_and_escape_sequences_as_text(tmp_path):
    """A document's or a path's '[/x]' or ESC never becomes rich markup or a terminal command."""
    paper = tmp_path / "[bold]B.txt"
    paper.write_text("Die Teile [/x] \x1b[2J 1.000 € und 2.000 €, insgesamt 4.000 €.\n", encoding="utf-8")
    result = run("check", str(paper))
    assert result.returncode == 1, result.stderr
    assert "[bold]B.txt" in result.stdout and "\x1b[2J" not in result.stdout


def test_python_m_kimextract_and_the_library_lists_its_names():
    result = subprocess.run([sys.executable, "-m", "kimextract", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip()
    import kimextract

    assert {"extract_file", "extract_text", "Options", "DocumentRecord"} <= set(dir(kimextract))
    assert (Path(kimextract.__file__).parent / "py.typed").is_file()


def test_library_errors_are_kimextract_errors():
    import kimextract
    from kimextract import InputError

    for call in (lambda: kimextract.extract_text(b"bytes"), lambda: kimextract.extract_text("x", "options"),
                 lambda: kimextract.extract_file("/no/such/file.pdf")):
        with pytest.raises(InputError):
            call()
    record = kimextract.extract_text("a\udce9 1.000 €")  # a lone surrogate: read as U+FFFD, offsets kept
    assert record.amounts[0].provenance.start == 3 and record.model_dump_json()
