"""``kimextract batch`` on real broken files (made by scripts/make_broken_files.py), run as a user would:
``python -m kimextract.cli batch …`` in a subprocess, plus a few in-process checks of discovery and resume."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("make_broken_files", ROOT / "scripts" / "make_broken_files.py")
make_broken_files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_broken_files)

TESSERACT = shutil.which("tesseract") is not None
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **extra)
    env.pop("COLUMNS", None)
    return env


def batch(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the CLI's batch command in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "kimextract.cli", "batch", *map(str, args)],
        cwd=ROOT, env=env or cli_env(), capture_output=True, text=True, timeout=timeout,
    )


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout


@pytest.fixture(scope="session")
def broken(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("broken")
    expected = make_broken_files.make_broken_files(folder)
    yield folder, expected
    (folder / "no-permission.txt").chmod(0o644)


@pytest.fixture(scope="session")
def broken_run(broken, tmp_path_factory):
    """One batch over the whole folder: JSON lines, CSV, and one JSON file per input, in one run."""
    folder, expected = broken
    out = tmp_path_factory.mktemp("out")
    result = batch(folder, "--out", out / "records.jsonl", "--max-pages", "500", "--workers", "2", "--timeout", "120")
    csv_result = batch(folder, "--out", out / "records.csv", "--format", "csv", "--out-dir", out / "each",
                       "--max-pages", "500", "--workers", "2")
    return result, csv_result, out


def test_one_record_per_input_with_its_status(broken, broken_run):
    folder, expected = broken
    result, _, out = broken_run
    no_traceback(result)
    assert result.returncode == 3, result.stderr  # some inputs failed
    found = records(out / "records.jsonl")
    assert len(found) == len(expected)  # nothing lost: every input has exactly one record
    names = [Path(r["source"]["path"]).name for r in found]
    assert names == sorted(expected)  # input order: sorted discovery
    want = dict(expected, **{"pages-2000.pdf": "too_large"})
    if not TESSERACT:
        want["image-only.pdf"] = "no_text_layer"
    assert {name: r["status"] for name, r in zip(names, found)} == want
    for record in found:
        if record["status"] != "ok":
            assert record["error"], record
    by_name = dict(zip(names, found))
    good = by_name["good-1.pdf"]
    assert "385000" in [a["value"] for a in good["amounts"]]
    assert all(a["provenance"]["bbox"] is not None for a in good["amounts"])  # boxes for every value
    assert by_name["encrypted.pdf"]["source"]["sha256"]  # error records name the content they failed on
    if TESSERACT:
        image = by_name["image-only.pdf"]
        assert image["source"]["ocr"] is True
        assert image["source"]["pages"] == 1
    assert "documents:" in result.stderr and "slowest:" in result.stderr  # the summary
    assert "[15/15]" in result.stderr or f"[{len(expected)}/{len(expected)}]" in result.stderr  # plain log lines


def test_csv_rows_per_amount_and_one_file_per_input(broken, broken_run):
    folder, expected = broken
    _, result, out = broken_run
    no_traceback(result)
    assert result.returncode == 3
    rows = list(csv.DictReader(io.StringIO((out / "records.csv").read_text(encoding="utf-8"))))
    assert {Path(row["document"]).name for row in rows} == set(expected)
    good = [row for row in rows if Path(row["document"]).name == "good-1.pdf"]
    assert len(good) > 1 and all(row["status"] == "ok" for row in good)  # one row per amount
    first = next(row for row in good if row["value"] == "385000")
    assert first["page"] == "1" and first["module"] == "2"
    zero = [row for row in rows if Path(row["document"]).name == "zero.pdf"]
    assert [row["status"] for row in zero] == ["empty"]
    written = sorted(p.relative_to(out / "each").as_posix() for p in (out / "each").rglob("*.json"))
    assert written == sorted(f"{name}.json" for name in expected)
    assert json.loads((out / "each" / "truncated.pdf.json").read_text())["status"] == "corrupt"


def test_without_tesseract_an_image_only_pdf_has_no_text_layer(broken, tmp_path):
    folder, _ = broken
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    out = tmp_path / "r.jsonl"
    result = batch(folder / "image-only.pdf", folder / "good-1.pdf", "--out", out, "-j", "1", env=cli_env(PATH=str(empty_path)))
    no_traceback(result)
    assert result.returncode == 3
    image, good = records(out)
    assert image["status"] == "no_text_layer" and "tesseract" in image["error"].lower()
    assert good["status"] == "ok"
    result = batch(folder / "image-only.pdf", "--out", out, "-j", "1", "--ocr", "never")
    assert result.returncode == 3
    assert records(out)[0]["status"] == "no_text_layer"


def test_timeout_kills_the_worker_and_the_batch_goes_on(broken, tmp_path):
    folder, _ = broken
    out = tmp_path / "r.jsonl"
    slow = tmp_path / "slow.txt"  # a long paper full of values: many seconds of work, far over the limit
    slow.write_text("\f".join(["Die Zuwendung von 55.000 € je Stelle für 2,5 Stellen vom 01.01.2021 bis 31.12.2021."] * 12000), encoding="utf-8")
    started = time.monotonic()
    result = batch(slow, folder / "good-1.pdf", folder / "good-2.pdf", "--out", out, "-j", "1", "--timeout", "1.5")
    no_traceback(result)
    assert result.returncode == 3
    assert [r["status"] for r in records(out)] == ["timeout", "ok", "ok"]
    assert time.monotonic() - started < 30


def test_exit_codes(broken, tmp_path):
    folder, _ = broken
    mismatch = tmp_path / "mismatch.txt"
    mismatch.write_text("Der Betrag von 385.000 € (in Worten: dreihundertachtzigtausend Euro) wird gezahlt.\n", encoding="utf-8")
    out = tmp_path / "r.jsonl"
    assert batch(folder / "good-1.pdf", folder / "good.txt", "--out", out, "-j", "1").returncode == 0
    assert batch(mismatch, "--out", out, "-j", "1").returncode == 1  # an error-level finding
    assert batch(mismatch, folder / "zero.pdf", "--out", out, "-j", "1").returncode == 3  # a failed input wins
    result = batch(tmp_path / "missing.pdf", str(tmp_path / "nothing-*.pdf"), "--out", out, "-j", "1")
    assert result.returncode == 3
    assert [(r["status"], r["error"]) for r in records(out)] == [
        ("unreadable", "no such file or folder"), ("unreadable", "no file matches this pattern")]
    no_traceback(result)


def test_resume_after_kill_gives_the_same_file(broken, tmp_path):
    folder, _ = broken
    many = tmp_path / "many"
    many.mkdir()
    for number in range(24):
        (many / f"doc-{number:02}.pdf").write_bytes(make_broken_files.good_pdf(20, seed=number))
    (many / "doc-05-copy.pdf").write_bytes((many / "doc-05.pdf").read_bytes())  # same content, another path
    shutil.copy(folder / "truncated.pdf", many / "doc-10-truncated.pdf")
    shutil.copy(folder / "zero.pdf", many / "doc-20-zero.pdf")
    os.symlink("missing.pdf", many / "doc-15-dangling.pdf")
    total = 28

    whole = tmp_path / "whole.jsonl"
    result = batch(many, "--out", whole, "-j", "2")
    assert result.returncode == 3, result.stderr
    assert len(records(whole)) == total

    out = tmp_path / "resumed.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "kimextract.cli", "batch", str(many), "--out", str(out), "-j", "1"],
                               cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 2:
            break
        time.sleep(0.01)
    process.kill()  # SIGKILL: no clean-up at all
    process.wait()
    killed = out.read_bytes().count(b"\n")
    assert 2 <= killed < total, "the batch was not killed mid-run"
    with open(out, "ab") as handle:  # what a kill inside a write would leave
        handle.write(b'{"schema_version":"1.0","status":"ok","sour')

    result = batch(many, "--out", out, "-j", "2", "--resume")
    no_traceback(result)
    assert result.returncode == 3
    assert "from the earlier run" in result.stderr
    assert out.read_bytes() == whole.read_bytes()


def test_resume_csv_cut_mid_document(broken, tmp_path):
    folder, _ = broken
    inputs = [folder / "good-1.pdf", folder / "zero.pdf", folder / "good-2.pdf", folder / "good.txt"]
    whole = tmp_path / "whole.csv"
    assert batch(*inputs, "--out", whole, "--format", "csv", "-j", "1").returncode == 3
    data = whole.read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: data.index(b"good-2.pdf") + 200])  # inside good-2.pdf's rows, mid-line
    result = batch(*inputs, "--out", cut, "--format", "csv", "-j", "1", "--resume")
    no_traceback(result)
    assert cut.read_bytes() == data


# --- in-process: discovery and resume bookkeeping --------------------------------------------------------


def test_discovery_is_sorted_and_survives_symlink_loops(broken, tmp_path):
    from kimextract.discover import discover

    folder, expected = broken
    nested = tmp_path / "tree"
    (nested / "b").mkdir(parents=True)
    (nested / "a.txt").write_text("x")
    (nested / "b" / "c.pdf").write_bytes(b"%PDF-")
    (nested / "b" / "skip.doc").write_text("x")
    (nested / ".hidden.pdf").write_bytes(b"%PDF-")
    (nested / "z.PDF").write_bytes(b"%PDF-")
    os.symlink(nested, nested / "b" / "up")
    found = discover([str(nested), str(folder / "good-1.pdf"), str(nested / "a.txt"), str(tmp_path / "nope.pdf")])
    assert [item.name for item in found] == ["a.txt", "b/c.pdf", "z.PDF", "good-1.pdf", "nope.pdf"]
    assert found[-1].error == ("unreadable", "no such file or folder")
    assert [item.name for item in discover([str(folder)])] == sorted(expected)
    assert [Path(item.path).name for item in discover([str(folder / "good-*.pdf")])] == ["good-1.pdf", "good-2.pdf"]


def test_drop_partial_line(tmp_path):
    from kimextract.write import drop_partial_line

    path = tmp_path / "r.jsonl"
    path.write_bytes(b'{"a":1}\n{"b":2}\n{"c":')
    assert drop_partial_line(path) == 5
    assert path.read_bytes() == b'{"a":1}\n{"b":2}\n'
    assert drop_partial_line(path) == 0
    path.write_bytes(b'{"c":')
    drop_partial_line(path)
    assert path.read_bytes() == b""


def test_a_file_name_that_is_not_utf8_costs_no_record(tmp_path):
    """Archives copied from latin-1 systems hold such names: every output keeps the record, the name shown
    with U+FFFD and its exact bytes in ``path_bytes``."""
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/caf\xe9.txt", "wb") as handle:
        handle.write("Die Zuwendung beträgt 5.000 €.".encode())
    (folder / "ok.txt").write_text("Zuwendung 3.000 €", encoding="utf-8")
    for extra in (["--out", str(tmp_path / "r.jsonl")], ["--format", "csv", "--out", str(tmp_path / "r.csv")],
                  ["--out-dir", str(tmp_path / "dir")]):
        result = batch(folder, *extra)
        no_traceback(result)
        assert result.returncode == 0, result.stderr
    found = {r["source"]["path"].rsplit("/", 1)[-1]: r["source"]["path_bytes"] for r in records(tmp_path / "r.jsonl")}
    assert found["caf\ufffd.txt"].endswith(b"caf\xe9.txt".hex()) and found["ok.txt"] is None
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").count("\n") == 3
    assert len([p for p in (tmp_path / "dir").iterdir() if not p.name.startswith(".")]) == 2  # and the run's lock


def test_a_second_run_onto_the_same_output_is_refused_and_a_stale_lock_taken_over(tmp_path):
    slow = tmp_path / "slow.txt"
    slow.write_text("\f".join(["Die Zuwendung von 55.000 € je Stelle für 2,5 Stellen vom 01.01.2021 bis 31.12.2021."] * 4000),
                    encoding="utf-8")
    out = tmp_path / "r.jsonl"
    first = subprocess.Popen([sys.executable, "-m", "kimextract.cli", "batch", str(slow), "--out", str(out), "-q"],
                             cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        lock = tmp_path / "r.jsonl.lock"
        deadline = time.monotonic() + 60
        while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        second = batch(slow, "--out", out, "-q")
        no_traceback(second)
        assert second.returncode == 2
        assert f"process {first.pid}" in second.stderr and "another kimextract run" in second.stderr
    finally:
        first.kill()
        first.wait()
    (tmp_path / "r.jsonl.lock").write_text("999999\n")  # the lock file of a run that died
    good = tmp_path / "good.txt"
    good.write_text("Zuwendung 3.000 €", encoding="utf-8")
    third = batch(good, "--out", out)
    assert third.returncode == 0, third.stderr


def test_the_summary_says_why_it_exits_and_fail_on_chooses(tmp_path):
    paper = tmp_path / "sum.txt"
    paper.write_text("Für Personalausgaben werden 25.000 € und für Sachausgaben 50.000 € bereitgestellt, insgesamt 80.000 €.\n",
                     encoding="utf-8")
    first = batch(paper, "--out", tmp_path / "a.jsonl", "-q")
    assert first.returncode == 1 and "exit 1: 1 document with error findings" in first.stderr
    never = batch(paper, "--out", tmp_path / "b.jsonl", "-q", "--fail-on", "never")
    assert never.returncode == 0 and "exit 0 (1 documents with error findings" in never.stderr
    wrong = batch(paper, "--out", tmp_path / "c.jsonl", "-q", "--fail-on", "sometimes")
    no_traceback(wrong)
    assert wrong.returncode == 2 and "sometimes" in wrong.stderr and "warning" in wrong.stderr  # the choices


def test_extract_record_never_raises_and_gives_what_batch_writes(broken_run):
    """The public per-input function gives the records the batch wrote, for every kind of broken input."""
    import kimextract

    _, _, out = broken_run
    options = kimextract.Options(max_pages=500)  # as the batch ran
    for written in records(out / "records.jsonl"):
        path = written["source"]["path"]
        record = kimextract.extract_record(path, options)
        assert record.status == written["status"], path
        assert json.loads(record.model_dump_json()) == written, path


def test_extract_record_takes_bytes_and_never_raises_for_them(broken):
    """Bytes with a name give the record their file gives (but for the path); broken bytes an error record."""
    import kimextract

    folder, _ = broken
    for name in ("good-1.pdf", "good.txt", "truncated.pdf", "random.pdf", "encrypted.pdf", "zero.pdf", "picture.txt"):
        from_file = json.loads(kimextract.extract_record(folder / name).model_dump_json())
        from_bytes = json.loads(kimextract.extract_record((folder / name).read_bytes(), name=name).model_dump_json())
        assert from_bytes["source"].pop("path") == name
        from_file["source"].pop("path")
        assert from_bytes == from_file, name
    nameless = kimextract.extract_record(b"%PDF-1.4 truncated")
    assert nameless.status == "corrupt" and nameless.source.path is None and nameless.source.sha256
