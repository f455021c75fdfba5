"""``kimextract batch --engine dask``: the same records as the local pool on a local Dask cluster of two worker
processes, a worker killed mid-run costs no record, a killed client resumes to the same file, a timeout ends
the Tesseract the worker started."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from hostile_files import make_hostile_files, paper
from test_batch import batch, broken, broken_run, cli_env, make_broken_files, no_traceback, records  # noqa: F401 (fixtures)

pytest.importorskip("distributed")

WORKER_FIELD = re.compile(rb',"worker":"[^"]*"')


def without_worker(data: bytes) -> bytes:
    """A JSON output with each record's worker address taken out: what is left must match the local pool."""
    return WORKER_FIELD.sub(b"", data)


def workers_named(path: Path) -> set[str]:
    return {record["worker"] for record in records(path) if "worker" in record}


def tree_of_files(folder: Path) -> dict[str, bytes]:
    """The records written into an --out-dir (not its lock file, which holds the run's process id)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and p.name != ".kimextract.lock"}


def slow_papers(folder: Path, count: int, pages: int = 12) -> Path:
    """``count`` PDFs of ``pages`` pages each, different from each other: a few tenths of a second of work each."""
    folder.mkdir()
    for number in range(count):
        (folder / f"doc-{number:02}.pdf").write_bytes(make_broken_files.good_pdf(pages, seed=number))
    return folder


def test_the_hostile_folder_gives_the_local_pools_records(tmp_path):
    """Byte for byte, each record and each --out-dir file; only the worker field is the cluster's own."""
    make_hostile_files(tmp_path)
    outputs = {}
    for engine in ("local", "dask"):
        if engine == "dask":  # an output folder with the same traps under the same path (its path is in messages)
            make_hostile_files(tmp_path / "again", bomb_mib=1)
            (tmp_path / "again" / "out").rename(tmp_path / "out")
        result = batch(tmp_path / "in", "--out", tmp_path / f"{engine}.jsonl", "--out-dir", tmp_path / "out", "-j", "2",
                       "--engine", engine, "-q", timeout=300)
        no_traceback(result)
        assert result.returncode == 3, result.stderr
        outputs[engine] = (tmp_path / f"{engine}.jsonl").read_bytes(), tree_of_files(tmp_path / "out")
        (tmp_path / "out").rename(tmp_path / f"out-{engine}")
    (local_lines, local_files), (dask_lines, dask_files) = outputs["local"], outputs["dask"]
    assert b'"worker"' not in local_lines
    assert len(workers_named(tmp_path / "dask.jsonl")) == 2  # both workers did documents, and say so
    assert without_worker(dask_lines) == local_lines
    assert dask_files.keys() == local_files.keys()
    assert {name: re.sub(rb',\n  "worker": "[^"]*"', b"", data) for name, data in dask_files.items()} == local_files


def test_the_broken_folder_gives_the_local_pools_records_in_every_output(broken, broken_run, tmp_path):
    """The local pool's runs of test_batch (JSON lines; CSV with one JSON file per input), again on the cluster."""
    folder, expected = broken
    _, _, local = broken_run
    result = batch(folder, "--out", tmp_path / "records.jsonl", "--max-pages", "500", "--workers", "2", "--timeout", "120",
                   "--engine", "dask", "-q", timeout=300)
    no_traceback(result)
    assert result.returncode == 3, result.stderr
    csv_result = batch(folder, "--out", tmp_path / "records.csv", "--format", "csv", "--out-dir", tmp_path / "each",
                       "--max-pages", "500", "--workers", "2", "--engine", "dask", "-q", timeout=300)
    assert csv_result.returncode == 3, csv_result.stderr
    assert len(records(tmp_path / "records.jsonl")) == len(expected)
    assert without_worker((tmp_path / "records.jsonl").read_bytes()) == (local / "records.jsonl").read_bytes()
    assert (tmp_path / "records.csv").read_bytes() == (local / "records.csv").read_bytes()
    each = {name: re.sub(rb',\n  "worker": "[^"]*"', b"", data) for name, data in tree_of_files(tmp_path / "each").items()}
    assert each == tree_of_files(local / "each")


def test_a_worker_killed_mid_run_costs_no_record(tmp_path):
    """SIGKILL to one of the two Dask workers while it reads a document: its tasks run again on the other (and on
    the worker its nanny starts anew); every input gets its record, the same as the local pool's."""
    from distributed import Client, LocalCluster

    from kimextract.batch import BatchConfig, run_batch
    from kimextract.process import Options

    inputs = slow_papers(tmp_path / "in", 16)
    local = tmp_path / "local.jsonl"
    assert batch(inputs, "--out", local, "-j", "2", "-q").returncode == 0
    from kimextract.cluster import QUIET_SCHEDULER

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, **QUIET_SCHEDULER) as cluster, \
            Client(cluster) as client:
        killed: list[str] = []

        def kill_a_busy_worker(result) -> None:
            if killed or result.index < 2:
                return
            busy = [address for address, tasks in client.processing().items() if tasks]
            pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(busy[0])

        out = tmp_path / "dask.jsonl"
        config = BatchConfig(out=out, engine="dask", cluster=cluster.scheduler_address, progress="none")
        summary = run_batch([str(inputs)], Options(), config, on_result=kill_a_busy_worker)
    assert killed, "no worker was killed"
    assert summary.statuses == {"ok": 16}
    assert without_worker(out.read_bytes()) == local.read_bytes()
    assert killed[0] in workers_named(out)  # it had done documents before it was killed


def test_a_resumed_run_after_the_client_is_killed_gives_the_same_file(tmp_path):
    """SIGKILL to the client, whose local cluster dies with it (its worker processes too); --resume writes the
    rest, and the file is the one an uninterrupted run writes."""
    import psutil

    inputs = slow_papers(tmp_path / "in", 40)  # enough that the first burst of records (a worker that started
    # late finds the others' records waiting behind its first one) is not the whole run
    (inputs / "doc-05-copy.pdf").write_bytes((inputs / "doc-05.pdf").read_bytes())  # same content, another path
    (inputs / "doc-09-zero.pdf").write_bytes(b"")
    whole = tmp_path / "whole.jsonl"
    result = batch(inputs, "--out", whole, "--engine", "dask", "-j", "2", "-q", timeout=300)
    assert result.returncode == 3, result.stderr
    total = len(records(whole))
    assert total == 42

    out = tmp_path / "resumed.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "kimextract.cli", "batch", str(inputs), "--out", str(out), "--engine",
                                "dask", "-j", "2", "-q"], cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 3:
            break
        time.sleep(0.02)
    children = psutil.Process(process.pid).children(recursive=True)
    process.kill()
    process.wait()
    written = out.read_bytes().count(b"\n")
    assert 3 <= written < total, "the client was not killed mid-run"
    with open(out, "ab") as handle:  # what a kill inside a write would leave
        handle.write(b'{"schema_version":"1.0","status":"ok","sour')
    _, alive = psutil.wait_procs(children, timeout=60)
    assert not alive, f"processes of the killed run still run: {[p.cmdline()[:3] for p in alive]}"

    result = batch(inputs, "--out", out, "--engine", "dask", "-j", "2", "--resume", timeout=300)
    no_traceback(result)
    assert result.returncode == 3
    assert "from the earlier run" in result.stderr
    assert without_worker(out.read_bytes()) == without_worker(whole.read_bytes())


FAKE_TESSERACT = """#!/bin/sh
case "$1" in
  --version) echo "tesseract 5.3.0"; exit 0 ;;
  --list-langs) printf 'List of available languages (2):\\ndeu\\neng\\n'; exit 0 ;;
esac
echo $$ >> "{pids}"
exec sleep 600
"""


def test_a_timeout_on_a_worker_ends_the_tesseract_it_started(broken, tmp_path):
    """A Tesseract that never finishes (a stand-in on PATH): the document gets a timeout record, the
    Tesseract is killed with the document's process, the next documents are read."""
    import psutil

    folder, _ = broken
    bin_dir, pids = tmp_path / "bin", tmp_path / "tesseract.pids"
    bin_dir.mkdir()
    fake = bin_dir / "tesseract"
    fake.write_text(FAKE_TESSERACT.format(pids=pids))
    fake.chmod(0o755)
    env = cli_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "r.jsonl"
    started = time.monotonic()
    result = batch(folder / "image-only.pdf", folder / "good-1.pdf", folder / "good.txt", "--out", out, "--engine", "dask",
                   "-j", "1", "--timeout", "3", "-q", env=env, timeout=300)
    no_traceback(result)
    assert result.returncode == 3, result.stderr
    found = records(out)
    assert [r["status"] for r in found] == ["timeout", "ok", "ok"]
    assert found[0]["error"] == "took longer than the limit of 3 s (--timeout)" and found[0]["worker"].startswith("tcp://")
    assert time.monotonic() - started < 120
    started_pids = [int(line) for line in pids.read_text().split()]
    assert started_pids, "the stand-in Tesseract was never started"
    assert not [pid for pid in started_pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]


def test_cluster_options_are_checked(tmp_path):
    good = tmp_path / "good.txt"
    good.write_bytes(paper(1))
    both = batch(good, "--engine", "local", "--cluster", "tcp://127.0.0.1:8786")
    assert both.returncode == 2 and both.stderr.strip() == (
        "kimextract: --cluster runs on Dask: it goes with --engine dask, not --engine local")
    bad = batch(good, "--cluster", "nosuchprotocol://somewhere")
    no_traceback(bad)
    assert bad.returncode == 2 and bad.stderr.startswith("kimextract: cannot reach the Dask scheduler at nosuchprotocol://somewhere")
    assert len(bad.stderr.strip().splitlines()) == 1
