"""Worker processes: each builds the spaCy pipeline once, then turns one input at a time into a :class:`Result`.

- :func:`process_input` runs in a worker: one input to a :class:`Result` (a record or an error record, already
  serialized for each output); it never raises;
- :class:`Pool` starts the workers (from a fork server that has imported spaCy once), replaces one that is
  killed, dies, or did its share of documents, and kills a worker together with its Tesseract;
- :func:`extract_in_worker` runs one library call in such a worker under a time limit (``Options.timeout``).

This module does not import spaCy: the workers do.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Optional

from .discover import check_file, content_sha256
from .errors import ExtractionTimeout, InputError, KimextractError
from .records import DocumentRecord, ErrorRecord, Source, source_path
from .write import record_outputs

if TYPE_CHECKING:
    from .process import Options

WARM_UP = "Mit Bescheid vom 14.03.2022 erhält der Kreis für Modul 2 Fördermittel von 412.000 € für 0,5 Stellen.\n"


# ---------------------------------------------------------------------------------------------------------
# one input, in a worker


@dataclass
class Result:
    """What a worker returns for one input: the serialized outputs and what the summary needs."""

    index: int
    path: str
    status: str
    sha256: Optional[str] = None
    pages: int = 0
    seconds: float = 0.0
    ocr: bool = False
    findings: dict[str, int] = field(default_factory=dict)  # "rule severity" -> count
    error_findings: bool = False
    error: Optional[str] = None
    outputs: dict[str, str] = field(default_factory=dict)  # "jsonl" | "csv" | "json" -> text
    worker: Optional[int] = None  # pid
    worker_done: int = 0  # documents this worker has processed, this one included
    rss_kb: int = 0  # the worker's resident memory after this document
    hwm_kb: int = 0  # its peak resident memory so far
    cpu_seconds: float = 0.0  # CPU time the worker (and its Tesseract) spent on this document


def _media_type(path: str) -> str:
    return "application/pdf" if path.lower().endswith(".pdf") else "text/plain"


def error_result(index: int, path: str, status: str, message: str, outputs: Iterable[str], sha256: Optional[str] = None,
                 seconds: float = 0.0, worker: Optional[str] = None) -> Result:
    """A result holding an :class:`ErrorRecord`; ``worker`` names the cluster worker that made it."""
    record = _error_record(path, status, message, sha256)
    record.worker = worker
    return Result(index, path, status, sha256=sha256, seconds=seconds, error=message, outputs=record_outputs(record, outputs))


def _error_record(path: Optional[str], status: str, message: str, sha256: Optional[str] = None) -> ErrorRecord:
    media_type = _media_type(path or "")
    return ErrorRecord(status=status, source=Source(**source_path(path), sha256=sha256, media_type=media_type), error=message)


def extract_record(source: str | os.PathLike[str] | bytes, options: Optional[Options] = None, *,
                   name: Optional[str] = None) -> DocumentRecord | ErrorRecord:
    """One input's record exactly as ``batch`` writes it: a :class:`DocumentRecord`, or an :class:`ErrorRecord`
    whose ``status`` says why (unreadable, unsupported, empty, encrypted, corrupt, not_a_pdf, too_large,
    no_text_layer, timeout with ``options.timeout``, and internal for a bug). Never raises, so that any engine,
    or a user's own loop, can map it over an archive.

    ``source`` is a path or the document's bytes; ``name`` names bytes in the record, as for
    :func:`~kimextract.process.extract_file` (a stream: read it into bytes first)."""
    from .process import extract_file

    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return _record_or_error(lambda: extract_file(data, options, name=name), name,
                                lambda: hashlib.sha256(data).hexdigest())
    path = os.fspath(source)

    def extract_path():
        problem = check_file(path)  # a FIFO would block the reader forever
        if problem:
            raise InputError(problem, path)
        return extract_file(path, options)

    return _record_or_error(extract_path, path, lambda: content_sha256(path))


def _record_or_error(extract, path: Optional[str], sha256) -> DocumentRecord | ErrorRecord:
    """``extract()``'s record, or the error record of what it raised (``sha256()`` gives the input's digest)."""
    from .ocr import TESSERACT_HINT

    try:
        record = extract()
        source = record.source
        if (source.media_type == "application/pdf" or source.media_type.startswith("image/")) and source.pages \
                and len(source.pages_without_text) == source.pages and not source.ocr:
            # --ocr never: an image-only PDF gives no text at all, which is no result.
            message = f"no text layer on any page; run with --ocr auto ({TESSERACT_HINT}) to OCR it"
            return _error_record(path, "no_text_layer", message, source.sha256)
        return record
    except KimextractError as exc:
        status = getattr(exc, "status", "unreadable") or "unreadable"
        return _safe_error_record(path, status, exc.message if isinstance(exc, (InputError, ExtractionTimeout)) else str(exc), sha256)
    except MemoryError:
        return _safe_error_record(path, "too_large", "needs more memory than this process may use (--max-memory)", sha256)
    except RecursionError:
        return _safe_error_record(path, "internal", "internal error: RecursionError (document too deeply nested)", sha256)
    except Exception as exc:  # noqa: BLE001 - a bug must cost one record, not the batch
        return _safe_error_record(path, "internal", f"internal error: {type(exc).__name__}: {exc}", sha256)


def _safe_error_record(path: Optional[str], status: str, message: str, sha256) -> ErrorRecord:
    try:
        return _error_record(path, status, message, sha256())
    except Exception as exc:  # noqa: BLE001 - the error path itself must not fail
        return _error_record(path, "internal", f"internal error: {type(exc).__name__}: {exc}")


def process_input(index: int, path: str, options, outputs: Iterable[str] = ("jsonl",), worker: Optional[str] = None) -> Result:
    """Extract one input into a :class:`Result` for the batch: the record serialized in ``outputs`` and what
    the summary counts; ``worker`` names the cluster worker in the record. Never raises."""
    started = time.perf_counter()
    record = extract_record(path, options)
    record.worker = worker
    seconds = time.perf_counter() - started
    try:
        serialized = record_outputs(record, tuple(outputs))
    except Exception as exc:  # noqa: BLE001
        return Result(index, path, "internal", error=f"internal error: {type(exc).__name__}: {exc}")
    if isinstance(record, ErrorRecord):
        return Result(index, path, record.status, sha256=record.source.sha256, seconds=seconds, error=record.error,
                      outputs=serialized)
    source = record.source
    return Result(
        index, path, "ok", sha256=source.sha256, pages=source.pages, seconds=seconds, ocr=source.ocr,
        findings=dict(Counter(f"{f.rule} {f.severity}" for f in record.findings)),
        error_findings=any(f.severity == "error" for f in record.findings), outputs=serialized,
    )


# ---------------------------------------------------------------------------------------------------------
# the worker process


def _memory_kb() -> tuple[int, int]:
    """(VmRSS, VmHWM) of this process in KiB, from /proc; (ru_maxrss, ru_maxrss) elsewhere."""
    try:
        rss = hwm = 0
        with open("/proc/self/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
        return rss, hwm
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak, peak


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (Tesseract)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _limit_memory(mib: Optional[int]) -> None:
    """Cap this process's address space (RLIMIT_AS; Tesseract started from here inherits it): an allocation
    over it fails, as MemoryError in Python or as an abort in PDFium, instead of waking the OOM killer."""
    if not mib:
        return
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mib << 20 if hard == resource.RLIM_INFINITY else min(mib << 20, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@dataclass
class Call:
    """A library call run in a worker (see :func:`extract_in_worker`): ``extract_file`` or ``extract_text``."""

    function: str
    argument: object  # a path, bytes, a stream read (extract_file) or a text (extract_text)
    options: object
    name: Optional[str] = None  # extract_file's name for bytes and streams

    def run(self):
        """The call's record, or the exception it raised (as something that can be pickled)."""
        from . import process

        options = dataclasses.replace(self.options, timeout=None)
        try:
            if self.function == "extract_file":
                return process.extract_file(self.argument, options, name=self.name)
            return process.extract_text(self.argument, options)
        except Exception as exc:  # noqa: BLE001 - raised again in the caller's process
            try:
                pickle.dumps(exc)
                return exc
            except Exception:  # noqa: BLE001
                return KimextractError(f"internal error: {type(exc).__name__}: {exc}")


def _worker_main(conn, options, outputs, max_memory: Optional[int] = None, label: Optional[str] = None) -> None:
    """A worker process: build the pipeline once, then process one input per message until told to stop;
    ``label`` (a cluster worker's address) goes into each record."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C and stops the workers
        if hasattr(os, "setpgrp"):
            os.setpgrp()  # own process group: a timeout kills the worker together with its Tesseract
        os.dup2(2, 1)  # anything printed goes to stderr, never among the records on stdout
        _limit_memory(max_memory)
        options = dataclasses.replace(options, timeout=None)  # the limit is kept from outside: no worker in a worker
        try:
            from .nlp import build_pipeline
            from .process import extract_text

            build_pipeline()
            extract_text(WARM_UP, options)  # loads the lazily read data files once, not in the first document
            import pypdfium2  # noqa: F401  (the PDF library loaded now, not in the first PDF's time)
        except Exception as exc:  # noqa: BLE001
            conn.send(("init_error", f"{type(exc).__name__}: {exc}"))
            return
        conn.send(("ready", os.getpid()))
        done = 0
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return  # the main process is gone
            if job is None:
                return
            if isinstance(job, Call):
                conn.send(job.run())
                continue
            index, path = job
            cpu = _cpu_seconds()
            result = process_input(index, path, options, outputs, label)
            result.cpu_seconds = _cpu_seconds() - cpu
            done += 1
            result.worker, result.worker_done = os.getpid(), done
            result.rss_kb, result.hwm_kb = _memory_kb()
            try:
                conn.send(result)
            except (EOFError, OSError):
                return
    except BaseException:  # noqa: BLE001 - a worker never prints a traceback; the main process notices it died
        os._exit(1)


# ---------------------------------------------------------------------------------------------------------
# the pool


@dataclass
class Worker:
    """One worker process, the main process's end of its pipe, and the job (if any) it is on."""

    process: multiprocessing.Process
    conn: object
    ready: bool = False
    job: Optional[int] = None  # position in the to-do list
    started: float = 0.0
    done: int = 0


class Pool:
    """Worker processes with a per-job time limit: a worker over it, or one that dies, is replaced."""

    def __init__(self, size: int, options, outputs: tuple[str, ...], max_tasks: int, max_memory: Optional[int] = None,
                 label: Optional[str] = None):
        methods = multiprocessing.get_all_start_methods()
        self.ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if self.ctx.get_start_method() == "forkserver":
            # spaCy is imported, the pipeline built and the data files read once in the fork server: each worker
            # forked from it starts warm.
            self.ctx.set_forkserver_preload(["kimextract.nlp", "kimextract.process", "kimextract.preload"])
        self.options, self.outputs, self.max_tasks, self.max_memory = options, outputs, max_tasks, max_memory
        self.label = label
        self.workers: list[Worker] = []
        self.retired: list[multiprocessing.Process] = []
        self.starts = self.failed_starts = 0
        for _ in range(size):
            self.workers.append(self._start())

    def _start(self) -> Worker:
        parent, child = self.ctx.Pipe(duplex=True)
        process = self.ctx.Process(target=_worker_main, args=(child, self.options, self.outputs, self.max_memory, self.label),
                                   daemon=True, name="kimextract-worker")
        process.start()
        child.close()
        self.starts += 1
        return Worker(process, parent)

    def replace(self, worker: Worker, kill: bool) -> Worker:
        """A new worker in ``worker``'s place (killed first if ``kill``, else left to finish)."""
        if kill:
            _kill(worker.process)
        try:
            worker.conn.close()
        except OSError:
            pass
        if worker.process.is_alive() and not kill:
            self.retired.append(worker.process)
        else:
            worker.process.join(5)
        fresh = self._start()
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def memory_hint(self) -> str:
        """A hint for an error of a worker that could not start: its memory limit may be too small."""
        return f" (is --max-memory {self.max_memory} MiB too small?)" if self.max_memory else ""

    def retire(self, worker: Worker) -> Worker:
        """Stop a worker that did its share of documents, and start a fresh one."""
        try:
            worker.conn.send(None)
        except OSError:
            pass
        return self.replace(worker, kill=False)

    def close(self, kill: bool = False) -> None:
        for worker in self.workers:
            if kill or worker.job is not None:
                _kill(worker.process)
            else:
                try:
                    worker.conn.send(None)
                except OSError:
                    _kill(worker.process)
        for process in [w.process for w in self.workers] + self.retired:
            process.join(5)
            if process.is_alive():
                _kill(process)
                process.join(1)
        for worker in self.workers:
            try:
                worker.conn.close()
            except OSError:
                pass


def _kill(process: multiprocessing.Process) -> None:
    """Kill a worker and its process group (Tesseract runs in it)."""
    if process.pid is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    try:
        process.kill()
    except (OSError, ValueError):
        pass


def timeout_result(pool: Pool, worker: Worker, index: int, path: str, timeout: float, outputs: Iterable[str]) -> Result:
    """The record of a document that ``worker`` did not finish within ``timeout`` seconds."""
    return error_result(index, path, "timeout", f"took longer than the limit of {timeout:g} s (--timeout)", outputs,
                        content_sha256(path), time.monotonic() - worker.started, pool.label)


def death_result(pool: Pool, worker: Worker, index: int, path: str, outputs: Iterable[str]) -> Result:
    """The record of a document whose worker died on it (a crash in a C library, the kernel's OOM killer)."""
    worker.process.join(1)
    code = worker.process.exitcode
    if pool.max_memory and code == -signal.SIGABRT:
        # Under a memory limit C++ code (PDFium) aborts when an allocation fails: the document was too large.
        status, message = "too_large", f"the worker ran out of memory: over its limit of {pool.max_memory} MiB (--max-memory)"
    else:
        how = f"signal {-code} ({signal.Signals(-code).name})" if code is not None and code < 0 and -code in signal.valid_signals() else f"exit code {code}"
        status, message = "crashed", f"the worker process died ({how}) while reading this document"
    return error_result(index, path, status, message, outputs, content_sha256(path), time.monotonic() - worker.started,
                        pool.label)


class Runner:
    """A pool driven from the caller's threads (a Dask worker's): each call runs a list of documents in an idle
    worker process, each document within the time limit. A worker over it is killed with its Tesseract, one
    that dies is replaced, and the document gets a ``timeout`` or ``crashed`` record, as in a local batch; the
    documents after it go to the new worker."""

    QUEUED = 16  # documents sent ahead to a worker, so that it never waits for this process between two

    def __init__(self, pool: Pool, timeout: Optional[float]):
        self.pool, self.timeout = pool, timeout
        self.idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        self.lock = threading.Lock()  # the pool's list of workers is shared by the threads
        for worker in pool.workers:
            self.idle.put(worker)

    def run(self, jobs: list[tuple[int, str]]) -> list[Result]:
        """The result of each (index, path) of ``jobs``, in their order."""
        worker = self.idle.get()
        results: list[Result] = []
        try:
            while len(results) < len(jobs):
                worker = self._started(worker)
                done, worker = self._run_on(worker, jobs[len(results):])
                results += done
        finally:
            self.idle.put(worker)
        return results

    def _started(self, worker: Worker) -> Worker:
        """``worker`` once it has built its pipeline; one that dies as it starts is replaced, twice at most."""
        for _ in range(3):
            try:
                _await_start(worker)
                return worker
            except (EOFError, OSError):
                worker = self._replace(worker)
        raise KimextractError(f"worker processes die as they start; is kimextract installed correctly?{self.pool.memory_hint()}")

    def _run_on(self, worker: Worker, jobs: list[tuple[int, str]]) -> tuple[list[Result], Worker]:
        """Results for the first of ``jobs``, at least one, and the worker for the rest (a new one after a
        timeout, a death, or when this one has done its share)."""
        pool, results, sent = self.pool, [], 0
        share = min(len(jobs), pool.max_tasks - worker.done) if pool.max_tasks else len(jobs)
        worker.started = time.monotonic()
        while len(results) < share:
            index, path = jobs[len(results)]
            try:
                while sent < share and sent - len(results) < self.QUEUED:
                    worker.conn.send(jobs[sent])
                    sent += 1
                left = None if self.timeout is None else max(0.0, worker.started + self.timeout - time.monotonic())
                message = worker.conn.recv() if worker.conn.poll(left) else "time is up"
            except (EOFError, OSError):
                message = None
            if message == "time is up":
                return results + [timeout_result(pool, worker, index, path, self.timeout, pool.outputs)], self._replace(worker)
            if not isinstance(message, Result):
                return results + [death_result(pool, worker, index, path, pool.outputs)], self._replace(worker)
            results.append(message)
            worker.done += 1
            worker.started = time.monotonic()  # the worker went on to the next document when it sent this one
        if pool.max_tasks and worker.done >= pool.max_tasks:
            with self.lock:
                worker = pool.retire(worker)
        return results, worker

    def _replace(self, worker: Worker) -> Worker:
        with self.lock:
            return self.pool.replace(worker, kill=True)

    def close(self) -> None:
        with self.lock:
            self.pool.close(kill=True)


# ---------------------------------------------------------------------------------------------------------
# one library call under a time limit

START_SECONDS = 300.0  # how long a worker may take to start; its start does not count against the document
_helper: Optional[Pool] = None  # the worker of extract_in_worker, kept for the next call
_helper_lock = threading.Lock()


def extract_in_worker(function: str, argument, options, name: Optional[str] = None):
    """``kimextract.process.<function>(argument, options)`` run in a worker process within ``options.timeout``
    seconds: its record, or the exception it raised. A call over the time has its worker killed together with
    its Tesseract, as in a batch, and raises :class:`ExtractionTimeout`; a worker that dies raises
    :class:`InputError` with status ``crashed``. A worker that finished is kept for the next call."""
    global _helper
    path = name or (argument if function == "extract_file" and isinstance(argument, str) else None)
    with _helper_lock:
        if _helper is None:
            _helper = Pool(1, options, (), max_tasks=0)
        worker = _helper.workers[0]
        try:
            _await_start(worker)
            worker.conn.send(Call(function, argument, options, name))
            finished = worker.conn.poll(options.timeout)
            outcome = worker.conn.recv() if finished else None
        except (EOFError, OSError):
            _drop_helper()
            raise InputError("the worker process died while reading this document", path, status="crashed") from None
        if not finished:
            _drop_helper()
            raise ExtractionTimeout(f"took longer than the limit of {options.timeout:g} s", path)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _drop_helper() -> None:
    """Kill the helper worker (with its Tesseract); the next call starts a new one, not this one's exit."""
    global _helper
    _helper.close(kill=True)
    _helper = None


def _await_start(worker: Worker) -> None:
    """Wait until a new worker has built its pipeline."""
    while not worker.ready:
        if not worker.conn.poll(START_SECONDS):
            raise KimextractError(f"the worker process did not start within {START_SECONDS:g} s")
        message = worker.conn.recv()
        if message[0] == "init_error":
            raise KimextractError(f"the worker process could not start: {message[1]}")
        worker.ready = message[0] == "ready"


def default_max_memory(workers: int) -> int:
    """MiB of address space per worker: half the memory of the machine (or of its container) shared among the
    workers, so that they leave room for everything else; never less than a worker needs for ordinary papers."""
    return max(MIN_DEFAULT_MEMORY, machine_memory_mib() // (2 * max(1, workers)))


MIN_DEFAULT_MEMORY = 1024  # a worker takes about 350 MiB of address space before its first document


def machine_memory_mib() -> int:
    """The physical memory, or the container's limit (cgroup v2) when that is lower, in MiB."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as handle:
            limit = handle.read().strip()
        if limit.isdigit():
            total = min(total, int(limit))
    except OSError:
        pass
    return total >> 20


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
