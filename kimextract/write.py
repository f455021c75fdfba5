"""Writers: one JSON record, JSON lines, CSV rows per amount, and the JSON Schema; the batch's outputs.

The batch writes through a sink: :class:`LineSink` (JSON lines or CSV, one ``os.write`` of whole lines per
record, fsync at least every :data:`SYNC_SECONDS`) or :class:`DirSink` (one JSON file per input, written whole).
``--resume`` reads back what an earlier run wrote (:func:`done_in_jsonl`, :func:`done_in_csv`,
:func:`done_in_dir`), after cutting off a torn last line.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import secrets
import stat
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Union

from .errors import BatchError, OutputError
from .records import SCHEMA_ID, ArchiveFinding, DocumentRecord, ErrorRecord

AnyRecord = Union[DocumentRecord, ErrorRecord]

SYNC_SECONDS = 0.5  # fsync a line output at least this often
CSV_COLUMNS = ["document", "sha256", "status", "page", "start", "end", "value", "currency", "qualifier", "per", "module", "text"]


def record_to_json(record: AnyRecord, indent: int | None = 2) -> str:
    return record.model_dump_json(indent=indent)


def record_to_line(record: AnyRecord) -> str:
    """One JSON line, newline included."""
    return record.model_dump_json() + "\n"


def record_to_csv_rows(record: AnyRecord, safe: bool = True) -> list[list[str]]:
    """One row per amount; an error or a document without amounts gives one row with its status. Text cells
    are :func:`spreadsheet_safe` unless ``safe`` is false (``--csv-raw``)."""
    cell = spreadsheet_safe if safe else str
    base = [cell(record.source.path or ""), record.source.sha256 or "", record.status]
    if isinstance(record, ErrorRecord) or not record.amounts:
        return [base + [""] * (len(CSV_COLUMNS) - 3)]
    rows = []
    for amount in record.amounts:
        p = amount.provenance
        rows.append(base + [str(p.page), str(p.start), str(p.end), format(amount.value, "f"), amount.currency,
                            amount.qualifier or "", amount.per or "", "" if amount.module is None else str(amount.module),
                            cell(" ".join(amount.text.split()))])
    return rows


def spreadsheet_safe(cell: str) -> str:
    """A text cell a spreadsheet would take for a formula ('=', '+', '-', '@' first, or a tab or carriage return)
    gets a leading apostrophe, as OWASP advises for CSV; number cells are left as numbers.

    >>> spreadsheet_safe("=SUM(A1)"), spreadsheet_safe("- 465.500 EUR"), spreadsheet_safe("385.000 €")
    ("'=SUM(A1)", "'- 465.500 EUR", '385.000 €')
    """
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def record_outputs(record: AnyRecord, kinds: Iterable[str]) -> dict[str, str]:
    """The record as text in each of ``kinds``: "jsonl" (one line), "csv" (its rows), "csv-raw" (its rows
    without formula neutralising), "json" (indented)."""
    serialized = {}
    for kind in kinds:
        if kind == "jsonl":
            serialized[kind] = record_to_line(record)
        elif kind in ("csv", "csv-raw"):
            serialized[kind] = csv_text(record_to_csv_rows(record, safe=kind == "csv"))
        elif kind == "json":
            serialized[kind] = record_to_json(record) + "\n"
    return serialized


def schema_json() -> str:
    """JSON Schema of a document record and of an error record; ``ArchiveFinding`` is the shape of a line of
    ``kimextract archive --findings``."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "kimextract record",
        "oneOf": [{"$ref": "#/$defs/DocumentRecord"}, {"$ref": "#/$defs/ErrorRecord"}],
        "$defs": {},
    }
    for model in (DocumentRecord, ErrorRecord, ArchiveFinding):
        part = model.model_json_schema(ref_template="#/$defs/{model}", mode="serialization")
        schema["$defs"].update(part.pop("$defs", {}))
        schema["$defs"][model.__name__] = part
    return json.dumps(schema, indent=2, ensure_ascii=False)


def write_atomically(path: Path, text: str) -> None:
    """Write a whole file or nothing (see :func:`write_into`); :class:`OutputError` when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_into(path.parent, path.name, text, follow_symlinks=True)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_into(folder: Path, name: str, text: str, follow_symlinks: bool = False) -> None:
    """Write ``folder/name`` (``name`` may hold subfolders, made as needed) whole or not at all: into a new
    temporary file of an unpredictable name beside it, created with O_EXCL|O_NOFOLLOW, fsynced, then renamed
    over the target. A symlink planted under the target's or any temporary name is replaced, never followed;
    a subfolder that is a symlink is refused (:class:`OutputError`) unless ``follow_symlinks``. Every step
    works relative to an open folder, so a folder swapped for a symlink meanwhile is not followed either.
    Raises OSError when the file system refuses (full disk, a folder where the file should go …)."""
    *subfolders, base = Path(name).parts
    folder_fd = _open_folder(folder, subfolders, follow_symlinks)
    try:
        fd, tmp = _new_temporary(folder_fd)
        try:
            try:
                _write_all(fd, text.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, base, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        except BaseException:
            os.unlink(tmp, dir_fd=folder_fd)
            raise
    finally:
        os.close(folder_fd)


TEMPORARY_PREFIX = ".kimextract-"


def _new_temporary(folder_fd: int) -> tuple[int, str]:
    """A new file of a random name in the open folder (as tempfile.mkstemp makes one, but relative to a
    folder descriptor), readable as the umask allows."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        name = f"{TEMPORARY_PREFIX}{secrets.token_hex(8)}.tmp"
        try:
            return os.open(name, flags, 0o644, dir_fd=folder_fd), name
        except FileExistsError:
            continue


def _open_folder(root: Path, subfolders: list[str], follow_symlinks: bool) -> int:
    """A descriptor of ``root/sub/…``, each subfolder made if missing; the root, which the user named, may be
    a symlink, a subfolder only with ``follow_symlinks``."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in subfolders:
            if part in ("", ".", ".."):
                raise OutputError(f"refusing the folder name {part!r} in an output path")
            try:
                os.mkdir(part, dir_fd=fd)
            except FileExistsError:
                pass
            if not follow_symlinks and stat.S_ISLNK(os.lstat(part, dir_fd=fd).st_mode):
                raise OutputError(f"the output folder {part} is a symbolic link; kimextract does not write through it "
                                  "unless asked to (--follow-symlinks)")
            nofollow = 0 if follow_symlinks else os.O_NOFOLLOW
            child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | nofollow, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


# ---------------------------------------------------------------------------------------------------------
# the batch's outputs


class OutputLock:
    """An exclusive lock on a batch's output, held while the batch runs: ``<out>.lock`` beside an output file,
    ``.kimextract.lock`` in an output folder. A second run onto the same output is refused at once; the kernel
    frees the lock of a process that died, so a stale lock file is simply taken over."""

    def __init__(self, target: Path, folder: bool = False):
        self.target = target
        self.path = target / ".kimextract.lock" if folder else target.with_name(target.name + ".lock")
        self.fd: Optional[int] = None

    def __enter__(self) -> "OutputLock":
        import fcntl

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise BatchError(f"cannot lock {self.target}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            other = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(self.fd)
            self.fd = None
            raise BatchError(f"{self.target} is being written by another kimextract run (process {other}); "
                             "wait for it to end or choose another output") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode("ascii"), 0)
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock
            self.fd = None


class LineSink:
    """JSON lines or CSV, to a file or to stdout. Each record is one ``os.write`` of whole lines; fsync at
    least every :data:`SYNC_SECONDS` and at the end."""

    def __init__(self, path: Optional[Path], fmt: str, append: bool):
        self.path, self.fmt = path, fmt
        self.fd: Optional[int] = None
        self.last_sync = time.monotonic()
        self.dirty = False
        empty = True  # standard output starts empty
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
                self.fd = os.open(path, flags, 0o644)
                empty = os.fstat(self.fd).st_size == 0
            except OSError as exc:
                raise BatchError(f"cannot write {path}: {exc.strerror or exc}") from None
        if fmt == "csv" and empty:
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


# A full disk or a broken file system stops the batch; any other refusal costs only that input's file.
FATAL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


class DirSink:
    """One JSON file per input under a folder, each written whole by :func:`write_into`."""

    def __init__(self, folder: Path, names: list[str], follow_symlinks: bool = False):
        self.folder, self.follow_symlinks = folder, follow_symlinks
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BatchError(f"cannot write {folder}: {exc.strerror or exc}") from None
        counts = Counter(names)
        self.clashing = {name for name, count in counts.items() if count > 1}
        self.first_of: dict[str, int] = {}
        for index, name in enumerate(names):
            self.first_of.setdefault(name, index)

    def name_for(self, index: int, name: str, sha256: Optional[str]) -> str:
        """The input's relative path + .json; inputs sharing a name after the first get their sha256 prefix."""
        if name in self.clashing and self.first_of[name] != index:
            name = f"{name}.{sha256[:12] if sha256 else f'input{index}'}"
        return name + ".json"

    def write(self, name: str, text: str) -> None:
        """Raises :class:`OutputError` when this file cannot be written (a folder of its name, a symlinked
        subfolder, a name too long), :class:`BatchError` when no file can (a full disk)."""
        try:
            write_into(self.folder, name, text, self.follow_symlinks)
        except OSError as exc:
            error = BatchError if exc.errno in FATAL_ERRNOS else OutputError
            raise error(f"cannot write {self.folder / name}: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------------------------------------
# resume


def input_key(path: str, sha256: Optional[str]) -> str:
    """What identifies a done input in an output: its content, or its path when it has no readable content."""
    return sha256 if sha256 else f"path:{path}"


@dataclass
class Done:
    """What an earlier run already wrote: input keys with their counts, and the statuses for the summary."""

    keys: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    error_findings: int = 0

    def add_record(self, record: dict) -> None:
        """Count one JSON record read back from an output; a malformed one raises (AttributeError) and counts
        nothing."""
        source = record.get("source") or {}
        key = input_key(source.get("path") or "", source.get("sha256"))
        error_findings = any(f.get("severity") == "error" for f in record.get("findings") or [])
        self.keys[key] += 1
        self.statuses[record.get("status", "?")] += 1
        self.error_findings += error_findings


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
    """Records in a JSON lines output, after cutting a torn last line off; lines that are no record are skipped."""
    done = Done()
    drop_partial_line(path)
    with open(path, "rb") as handle:
        for line in handle:
            try:
                done.add_record(json.loads(line))
            except (ValueError, AttributeError):
                continue
    return done


def done_in_csv(path: Path) -> Done:
    """Documents in a CSV output. A document may span rows and may have been cut while written, so the last
    document is dropped (and done again)."""
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


def done_in_dir(folder: Path, follow_symlinks: bool = False) -> Done:
    """Records in a folder of JSON files; temporary files of a write that was cut off are removed. Symlinks
    are neither read nor followed (subfolders only with ``follow_symlinks``)."""
    done = Done()
    for path in sorted(_files_under(folder, follow_symlinks)):
        if (path.name.startswith(TEMPORARY_PREFIX) and path.name.endswith(".tmp")) or path.name.endswith(".json.tmp"):
            path.unlink(missing_ok=True)
        elif path.name.endswith(".json"):
            try:
                done.add_record(json.loads(path.read_bytes()))
            except (OSError, ValueError, AttributeError):
                continue
    return done


def _files_under(folder: Path, follow_symlinks: bool) -> Iterable[Path]:
    """The regular files under ``folder``, not through symlinks (subfolders only with ``follow_symlinks``)."""
    for parent, _, names in os.walk(folder, followlinks=follow_symlinks):
        for name in names:
            path = Path(parent) / name
            if not path.is_symlink():
                yield path

