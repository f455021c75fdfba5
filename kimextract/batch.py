"""Many documents in parallel worker processes: one record per input, in input order, crash-safe and resumable.

The data flow, each step its own module:

- :func:`kimextract.discover.discover` turns the command line's files, folders and glob patterns into a sorted
  list of inputs;
- :mod:`kimextract.pool` runs the workers: each builds the spaCy pipeline once and turns one input at a time
  into a result (a record or an error record);
- :func:`run_batch` (here) orchestrates: a time limit per document (a worker over it is killed with its
  Tesseract and replaced), the records written in input order as soon as the prefix is complete;
- :mod:`kimextract.write` writes each record with one ``write`` call and an ``fsync`` at least twice a second,
  so a killed batch leaves whole lines only (and ``--resume`` drops a torn last line anyway);
- :mod:`kimextract.report` prints the progress and :func:`~kimextract.report.summary_text`.

With ``engine="dask"`` :mod:`kimextract.cluster` runs the documents on a Dask cluster instead of the pool; the
rest is the same.

This module does not import spaCy: the workers do.
"""

from __future__ import annotations

import heapq
import os
import sys
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from .discover import Input, content_sha256, discover
from .pool import Pool, Result, Worker, death_result, default_max_memory, default_workers, error_result, timeout_result
from .report import make_progress
from .errors import BatchError, OutputError
from .write import DirSink, Done, LineSink, OutputLock, done_in_csv, done_in_dir, done_in_jsonl, input_key

FORMATS = ("jsonl", "csv")
ENGINES = ("local", "dask")
FAIL_ON = ("error", "warning", "never")
DEFAULT_TIMEOUT = 600.0
MAX_TASKS_PER_WORKER = 500  # a worker is replaced after this many documents: memory stays flat
SLOWEST = 5


@dataclass
class BatchConfig:
    """How a batch runs: where the records go, in which format, with how many workers and which limits."""

    out: Optional[Path] = None  # None: standard output (unless out_dir is given)
    out_dir: Optional[Path] = None
    fmt: str = "jsonl"
    workers: Optional[int] = None  # None: the cores this process may use
    resume: bool = False
    timeout: Optional[float] = DEFAULT_TIMEOUT  # seconds per document; None or 0: no limit
    max_tasks_per_worker: int = MAX_TASKS_PER_WORKER  # 0: never replace a worker
    progress: str = "auto"  # auto | rich | plain | none
    fail_on: str = "error"  # error | warning | never: which findings make the exit code 1
    max_memory: Optional[int] = None  # MiB of address space per worker; None: default_max_memory(), 0: no limit
    follow_symlinks: bool = False  # write through symlinked subfolders of out_dir
    csv_raw: bool = False  # CSV cells as they are, without neutralising formula characters
    engine: str = "local"  # local: worker processes here; dask: a Dask cluster (kimextract.cluster)
    cluster: Optional[str] = None  # the Dask scheduler's address; None: a local cluster of `workers` processes

    @property
    def line_kind(self) -> str:
        """The serialization the line output takes: jsonl, csv or csv-raw."""
        return "csv-raw" if self.fmt == "csv" and self.csv_raw else self.fmt

    def check(self) -> None:
        if self.fmt not in FORMATS:
            raise BatchError(f"--format takes {' or '.join(FORMATS)}, not {self.fmt!r}")
        if self.workers is not None and self.workers < 1:
            raise BatchError("--workers must be at least 1")
        if self.timeout is not None and self.timeout < 0:
            raise BatchError("--timeout must be positive (0: no limit)")
        if self.resume and self.out is None and self.out_dir is None:
            raise BatchError("--resume needs --out FILE or --out-dir DIR")
        if self.max_memory is not None and self.max_memory < 0:
            raise BatchError("--max-memory must be positive (0: no limit)")
        if self.fail_on not in FAIL_ON:
            raise BatchError(f"--fail-on takes {', '.join(FAIL_ON)}, not {self.fail_on!r}")
        if self.engine not in ENGINES:
            raise BatchError(f"--engine takes {' or '.join(ENGINES)}, not {self.engine!r}")
        if self.cluster and self.engine != "dask":
            raise BatchError("--cluster runs on Dask: it goes with --engine dask, not --engine local")


@dataclass
class Summary:
    """What a batch did, counted as its results are written: for the summary text and the exit code."""

    inputs: int = 0
    skipped: int = 0  # done by an earlier run (--resume)
    unsupported: int = 0  # files in the folders given that are neither .pdf nor .txt
    statuses: Counter = field(default_factory=Counter)  # this run
    skipped_statuses: Counter = field(default_factory=Counter)
    pages: int = 0
    ocr_documents: int = 0
    findings: Counter = field(default_factory=Counter)  # "rule severity" -> count
    error_finding_documents: int = 0
    warning_finding_documents: int = 0
    skipped_error_finding_documents: int = 0
    fail_on: str = "error"
    slowest: list[tuple[float, str, int, bool]] = field(default_factory=list)  # heap of (seconds, path, pages, ocr)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (path, status, message), the first 20
    seconds: float = 0.0
    workers: int = 0
    worker_starts: int = 0
    peak_worker_kb: int = 0
    out: str = "-"

    def add(self, result: Result) -> None:
        self.statuses[result.status] += 1
        self.pages += result.pages
        self.ocr_documents += result.ocr
        self.findings.update(result.findings)
        self.error_finding_documents += result.error_findings
        self.warning_finding_documents += any(key.endswith(" warning") for key in result.findings)
        self.peak_worker_kb = max(self.peak_worker_kb, result.hwm_kb)
        item = (result.seconds, result.path, result.pages, result.ocr)
        if len(self.slowest) < SLOWEST:
            heapq.heappush(self.slowest, item)
        else:
            heapq.heappushpop(self.slowest, item)
        if result.status != "ok" and len(self.failures) < 20:
            self.failures.append((result.path, result.status, result.error or ""))

    @property
    def failed(self) -> int:
        return sum(n for s, n in (self.statuses + self.skipped_statuses).items() if s != "ok")

    @property
    def exit_code(self) -> int:
        """0 all succeeded; 1 a document has a finding of the level ``fail_on`` names (an error, by default);
        3 an input failed (wins over 1)."""
        if self.failed:
            return 3
        errors = self.error_finding_documents + self.skipped_error_finding_documents
        if self.fail_on == "error" and errors or self.fail_on == "warning" and (errors or self.warning_finding_documents):
            return 1
        return 0

    @property
    def exit_reason(self) -> str:
        """The exit code and why, for the last line of the summary."""
        code = self.exit_code
        if code == 3:
            return f"exit 3: {self.failed} input{'s' if self.failed != 1 else ''} got an error record"
        errors = self.error_finding_documents + self.skipped_error_finding_documents
        if code == 1:
            what = f"{errors} document{'s' if errors != 1 else ''} with error findings"
            if self.fail_on == "warning":
                what += f", {self.warning_finding_documents} with warnings"
            return f"exit 1: {what} (--fail-on never: exit 0 for them)"
        return "exit 0" + (f" ({errors} documents with error findings; --fail-on never)" if errors else "")



def run_batch(patterns: Iterable[str], options=None, config: Optional[BatchConfig] = None,
              on_result: Optional[Callable[[Result], None]] = None) -> Summary:
    """Process every input into one record, written in input order; see the module's docstring."""
    from .process import Options

    options = options or Options()
    config = config or BatchConfig()
    config.check()
    with ExitStack() as locks:  # one run per output: a second one is refused, not interleaved
        if config.out is not None:
            locks.enter_context(OutputLock(config.out))
        if config.out_dir is not None:
            locks.enter_context(OutputLock(config.out_dir, folder=True))
        return _run_locked(patterns, options, config, on_result)


def _run_locked(patterns, options, config: "BatchConfig", on_result) -> "Summary":
    started = time.monotonic()
    unsupported: list[str] = []
    inputs = _find_inputs(patterns, config.out, unsupported)
    done = _done_earlier(config)
    todo = _still_to_do(inputs, done)

    summary = Summary(inputs=len(inputs), skipped=len(inputs) - len(todo), skipped_statuses=done.statuses,
                      skipped_error_finding_documents=done.error_findings,
                      out=str(config.out) if config.out else str(config.out_dir) if config.out_dir else "-",
                      fail_on=config.fail_on, unsupported=len(unsupported))
    outputs = []
    line_sink = None
    if config.out is not None or config.out_dir is None:
        outputs.append(config.line_kind)
        line_sink = LineSink(config.out, config.fmt, append=config.resume)
    dir_sink = None
    if config.out_dir is not None:
        outputs.append("json")
        dir_sink = DirSink(config.out_dir, [item.name for item in inputs], config.follow_symlinks)

    progress = make_progress(config.progress, len(inputs), summary.skipped)
    pool: Optional[Pool] = None
    try:
        def write(result: Result) -> None:
            if dir_sink is not None:
                name = dir_sink.name_for(result.index, inputs[result.index].name, result.sha256)
                try:
                    dir_sink.write(name, result.outputs["json"])
                except OutputError as exc:  # this input's file only: it gets an error record, the batch goes on
                    result = error_result(result.index, result.path, exc.status, str(exc), outputs, result.sha256,
                                          result.seconds)
            if line_sink is not None:
                line_sink.write(result.outputs[config.line_kind])
            summary.add(result)
            progress.done(result)
            if on_result is not None:
                on_result(result)

        size = min(config.workers or default_workers(), len(todo))
        summary.workers = size
        if size and config.engine == "dask":
            summary.workers = _cluster_engine()(inputs, todo, tuple(outputs), options, config, write, size)
        elif size:
            max_memory = default_max_memory(size) if config.max_memory is None else config.max_memory
            pool = Pool(size, options, tuple(outputs), config.max_tasks_per_worker, max_memory or None)
            _orchestrate(pool, inputs, todo, tuple(outputs), config, write)
            summary.worker_starts = pool.starts
    finally:
        if pool is not None:
            pool.close(kill=sys.exc_info()[0] is not None)
        if line_sink is not None:
            line_sink.close()
        progress.close()
    summary.seconds = time.monotonic() - started
    return summary


def _cluster_engine() -> Callable:
    """:func:`kimextract.cluster.run_on_cluster`, or a clear error where Dask is not installed."""
    try:
        from .cluster import run_on_cluster
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in ("dask", "distributed"):
            raise BatchError("--engine dask needs Dask: pip install 'kimextract[dask]'") from None
        raise
    return run_on_cluster


def _find_inputs(patterns: Iterable[str], out: Optional[Path], unsupported: list[str]) -> list[Input]:
    """The inputs, without the output file itself ('batch . --out results.txt'); at least one. Files of
    other kinds in the folders go to ``unsupported``."""
    inputs = discover(patterns, unsupported)
    if out is not None:
        out_path = os.path.realpath(out)
        inputs = [item for item in inputs if item.error or os.path.realpath(item.path) != out_path]
    if not inputs:
        others = f" ({len(unsupported)} files of other kinds skipped)" if unsupported else ""
        raise BatchError(f"no .pdf or .txt file in the inputs{others}")
    return inputs


def _done_earlier(config: BatchConfig) -> Done:
    """With --resume, what the output already holds (its torn end cut off); otherwise nothing."""
    if config.resume:
        if config.out is not None and config.out.exists():
            return done_in_csv(config.out) if config.fmt == "csv" else done_in_jsonl(config.out)
        if config.out is None and config.out_dir is not None and config.out_dir.exists():
            return done_in_dir(config.out_dir, config.follow_symlinks)
    return Done()


def _still_to_do(inputs: list[Input], done: Done) -> Sequence[int]:
    """Indices of the inputs without a record yet: each record in the output accounts for one input with the
    same content (sha256), or the same path when it has no readable content; in input order."""
    if not done.keys:
        return range(len(inputs))  # not a list: 36 MB less for a million inputs
    left = Counter(done.keys)
    todo = []
    for index, item in enumerate(inputs):
        sha = None if item.error else content_sha256(item.path)
        key = input_key(item.path, sha)
        if left[key] > 0:
            left[key] -= 1
        else:
            todo.append(index)
    return todo


def _orchestrate(pool: Pool, inputs: list[Input], todo: Sequence[int], outputs: tuple[str, ...], config: BatchConfig,
                 write: Callable[[Result], None]) -> None:
    """Send jobs to idle workers, collect results, enforce the time limit, write the contiguous prefix."""
    timeout = config.timeout or None
    window = max(32, 8 * len(pool.workers))  # results buffered ahead of the slowest document: bounded memory
    finished: dict[int, Result] = {}
    next_job = next_write = 0

    def settle(worker: Worker, result: Result) -> None:
        finished[worker.job] = result
        worker.job = None

    def skip_known_errors() -> None:
        """Inputs that discovery already found unreadable need no worker."""
        nonlocal next_job
        while next_job < len(todo) and inputs[todo[next_job]].error:
            index = todo[next_job]
            status, message = inputs[index].error
            finished[next_job] = error_result(index, inputs[index].path, status, message, outputs)
            next_job += 1

    while next_write < len(todo):
        skip_known_errors()
        for worker in pool.workers:
            if worker.ready and worker.job is None and next_job < len(todo) and next_job - next_write < window:
                index = todo[next_job]
                try:
                    worker.conn.send((index, inputs[index].path))
                except OSError:
                    continue  # it died: its sentinel tells below
                worker.job, worker.started = next_job, time.monotonic()
                next_job += 1
                skip_known_errors()

        while next_write < len(todo) and next_write in finished:
            write(finished.pop(next_write))
            next_write += 1
        if next_write >= len(todo):
            break

        handles = [w.conn for w in pool.workers] + [w.process.sentinel for w in pool.workers]
        ready = set(wait(handles, _wait_seconds(pool, timeout)))
        _collect(pool, ready, inputs, todo, outputs, settle, more_jobs=next_job < len(todo))
        if timeout:
            _time_out(pool, timeout, inputs, todo, outputs, settle)


def _wait_seconds(pool: Pool, timeout: Optional[float]) -> float:
    """How long to wait for a worker: half a second at most, less when a document's time is up sooner."""
    wait_for = 0.5
    if timeout:
        now = time.monotonic()
        busy = [w.started + timeout - now for w in pool.workers if w.job is not None]
        if busy:
            wait_for = max(0.0, min(wait_for, min(busy)))
    return wait_for


def _collect(pool: Pool, ready: set, inputs: list[Input], todo: Sequence[int], outputs: tuple[str, ...],
             settle: Callable[[Worker, Result], None], more_jobs: bool) -> None:
    """Take the results, start messages and deaths of the workers whose handles are ``ready``."""
    for worker in list(pool.workers):
        if worker.conn in ready:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                message = None
            if isinstance(message, Result):
                settle(worker, message)
                worker.done += 1
                if pool.max_tasks and worker.done >= pool.max_tasks and more_jobs:
                    pool.retire(worker)
                continue
            if isinstance(message, tuple) and message[0] == "ready":
                worker.ready = True
                pool.failed_starts = 0
                continue
            if isinstance(message, tuple) and message[0] == "init_error":
                raise BatchError(f"a worker could not start: {message[1]}{pool.memory_hint()}")
            _died(pool, worker, inputs, todo, outputs, settle)
        elif worker.process.sentinel in ready:
            _died(pool, worker, inputs, todo, outputs, settle)


def _time_out(pool: Pool, timeout: float, inputs: list[Input], todo: Sequence[int], outputs: tuple[str, ...],
              settle: Callable[[Worker, Result], None]) -> None:
    """A document over the time limit gets a timeout record; its worker is killed and replaced."""
    now = time.monotonic()
    for worker in list(pool.workers):
        if worker.job is not None and now - worker.started > timeout:
            index = todo[worker.job]
            settle(worker, timeout_result(pool, worker, index, inputs[index].path, timeout, outputs))
            pool.replace(worker, kill=True)


def _died(pool: Pool, worker: Worker, inputs: list[Input], todo: Sequence[int], outputs: tuple[str, ...],
          settle: Callable[[Worker, Result], None]) -> None:
    """A worker died (a crash in a C library, the kernel's OOM killer): its document gets an error record."""
    worker.process.join(1)
    if not worker.ready:
        pool.failed_starts += 1
        if pool.failed_starts >= 3:
            raise BatchError(f"worker processes die as they start (exit code {worker.process.exitcode}); "
                             f"is kimextract installed correctly?{pool.memory_hint()}")
    if worker.job is not None:
        index = todo[worker.job]
        settle(worker, death_result(pool, worker, index, inputs[index].path, outputs))
    pool.replace(worker, kill=True)

