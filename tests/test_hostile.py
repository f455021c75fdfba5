"""Hostile input and faults: broken and bomb-like files, odd names, planted symlinks, escape sequences and
formula cells, memory and time limits, outputs that cannot be written; and the library's error types.

The hostile files are made at test time by ``tests/hostile_files.py``."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, WARENDORF
from hostile_files import VICTIM_TEXT, deflate_bomb_pdf, make_hostile_files, paper
from test_batch import batch, cli_env, no_traceback, records

SLOW_TEXT = "\f".join(["Die Zuwendung von 55.000 € je Stelle für 2,5 Stellen vom 01.01.2021 bis 31.12.2021."] * 12000)


def cli(*args: str, limit_file_size: int | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    def limit() -> None:  # a file over the size limit fails to write with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run([sys.executable, "-m", "kimextract.cli", *map(str, args)], cwd=cwd, env=cli_env(),
                          capture_output=True, text=True, timeout=300, preexec_fn=limit if limit_file_size else None)


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``, not through symlinks: a file's bytes, a symlink's target, '<dir>'."""
    found = {}
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(parent) / name
            key = str(path.relative_to(folder))
            found[key] = f"-> {os.readlink(path)}" if path.is_symlink() else "<dir>" if path.is_dir() else path.read_bytes()
    return found


def input_name(record: dict, inputs: Path) -> bytes:
    """The input's name relative to ``inputs``, as bytes, from a record's source."""
    source = record["source"]
    raw = bytes.fromhex(source["path_bytes"]) if source["path_bytes"] else source["path"].encode("utf-8")
    return raw[len(os.fsencode(inputs)) + 1:]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, make_hostile_files(folder)


@pytest.fixture(scope="module")
def hostile_run(hostile):
    folder, expected = hostile
    before = tree(folder / "outside")
    result = batch(folder / "in", "--out", folder / "records.jsonl", "--out-dir", folder / "out", "-j", "2")
    # relative names, so that a name may begin with a formula character
    csv_result = cli("batch", ".", "--out", folder / "records.csv", "--format", "csv", "-j", "2", cwd=folder / "in")
    return result, csv_result, before


def test_one_record_per_hostile_input_with_its_status(hostile, hostile_run):
    folder, expected = hostile
    result, _, _ = hostile_run
    no_traceback(result)
    assert result.returncode == 3, result.stderr  # some inputs got an error record, none stopped the batch
    found = records(folder / "records.jsonl")
    assert {input_name(r, folder / "in"): r["status"] for r in found} == expected
    assert len(found) == len(expected)
    by_name = {input_name(r, folder / "in"): r for r in found}
    assert "compression bomb" in by_name[b"bomb.pdf"]["error"]
    assert "characters" in by_name[b"crowded.pdf"]["error"]
    assert "--follow-symlinks" in by_name[b"sub/inner.txt"]["error"]
    assert "Is a directory" in by_name[b"clash.txt"]["error"]


def test_nothing_is_written_outside_the_output_folder(hostile, hostile_run):
    folder, expected = hostile
    _, _, before = hostile_run
    assert tree(folder / "outside") == before  # the victim file is untouched, nothing new in the linked folder
    assert (folder / "outside" / "victim").read_bytes() == VICTIM_TEXT
    out = tree(folder / "out")
    assert not isinstance(out["victim.txt.json"], str)  # the planted symlink was replaced by the record
    assert json.loads(out["victim.txt.json"])["status"] == "ok"
    assert out["victim.txt.json.tmp"] == out[".kimextract-0000000000000000.tmp"] == "-> ../outside/victim"
    assert out["sub"] == "-> ../outside" and out["clash.txt.json"] == "<dir>"
    assert not [name for name in out if name.startswith(".kimextract-") and name != ".kimextract-0000000000000000.tmp"]
    written = [name for name, data in out.items() if name.endswith(".json") and isinstance(data, bytes)]
    assert len(written) == sum(status != "unwritable" for status in expected.values())


def test_escape_sequences_never_reach_the_terminal_and_formula_cells_are_neutralised(hostile, hostile_run):
    folder, _ = hostile
    result, csv_result, _ = hostile_run
    assert csv_result.returncode == 3, csv_result.stderr
    for run in (result, csv_result):
        assert "\x1b" not in run.stderr and "\x07" not in run.stderr
        assert not [line for line in run.stderr.splitlines() if line.startswith("line.txt")]  # a newline is shown as \n
    rows = list(csv.reader(io.StringIO((folder / "records.csv").read_text(encoding="utf-8"))))
    documents = {row[0] for row in rows[1:]}
    assert {"'=SUM(1+1).txt", "'-leading-dash.txt"} <= documents
    assert not [cell for row in rows[1:] for cell in row if cell[:1] in ("=", "+", "@")]
    raw = cli("batch", "=SUM(1+1).txt", "--format", "csv", "--csv-raw", "-q", cwd=folder / "in")
    assert raw.returncode == 0, raw.stderr
    assert [row[0] for row in csv.reader(io.StringIO(raw.stdout))][1:] == ["=SUM(1+1).txt"]


def test_follow_symlinks_writes_through_a_symlinked_subfolder(tmp_path):
    inputs, out, outside = tmp_path / "in", tmp_path / "out", tmp_path / "outside"
    for folder in (inputs / "sub", out, outside):
        folder.mkdir(parents=True)
    (inputs / "top.txt").write_bytes(paper(1))
    (inputs / "sub" / "inner.txt").write_bytes(paper(2))
    os.symlink(outside, out / "sub")
    refused = batch(inputs, "--out-dir", out, "-q")
    assert refused.returncode == 3 and "--follow-symlinks" in refused.stderr
    assert not list(outside.iterdir()) and (out / "top.txt.json").is_file()
    allowed = batch(inputs, "--out-dir", out, "-q", "--follow-symlinks", "--resume")
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads((outside / "inner.txt.json").read_text(encoding="utf-8"))["status"] == "ok"


def test_a_memory_limit_ends_in_a_too_large_record(tmp_path):
    """A bomb under the stream cap still needs more memory than a small limit: the worker's allocation fails,
    the document gets too_large, the next document is read by a new worker."""
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(deflate_bomb_pdf(250))  # under the 256 MiB stream cap; PDFium needs about 2.4 times that, on top of the worker
    good = tmp_path / "good.txt"
    good.write_bytes(paper(11))
    out = tmp_path / "r.jsonl"
    result = batch(bomb, good, "--out", out, "-j", "1", "--max-memory", "600")
    no_traceback(result)
    assert result.returncode == 3, result.stderr
    bombed, fine = records(out)
    assert bombed["status"] == "too_large" and "600 MiB (--max-memory)" in bombed["error"]
    assert fine["status"] == "ok"
    assert batch(good, "-q", "--max-memory", "-1").returncode == 2


def test_extract_out_on_a_full_disk_or_a_folder_is_one_line_and_leaves_nothing(tmp_path):
    out = tmp_path / "r.json"
    full = cli("extract", WARENDORF / "ocr.txt", "-o", out, limit_file_size=4096)  # EFBIG, as ENOSPC would be
    assert full.returncode == 2 and "internal error" not in full.stderr
    assert full.stderr.strip().splitlines() == [f"kimextract: cannot write {out}: File too large"]
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind
    (tmp_path / "d.json").mkdir()
    folder = cli("extract", WARENDORF / "ocr.txt", "-o", tmp_path / "d.json")
    assert folder.returncode == 2 and "Is a directory" in folder.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["d.json"]


def test_extract_and_check_timeout_exit_3(tmp_path):
    slow = tmp_path / "slow.txt"
    slow.write_text(SLOW_TEXT, encoding="utf-8")
    started = time.monotonic()
    for command in ("extract", "check"):
        result = cli(command, slow, "--timeout", "1")
        assert result.returncode == 3, result.stderr
        assert result.stderr.strip().splitlines() == [f"kimextract: {slow}: took longer than the limit of 1 s"]
    assert time.monotonic() - started < 30
    fine = cli("extract", WARENDORF / "ocr.txt", "--timeout", "60")
    assert fine.returncode == 0 and json.loads(fine.stdout)["status"] == "ok"


# --- in-process: the writer and the library's errors ----------------------------------------------------


def test_write_into_replaces_planted_symlinks_and_refuses_symlinked_folders(tmp_path):
    from kimextract.errors import OutputError
    from kimextract.write import write_into

    victim = tmp_path / "victim"
    victim.write_text("victim")
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victim, out / "a.json")
    os.symlink(victim, out / "a.json.tmp")
    os.symlink(tmp_path, out / "up")
    write_into(out, "a.json", "record")
    assert (out / "a.json").read_text() == "record" and not (out / "a.json").is_symlink()
    assert victim.read_text() == "victim"
    with pytest.raises(OutputError, match="symbolic link"):
        write_into(out, "up/b.json", "record")
    assert not (tmp_path / "b.json").exists()
    write_into(out, "up/b.json", "record", follow_symlinks=True)
    assert (tmp_path / "b.json").read_text() == "record"
    write_into(out, "new/sub/c.json", "record")
    assert (out / "new" / "sub" / "c.json").read_text() == "record"
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "a.json.tmp", "new", "up"]


def test_library_error_types(tmp_path):
    import kimextract
    from kimextract import ExtractionTimeout, InputError, KimextractError, Options, TooLargeError

    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(deflate_bomb_pdf(260))
    with pytest.raises(TooLargeError) as too_large:
        kimextract.extract_file(bomb)
    assert too_large.value.status == "too_large" and isinstance(too_large.value, InputError)
    assert kimextract.extract_record(str(bomb)).status == "too_large"

    slow = tmp_path / "slow.txt"
    slow.write_text(SLOW_TEXT, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ExtractionTimeout) as timeout:
        kimextract.extract_file(slow, Options(timeout=1))
    assert time.monotonic() - started < 20
    assert isinstance(timeout.value, TimeoutError) and isinstance(timeout.value, KimextractError)
    assert timeout.value.status == "timeout" and str(slow) in str(timeout.value)
    with pytest.raises(ExtractionTimeout):
        kimextract.extract_text(SLOW_TEXT, Options(timeout=1))
    assert kimextract.extract_record(str(slow), Options(timeout=1)).status == "timeout"

    record = kimextract.extract_text("Zuwendung 3.000 € vom 01.01.2021 bis 31.12.2021", Options(timeout=60))
    assert record.model_dump() == kimextract.extract_text("Zuwendung 3.000 € vom 01.01.2021 bis 31.12.2021").model_dump()
    with pytest.raises(InputError):  # the worker's errors come back as they are
        kimextract.extract_file(tmp_path / "missing.pdf", Options(timeout=60))
    for bad in (-1, 0, "5", True):
        with pytest.raises(InputError, match="timeout"):
            kimextract.extract_text("x", Options(timeout=bad))
