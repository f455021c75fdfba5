"""Many documents in parallel worker processes: one record per input, in input order, crash-safe and resumable.

The parts, each its own function or class:

- :func:`discover` turns the command line's files, folders and glob patterns into a sorted list of inputs;
- :func:`process_input` runs in a worker: one input to a :class:`Result` (a record or an error record); it
  never raises;
- :func:`run_batch` orchestrates: a pool of worker processes (each builds the spaCy pipeline once), a time
  limit per document (a worker over it is killed with its Tesseract and replaced), the records written in
  input order as soon as the prefix is complete, each with one ``write`` call and an ``fsync`` at least twice
  a second, so a killed batch leaves whole lines only (and ``--resume`` drops a torn last line anyway);
- :class:`PlainProgress`, :class:`RichProgress` and :func:`summary_text` print.

This module does not import spaCy: the workers do.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import heapq
import io
import json
import multiprocessing
import os
import signal
import stat
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterable, Optional

from .errors import KimextractError

SUFFIXES = (".pdf", ".txt")
FORMATS = ("jsonl", "csv")
DEFAULT_TIMEOUT = 600.0
MAX_TASKS_PER_WORKER = 500  # a worker is replaced after this many documents: memory stays flat
SYNC_SECONDS = 0.5  # fsync the output at least this often
SLOWEST = 5
WARM_UP = "Mit Bescheid vom 14.03.2022 erhält der Kreis für Modul 2 Fördermittel von 412.000 € für 0,5 Stellen.\n"


class BatchError(KimextractError):
    """The batch cannot start or go on (bad options, an output that cannot be written, a broken install)."""


# ---------------------------------------------------------------------------------------------------------
# discovery


@dataclass(frozen=True)
class Input:
    """One input: ``path`` as written into ``source.path``; ``name`` its relative path (for ``--out-dir``);
    ``error`` (status, message) when discovery already knows it cannot be read."""

    path: str
    name: str
    error: Optional[tuple[str, str]] = None


def discover(patterns: Iterable[str]) -> list[Input]:
    """Files as given, folders searched recursively for .pdf and .txt (sorted, hidden names skipped, folder
    symlinks followed once), glob patterns expanded (sorted). A path named twice is taken once. A name that
    is neither a file, a folder nor a matching pattern becomes an input with an error, so it gets a record."""
    found: list[Input] = []
    seen: set[str] = set()

    def add(item: Input) -> None:
        if item.path not in seen:
            seen.add(item.path)
            found.append(item)

    for pattern in patterns:
        path = Path(pattern)
        if os.path.isdir(path):
            for item in _walk(path):
                add(item)
        elif os.path.lexists(path):  # a file, a FIFO, a dangling symlink, a symlink loop: the worker tells
            add(Input(str(path), path.name))
        elif any(char in pattern for char in "*?["):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                add(Input(pattern, _safe_name(pattern), ("unreadable", "no file matches this pattern")))
            for match in matches:
                if os.path.isdir(match):
                    for item in _walk(Path(match)):
                        add(item)
                else:
                    add(Input(str(Path(match)), Path(match).name))
        else:
            add(Input(str(path), path.name or "input", ("unreadable", "no such file or folder")))
    return found


def _walk(root: Path) -> list[Input]:
    """The .pdf and .txt files under ``root``, sorted by path; a folder reached twice (symlink loop) is skipped;
    a folder that cannot be listed becomes an input with an error."""
    visited: set[tuple[int, int]] = set()
    files: list[tuple[tuple[str, ...], Input]] = []
    stack: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while stack:
        folder, parts = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in visited:
                continue
            visited.add((info.st_dev, info.st_ino))
            entries = list(os.scandir(folder))
        except OSError as exc:
            files.append((parts, Input(str(folder), "/".join(parts) or folder.name, ("unreadable", f"cannot list folder: {exc.strerror or exc}"))))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append((folder / entry.name, parts + (entry.name,)))
            elif entry.name.lower().endswith(SUFFIXES):
                rel = parts + (entry.name,)
                files.append((rel, Input(str(folder / entry.name), "/".join(rel))))
    files.sort(key=lambda item: item[0])
    return [item for _, item in files]


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text).strip(".") or "input"


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


def content_sha256(path: str) -> Optional[str]:
    """sha256 of a regular file's bytes, or None when it is not a regular readable file."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def input_key(path: str, sha256: Optional[str]) -> str:
    """What identifies a done input in an output: its content, or its path when it has no readable content."""
    return sha256 if sha256 else f"path:{path}"


def _check_file(path: str) -> Optional[str]:
    """Why ``path`` is not a regular file to read (a FIFO would block the reader forever), or None."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "dangling symbolic link" if os.path.islink(path) else "no such file"
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        kind = "named pipe" if stat.S_ISFIFO(info.st_mode) else "socket" if stat.S_ISSOCK(info.st_mode) else "device"
        return f"not a regular file (a {kind})"
    return None


def _media_type(path: str) -> str:
    return "application/pdf" if path.lower().endswith(".pdf") else "text/plain"


def error_result(index: int, path: str, status: str, message: str, outputs: Iterable[str], sha256: Optional[str] = None,
                 seconds: float = 0.0) -> Result:
    """A result holding an :class:`ErrorRecord`."""
    from .records import ErrorRecord, Source

    record = ErrorRecord(status=status, source=Source(path=path, sha256=sha256, media_type=_media_type(path)), error=message)
    return Result(index, path, status, sha256=sha256, seconds=seconds, error=message, outputs=_serialize(record, outputs))


def _serialize(record, outputs: Iterable[str]) -> dict[str, str]:
    from .write import csv_text, record_to_csv_rows, record_to_json, record_to_line

    serialized = {}
    for kind in outputs:
        if kind == "jsonl":
            serialized[kind] = record_to_line(record)
        elif kind == "csv":
            serialized[kind] = csv_text(record_to_csv_rows(record))
        elif kind == "json":
            serialized[kind] = record_to_json(record) + "\n"
    return serialized


def process_input(index: int, path: str, options, outputs: Iterable[str] = ("jsonl",)) -> Result:
    """Extract one input into a :class:`Result`; every failure becomes an error record. Never raises."""
    from .errors import InputError
    from .ocr import TESSERACT_HINT
    from .process import extract_file

    started = time.perf_counter()
    outputs = tuple(outputs)
    try:
        problem = _check_file(path)
        if problem:
            return error_result(index, path, "unreadable", problem, outputs, seconds=time.perf_counter() - started)
        record = extract_file(path, options)
        source = record.source
        if source.media_type == "application/pdf" and source.pages and len(source.pages_without_text) == source.pages and not source.ocr:
            # --ocr never: an image-only PDF gives no text at all, which is no result.
            message = f"no text layer on any page; run with --ocr auto ({TESSERACT_HINT}) to OCR it"
            return error_result(index, path, "no_text_layer", message, outputs, source.sha256, time.perf_counter() - started)
        findings = Counter(f"{f.rule} {f.severity}" for f in record.findings)
        return Result(
            index, path, "ok", sha256=source.sha256, pages=source.pages, seconds=time.perf_counter() - started, ocr=source.ocr,
            findings=dict(findings), error_findings=any(f.severity == "error" for f in record.findings),
            outputs=_serialize(record, outputs),
        )
    except KimextractError as exc:
        status = getattr(exc, "status", "unreadable") or "unreadable"
        message = exc.message if isinstance(exc, InputError) else str(exc)
        return _safe_error(index, path, status, message, outputs, started)
    except RecursionError:
        return _safe_error(index, path, "internal", "internal error: RecursionError (document too deeply nested)", outputs, started)
    except Exception as exc:  # noqa: BLE001 - a bug must cost one record, not the batch
        return _safe_error(index, path, "internal", f"internal error: {type(exc).__name__}: {exc}", outputs, started)


def _safe_error(index, path, status, message, outputs, started) -> Result:
    try:
        return error_result(index, path, status, message, outputs, content_sha256(path), time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001
        return Result(index, path, "internal", error=f"internal error: {type(exc).__name__}: {exc}")


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


def _worker_main(conn, options, outputs) -> None:
    """A worker process: build the pipeline once, then process one input per message until told to stop."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C and stops the workers
        if hasattr(os, "setpgrp"):
            os.setpgrp()  # own process group: a timeout kills the worker together with its Tesseract
        os.dup2(2, 1)  # anything printed goes to stderr, never among the records on stdout
        try:
            from .nlp import build_pipeline
            from .process import extract_text

            build_pipeline()
            extract_text(WARM_UP, options)  # loads the lazily read data files once, not in the first document
            import pypdfium2  # noqa: F401
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
            index, path = job
            cpu = _cpu_seconds()
            result = process_input(index, path, options, outputs)
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
# outputs


class LineSink:
    """JSON lines or CSV, to a file or to stdout. Each record is one ``os.write`` of whole lines; fsync at
    least every :data:`SYNC_SECONDS` and at the end."""

    def __init__(self, path: Optional[Path], fmt: str, append: bool):
        self.path, self.fmt = path, fmt
        self.fd: Optional[int] = None
        self.last_sync = time.monotonic()
        self.dirty = False
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
            self.fd = os.open(path, flags, 0o644)
            empty = os.fstat(self.fd).st_size == 0
        except OSError as exc:
            raise BatchError(f"cannot write {path}: {exc.strerror or exc}") from None
        if fmt == "csv" and empty:
            from .write import CSV_COLUMNS, csv_text

            self.write(csv_text([CSV_COLUMNS]))

    def write(self, text: str) -> None:
        if self.fd is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        data = memoryview(text.encode("utf-8"))
        try:
            while data:
                written = os.write(self.fd, data)
                data = data[written:]
        except OSError as exc:
            raise BatchError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.dirty = True
        if time.monotonic() - self.last_sync >= SYNC_SECONDS:
            self.sync()

    def sync(self) -> None:
        if self.fd is not None and self.dirty:
            os.fsync(self.fd)
            self.dirty = False
        self.last_sync = time.monotonic()

    def close(self) -> None:
        if self.fd is not None:
            try:
                self.sync()
            finally:
                os.close(self.fd)
                self.fd = None


class DirSink:
    """One JSON file per input under a folder, each written whole (temporary file, fsync, rename)."""

    def __init__(self, folder: Path, inputs: list[Input]):
        self.folder = folder
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BatchError(f"cannot write {folder}: {exc.strerror or exc}") from None
        counts = Counter(item.name for item in inputs)
        self.clashing = {name for name, count in counts.items() if count > 1}
        self.first_of: dict[str, int] = {}
        for index, item in enumerate(inputs):
            self.first_of.setdefault(item.name, index)

    def name_for(self, index: int, item: Input, sha256: Optional[str]) -> str:
        """The input's relative path + .json; inputs sharing a name after the first get their sha256 prefix."""
        name = item.name
        if name in self.clashing and self.first_of[name] != index:
            name = f"{name}.{sha256[:12] if sha256 else f'input{index}'}"
        return name + ".json"

    def write(self, name: str, text: str) -> None:
        target = self.folder / name
        tmp = target.with_name(target.name + ".tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(fd, text.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except OSError as exc:
            raise BatchError(f"cannot write {target}: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------------------------------------
# resume


@dataclass
class Done:
    """What an earlier run already wrote: input keys with their counts, and the statuses for the summary."""

    keys: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    error_findings: int = 0


def drop_partial_line(path: Path) -> int:
    """Cut a torn last line (no newline at the end) off ``path``; returns the number of bytes dropped."""
    with open(path, "r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        end = size
        while end > 0:
            start = max(0, end - 65536)
            handle.seek(start)
            chunk = handle.read(end - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = start + newline + 1
                break
            end = start
        else:
            keep = 0
        if keep < size:
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
        return size - keep


def done_in_jsonl(path: Path) -> Done:
    done = Done()
    drop_partial_line(path)
    with open(path, "rb") as handle:
        for line in handle:
            try:
                record = json.loads(line)
                source = record.get("source") or {}
                key = input_key(source.get("path") or "", source.get("sha256"))
            except (ValueError, AttributeError):
                continue
            done.keys[key] += 1
            done.statuses[record.get("status", "?")] += 1
            if any(f.get("severity") == "error" for f in record.get("findings") or []):
                done.error_findings += 1
    return done


def done_in_csv(path: Path) -> Done:
    """Documents in a CSV output. A document may span rows and may have been cut while written, so the last
    document is dropped (and done again)."""
    from .write import CSV_COLUMNS

    drop_partial_line(path)
    groups: list[tuple[tuple[str, str, str], int]] = []  # (document, sha256, status), byte offset of its first row
    offset = 0
    with open(path, "rb") as handle:
        for number, line in enumerate(handle):
            row = next(csv.reader([line.decode("utf-8", errors="replace")]), [])
            if number == 0 and row == CSV_COLUMNS:
                offset += len(line)
                continue
            key = tuple((row + ["", "", ""])[:3])
            if not groups or groups[-1][0] != key:
                groups.append((key, offset))
            offset += len(line)
    if groups:
        with open(path, "r+b") as handle:
            handle.truncate(groups[-1][1])
            os.fsync(handle.fileno())
        groups.pop()
    done = Done()
    for (document, sha256, status), _ in groups:
        done.keys[input_key(document, sha256)] += 1
        done.statuses[status] += 1
    return done


def done_in_dir(folder: Path) -> Done:
    done = Done()
    for path in sorted(folder.rglob("*.json.tmp")):
        path.unlink(missing_ok=True)
    for path in sorted(folder.rglob("*.json")):
        try:
            record = json.loads(path.read_bytes())
            source = record.get("source") or {}
        except (OSError, ValueError, AttributeError):
            continue
        done.keys[input_key(source.get("path") or "", source.get("sha256"))] += 1
        done.statuses[record.get("status", "?")] += 1
        if any(f.get("severity") == "error" for f in record.get("findings") or []):
            done.error_findings += 1
    return done


# ---------------------------------------------------------------------------------------------------------
# orchestration


@dataclass
class BatchConfig:
    out: Optional[Path] = None  # None: standard output (unless out_dir is given)
    out_dir: Optional[Path] = None
    fmt: str = "jsonl"
    workers: Optional[int] = None  # None: the cores this process may use
    resume: bool = False
    timeout: Optional[float] = DEFAULT_TIMEOUT  # seconds per document; None or 0: no limit
    max_tasks_per_worker: int = MAX_TASKS_PER_WORKER  # 0: never replace a worker
    progress: str = "auto"  # auto | rich | plain | none

    def check(self) -> None:
        if self.fmt not in FORMATS:
            raise BatchError(f"--format takes {' or '.join(FORMATS)}, not {self.fmt!r}")
        if self.workers is not None and self.workers < 1:
            raise BatchError("--workers must be at least 1")
        if self.timeout is not None and self.timeout < 0:
            raise BatchError("--timeout must be positive (0: no limit)")
        if self.resume and self.out is None and self.out_dir is None:
            raise BatchError("--resume needs --out FILE or --out-dir DIR")


@dataclass
class Summary:
    inputs: int = 0
    skipped: int = 0  # done by an earlier run (--resume)
    statuses: Counter = field(default_factory=Counter)  # this run
    skipped_statuses: Counter = field(default_factory=Counter)
    pages: int = 0
    ocr_documents: int = 0
    findings: Counter = field(default_factory=Counter)  # "rule severity" -> count
    error_finding_documents: int = 0
    skipped_error_finding_documents: int = 0
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
        """0 all succeeded; 1 a document has an error-level finding; 3 an input failed (wins over 1)."""
        if self.failed:
            return 3
        if self.error_finding_documents or self.skipped_error_finding_documents:
            return 1
        return 0


@dataclass
class _Worker:
    process: multiprocessing.Process
    conn: object
    ready: bool = False
    job: Optional[int] = None  # position in the to-do list
    started: float = 0.0
    done: int = 0


class _Pool:
    """Worker processes with a per-job time limit: a worker over it, or one that dies, is replaced."""

    def __init__(self, size: int, options, outputs: tuple[str, ...], max_tasks: int):
        methods = multiprocessing.get_all_start_methods()
        self.ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        if self.ctx.get_start_method() == "forkserver":
            # spaCy is imported once in the fork server; each worker forked from it only builds the pipeline.
            self.ctx.set_forkserver_preload(["kimextract.nlp", "kimextract.process"])
        self.options, self.outputs, self.max_tasks = options, outputs, max_tasks
        self.workers: list[_Worker] = []
        self.retired: list[multiprocessing.Process] = []
        self.starts = self.failed_starts = 0
        for _ in range(size):
            self.workers.append(self._start())

    def _start(self) -> _Worker:
        parent, child = self.ctx.Pipe(duplex=True)
        process = self.ctx.Process(target=_worker_main, args=(child, self.options, self.outputs), daemon=True,
                                   name="kimextract-worker")
        process.start()
        child.close()
        self.starts += 1
        return _Worker(process, parent)

    def replace(self, worker: _Worker, kill: bool) -> None:
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
        self.workers[self.workers.index(worker)] = self._start()

    def retire(self, worker: _Worker) -> None:
        """Stop a worker that did its share of documents, and start a fresh one."""
        try:
            worker.conn.send(None)
        except OSError:
            pass
        self.replace(worker, kill=False)

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


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def run_batch(patterns: Iterable[str], options=None, config: Optional[BatchConfig] = None,
              on_result: Optional[Callable[[Result], None]] = None) -> Summary:
    """Process every input into one record, written in input order; see the module's docstring."""
    from .process import Options

    options = options or Options()
    config = config or BatchConfig()
    config.check()
    started = time.monotonic()
    inputs = discover(patterns)
    if config.out is not None:  # never read the output as an input ('batch . --out results.txt')
        out_path = os.path.realpath(config.out)
        inputs = [item for item in inputs if item.error or os.path.realpath(item.path) != out_path]
    if not inputs:
        raise BatchError("no .pdf or .txt file in the inputs")

    done = Done()
    if config.resume:
        if config.out is not None and config.out.exists():
            done = done_in_csv(config.out) if config.fmt == "csv" else done_in_jsonl(config.out)
        elif config.out is None and config.out_dir is not None and config.out_dir.exists():
            done = done_in_dir(config.out_dir)
    todo = _still_to_do(inputs, done)

    summary = Summary(inputs=len(inputs), skipped=len(inputs) - len(todo), skipped_statuses=done.statuses,
                      skipped_error_finding_documents=done.error_findings,
                      out=str(config.out) if config.out else str(config.out_dir) if config.out_dir else "-")
    outputs = []
    line_sink = None
    if config.out is not None or config.out_dir is None:
        outputs.append(config.fmt)
        line_sink = LineSink(config.out, config.fmt, append=config.resume)
    dir_sink = None
    if config.out_dir is not None:
        outputs.append("json")
        dir_sink = DirSink(config.out_dir, inputs)

    progress = _progress(config.progress, len(inputs), summary.skipped)
    pool: Optional[_Pool] = None
    try:
        size = min(config.workers or default_workers(), len(todo))
        summary.workers = size

        def write(result: Result) -> None:
            if line_sink is not None:
                line_sink.write(result.outputs[config.fmt])
            if dir_sink is not None:
                item = inputs[result.index]
                dir_sink.write(dir_sink.name_for(result.index, item, result.sha256), result.outputs["json"])
            summary.add(result)
            progress.done(result)
            if on_result is not None:
                on_result(result)

        if size:
            pool = _Pool(size, options, tuple(outputs), config.max_tasks_per_worker)
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


def _still_to_do(inputs: list[Input], done: Done) -> list[int]:
    """Indices of the inputs without a record yet: each record in the output accounts for one input with the
    same content (sha256), or the same path when it has no readable content; in input order."""
    if not done.keys:
        return list(range(len(inputs)))
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


def _orchestrate(pool: _Pool, inputs: list[Input], todo: list[int], outputs: tuple[str, ...], config: BatchConfig,
                 write: Callable[[Result], None]) -> None:
    """Send jobs to idle workers, collect results, enforce the time limit, write the contiguous prefix."""
    timeout = config.timeout or None
    window = max(32, 8 * len(pool.workers))  # results buffered ahead of the slowest document: bounded memory
    finished: dict[int, Result] = {}
    next_job = next_write = 0

    def settle(worker: _Worker, result: Result) -> None:
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

        now = time.monotonic()
        wait_for = 0.5
        if timeout:
            busy = [w.started + timeout - now for w in pool.workers if w.job is not None]
            if busy:
                wait_for = max(0.0, min(wait_for, min(busy)))
        handles = [w.conn for w in pool.workers] + [w.process.sentinel for w in pool.workers]
        ready = set(wait(handles, wait_for))

        for worker in list(pool.workers):
            if worker.conn in ready:
                try:
                    message = worker.conn.recv()
                except (EOFError, OSError):
                    message = None
                if isinstance(message, Result):
                    settle(worker, message)
                    worker.done += 1
                    if pool.max_tasks and worker.done >= pool.max_tasks and next_job < len(todo):
                        pool.retire(worker)
                    continue
                if isinstance(message, tuple) and message[0] == "ready":
                    worker.ready = True
                    pool.failed_starts = 0
                    continue
                if isinstance(message, tuple) and message[0] == "init_error":
                    raise BatchError(f"a worker could not start: {message[1]}")
                _died(pool, worker, inputs, todo, outputs, settle)
            elif worker.process.sentinel in ready:
                _died(pool, worker, inputs, todo, outputs, settle)

        if timeout:
            now = time.monotonic()
            for worker in list(pool.workers):
                if worker.job is not None and now - worker.started > timeout:
                    index = todo[worker.job]
                    path = inputs[index].path
                    settle(worker, error_result(index, path, "timeout", f"took longer than the limit of {timeout:g} s (--timeout)",
                                                outputs, content_sha256(path), now - worker.started))
                    pool.replace(worker, kill=True)


def _died(pool: _Pool, worker: _Worker, inputs, todo, outputs, settle) -> None:
    """A worker died (a crash in a C library, the kernel's OOM killer): its document gets an error record."""
    worker.process.join(1)
    code = worker.process.exitcode
    if not worker.ready:
        pool.failed_starts += 1
        if pool.failed_starts >= 3:
            raise BatchError(f"worker processes die as they start (exit code {code}); is kimextract installed correctly?")
    if worker.job is not None:
        index = todo[worker.job]
        path = inputs[index].path
        how = f"signal {-code} ({signal.Signals(-code).name})" if code is not None and code < 0 and -code in signal.valid_signals() else f"exit code {code}"
        settle(worker, error_result(index, path, "crashed", f"the worker process died ({how}) while reading this document",
                                    outputs, content_sha256(path), time.monotonic() - worker.started))
    pool.replace(worker, kill=True)


# ---------------------------------------------------------------------------------------------------------
# printing


def _progress(kind: str, total: int, skipped: int):
    if kind == "auto":
        kind = "rich" if sys.stderr.isatty() else "plain"
    if kind == "rich":
        return RichProgress(total, skipped)
    if kind == "plain":
        return PlainProgress(total, skipped)
    return NoProgress()


class NoProgress:
    def done(self, result: Result) -> None:
        pass

    def close(self) -> None:
        pass


class PlainProgress:
    """One log line per document on stderr, in output order (for logs and pipes)."""

    def __init__(self, total: int, skipped: int):
        self.total, self.count = total, skipped
        self.width = len(str(total))
        if skipped:
            self._print(f"resume: {skipped} of {total} inputs already have a record, skipped")

    def done(self, result: Result) -> None:
        self.count += 1
        head = f"[{self.count:>{self.width}}/{self.total}] {result.status}"
        if result.status == "ok":
            pages = f"{result.pages} page{'s' if result.pages != 1 else ''}" + (", OCR" if result.ocr else "")
            self._print(f"{head} {result.path} ({pages}, {result.seconds:.2f} s)")
        else:
            self._print(f"{head} {result.path}: {result.error}")

    def _print(self, text: str) -> None:
        sys.stderr.write(f"kimextract: {text}\n")
        sys.stderr.flush()

    def close(self) -> None:
        pass


class RichProgress:
    """A progress bar on the terminal: documents, pages per second, errors, time left."""

    def __init__(self, total: int, skipped: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]kimextract"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[speed]} pages/s"),
            TextColumn("[red]{task.fields[errors]} errors"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=self.console, transient=False,
        )
        self.task = self.progress.add_task("batch", total=total, completed=skipped, speed="0", errors=0)
        self.started, self.pages, self.errors = time.monotonic(), 0, 0
        self.progress.start()

    def done(self, result: Result) -> None:
        self.pages += result.pages
        self.errors += result.status != "ok"
        speed = self.pages / max(time.monotonic() - self.started, 1e-6)
        self.progress.update(self.task, advance=1, speed=f"{speed:.0f}", errors=self.errors)

    def close(self) -> None:
        self.progress.stop()


def summary_text(summary: Summary) -> str:
    """The summary printed at the end: documents by status, pages, findings by rule, the slowest documents."""
    lines = []
    rate = summary.pages / summary.seconds if summary.seconds else 0.0
    lines.append(f"kimextract batch: {summary.inputs} input{'s' if summary.inputs != 1 else ''} → {summary.out}, "
                 f"{summary.seconds:.1f} s with {summary.workers} worker{'s' if summary.workers != 1 else ''}")
    statuses = summary.statuses + summary.skipped_statuses
    by_status = ", ".join(f"{status} {count}" for status, count in sorted(statuses.items(), key=lambda kv: (kv[0] != "ok", kv[0])))
    lines.append(f"  documents: {by_status or 'none'}" + (f" ({summary.skipped} from the earlier run)" if summary.skipped else ""))
    lines.append(f"  pages: {summary.pages} in this run ({rate:.1f} pages/s)" + (f", {summary.ocr_documents} document{'s' if summary.ocr_documents != 1 else ''} OCR'd" if summary.ocr_documents else ""))
    if summary.findings:
        parts = []
        for key, count in sorted(summary.findings.items(), key=lambda kv: (-kv[1], kv[0])):
            rule, severity = key.rsplit(" ", 1)
            parts.append(f"{rule} {count} ({severity})")
        lines.append("  findings: " + ", ".join(parts))
    else:
        lines.append("  findings: none")
    if summary.slowest:
        lines.append("  slowest:")
        for seconds, path, pages, ocr in sorted(summary.slowest, reverse=True):
            lines.append(f"    {seconds:7.2f} s  {path} ({pages} page{'s' if pages != 1 else ''}{', OCR' if ocr else ''})")
    if summary.failures:
        lines.append(f"  failed: {summary.failed}")
        for path, status, message in summary.failures:
            lines.append(f"    {status}: {path}: {message}")
        if summary.failed > len(summary.failures):
            lines.append(f"    … and {summary.failed - len(summary.failures)} more")
    if summary.peak_worker_kb:
        lines.append(f"  worker memory: peak {summary.peak_worker_kb / 1024:.0f} MiB; {summary.worker_starts} worker starts")
    return "\n".join(lines)
