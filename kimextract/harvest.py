"""Harvest a council's papers from its OParl 1.1 system: one record per file, what the system says beside what
kimextract read.

A harvest runs in three steps, each resumable because :mod:`kimextract.harvest_state` remembers its progress:

1. **walk and fetch**: the bodies' paper lists are walked page by page (only what changed since the last
   complete harvest, less a safety margin); each file whose listed version is new is downloaded (a few at a
   time, in threads) and stored once by its sha256 under ``files/``; a file listed with a checksum already
   held is not downloaded at all;
2. **read**: the batch engine (:func:`kimextract.batch.run_batch`) reads each new content once, into
   ``read/``;
3. **record**: each new, changed, failed or withdrawn file gets a :class:`~kimextract.records.HarvestRecord`
   appended to ``records.jsonl``, with info findings where the main file's own header names another
   reference or date than the system does.

Errors of single files (a 404, a wrong checksum, a .docx, a timeout) become error records; a list page that
keeps failing becomes a ``list_failed`` record, and the next run asks again for everything since the last
complete walk.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import regex
from pydantic import TypeAdapter

from .errors import BatchError
from .oparl import Client, Download, FetchError, Politeness, bodies, file_url, object_kind, paper_files, walk_list, with_query
from .records import (Content, DocumentRecord, ErrorRecord, Evidence, Finding, HarvestRecord, OParlFile, OParlPaper,
                      OParlSource)
from .harvest_state import FileRow, State

log = logging.getLogger(__name__)

RECORDS_FILE = "records.jsonl"
REFERENCE_DIFFERS = "oparl_reference_differs"
DATE_DIFFERS = "oparl_date_differs"
_READ = TypeAdapter(DocumentRecord | ErrorRecord)


@dataclass
class HarvestConfig:
    """How a harvest runs."""

    out_dir: Path
    politeness: Politeness = field(default_factory=Politeness)
    margin_minutes: float = 60.0  # asked for changes since the last complete harvest's start, less this
    full: bool = False  # ask for every paper, not only the changed ones, and try the files that failed again
    workers: Optional[int] = None  # batch workers reading the files
    read_timeout: Optional[float] = 600.0  # seconds per document for the batch
    progress: str = "none"


@dataclass
class HarvestSummary:
    """What a harvest did, for its summary and its exit code."""

    url: str = ""
    out_dir: str = ""
    since: Optional[str] = None
    bodies: int = 0
    papers: int = 0
    papers_withdrawn: int = 0
    files_listed: int = 0
    files_unchanged: int = 0
    files_downloaded: int = 0
    files_reused: int = 0  # a content already held under the same checksum
    files_withdrawn: int = 0
    list_failures: int = 0
    contents_read: int = 0
    records: Counter = field(default_factory=Counter)  # status -> records written in this run
    findings: Counter = field(default_factory=Counter)
    requests: int = 0
    retries: int = 0
    bytes: int = 0
    seconds: float = 0.0
    fetch_seconds: float = 0.0  # walking the lists and downloading
    read_seconds: float = 0.0  # the batch engine
    complete: bool = True

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.records.items() if status != "ok")

    @property
    def exit_code(self) -> int:
        """0 every file read; 3 some file or list page got an error record."""
        return 3 if self.failed else 0


def run_harvest(url: str, config: HarvestConfig, options=None) -> HarvestSummary:
    """Harvest ``url`` (an OParl System or Body) into ``config.out_dir``; see the module's docstring."""
    from .write import OutputLock

    folder = config.out_dir
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    summary = HarvestSummary(url=url, out_dir=str(folder))
    with OutputLock(folder, folder=True):
        state = State(folder)
        try:
            with Client(config.politeness) as client:
                _walk_and_fetch(client, url, config, state, summary)
                summary.requests, summary.retries, summary.bytes = client.counts.requests, client.counts.retries, client.counts.bytes
            summary.fetch_seconds = time.monotonic() - started
            _read_new_contents(folder, state, config, options, summary)
            summary.read_seconds = time.monotonic() - started - summary.fetch_seconds
            _write_records(url, folder, state, summary)
        finally:
            state.close()
    summary.seconds = time.monotonic() - started
    return summary


# ---------------------------------------------------------------------------------------------------------
# 1. walk the lists and fetch the files


class _Walk:
    """The walk's working set: the client, the state, the downloads in flight."""

    def __init__(self, client: Client, url: str, config: HarvestConfig, state: State, summary: HarvestSummary,
                 executor: ThreadPoolExecutor):
        self.client, self.url, self.config, self.state, self.summary = client, url, config, state, summary
        self.executor = executor
        self.inflight: dict[Future, tuple[OParlFile, str, str]] = {}  # future -> (file, paper id, listed key)
        self.limit = int(config.politeness.max_file_mib * 1024 * 1024)
        self.staging = config.out_dir / "files" / ".partial"

    def paper(self, body: str, paper: dict) -> None:
        paper_id = str(paper.get("id") or "")
        if not paper_id:
            return
        self.summary.papers += 1
        deleted = bool(paper.get("deleted"))
        known = self.state.paper(paper_id) if deleted else None
        self.state.put_paper(paper_id, body, json.dumps(paper, ensure_ascii=False), deleted)
        if deleted:
            self.summary.papers_withdrawn += not (known and known[2])  # newly deleted
            self.summary.files_withdrawn += self.state.withdraw_files(paper_id)
            return
        listed: set[str] = set()
        for role, entry in paper_files(paper):
            file = self.resolve(entry, role, paper_id)
            if file is not None:
                listed.add(file.id)
                self.file(file, paper_id, deleted=bool(isinstance(entry, dict) and entry.get("deleted")))
        self.summary.files_withdrawn += self.state.withdraw_files(paper_id, keep=listed)

    def resolve(self, entry: Any, role: str, paper_id: str) -> Optional[OParlFile]:
        """The File object of a paper's entry (fetched when the paper gives its URL only)."""
        if isinstance(entry, str):
            try:
                entry = self.client.get_json(entry)
            except FetchError as exc:
                self.summary.files_listed += 1
                self.state.put_file(entry, paper_id, OParlFile(id=entry, role=role).model_dump_json(), None, None, exc.status, exc.message)
                return None
        if not isinstance(entry, dict) or not entry.get("id"):
            return None
        return _oparl_file(entry, role)

    def file(self, file: OParlFile, paper_id: str, deleted: bool) -> None:
        if deleted:
            return  # not kept in 'listed': withdrawn with the files that vanished
        self.summary.files_listed += 1
        key = _listed_key(file)
        row = self.state.file(file.id, paper_id)
        retry = self.config.full and row is not None and row.status != "content"  # --full tries failed files again
        if row is not None and row.listed_key == key and self._still_held(row) and not retry:
            self.summary.files_unchanged += 1
            if row.withdrawn:
                self.state.restore_file(file.id, paper_id)
            return
        file_json = file.model_dump_json()
        held = self.state.blob_by_checksum(file.sha512Checksum, file.sha1Checksum)
        if held is not None and (self.config.out_dir / held.path).exists():
            self.summary.files_reused += 1
            self.state.put_file(file.id, paper_id, file_json, key, held.sha256, "content")
            return
        url = file_url(file.model_dump())
        if url is None:
            self.state.put_file(file.id, paper_id, file_json, key, None, "bad_response", "the File names neither downloadUrl nor accessUrl")
        elif file.size is not None and file.size > self.limit:
            self.state.put_file(file.id, paper_id, file_json, key, None, "too_large",
                                f"listed with {file.size:,} bytes, over the limit of {self.config.politeness.max_file_mib:g} MiB (--max-file-size)")
        else:
            self._submit(url, file, paper_id, key)

    def _still_held(self, row: FileRow) -> bool:
        """A file seen before in the same version: its content is on disk (or its error stands)."""
        if row.status != "content":
            return True
        blob = self.state.blob(row.sha256)
        return blob is not None and (self.config.out_dir / blob.path).exists()

    def _submit(self, url: str, file: OParlFile, paper_id: str, key: str) -> None:
        while len(self.inflight) >= 2 * self.config.politeness.concurrency:  # the walk waits for the downloads
            self.settle(block=True)
        future = self.executor.submit(self.client.download, url, self.staging)
        self.inflight[future] = (file, paper_id, key)

    def settle(self, block: bool = False) -> None:
        """Take in the finished downloads (waiting for one when ``block``)."""
        if not self.inflight:
            return
        done, _ = wait(list(self.inflight), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            file, paper_id, key = self.inflight.pop(future)
            try:
                self.stored(future.result(), file, paper_id, key)
            except FetchError as exc:
                self.state.put_file(file.id, paper_id, file.model_dump_json(), key, None, exc.status, exc.message)

    def stored(self, download: Download, file: OParlFile, paper_id: str, key: str) -> None:
        """Check a downloaded file and move it into the content store."""
        file_json = file.model_dump_json()
        problem = _checksum_problem(download, file) or _kind_problem(download.path, file)
        if problem:
            download.path.unlink(missing_ok=True)
            self.state.put_file(file.id, paper_id, file_json, key, None, *problem)
            return
        self.summary.files_downloaded += 1
        suffix = ".txt" if _is_text(file) else ".pdf"
        relative = f"files/{download.sha256[:2]}/{download.sha256}{suffix}"
        target = self.config.out_dir / relative
        if target.exists():
            download.path.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(download.path, target)
        self.state.put_blob(download.sha256, download.sha512, download.sha1, download.size, relative)
        self.state.put_file(file.id, paper_id, file_json, key, download.sha256, "content")

    def drain(self) -> None:
        while self.inflight:
            self.settle(block=True)


def _walk_and_fetch(client: Client, url: str, config: HarvestConfig, state: State, summary: HarvestSummary) -> None:
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    last = None if config.full else state.last_complete_start(url)
    if last:
        summary.since = (dt.datetime.fromisoformat(last) - dt.timedelta(minutes=config.margin_minutes)).isoformat()
    run = state.start_run(url, now.isoformat())
    shutil.rmtree(config.out_dir / "files" / ".partial", ignore_errors=True)  # parts of an interrupted run
    with ThreadPoolExecutor(max_workers=config.politeness.concurrency, thread_name_prefix="kimextract-fetch") as executor:
        walk = _Walk(client, url, config, state, summary, executor)
        try:
            for body in _bodies(client, url, state, summary):
                body_id = str(body.get("id") or url)
                state.put_body(body_id, body.get("name") or body.get("shortName"))
                summary.bodies += 1
                if not isinstance(body.get("paper"), str):
                    continue
                _walk_papers(walk, body_id, with_query(body["paper"], modified_since=summary.since))
        finally:
            walk.drain()
            state.commit()
    state.finish_run(run, dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(), summary.complete)


def _bodies(client: Client, url: str, state: State, summary: HarvestSummary):
    """The bodies at ``url``; a URL that is no OParl System or Body stops the harvest with one line; a body
    list page that fails becomes a list_failed record."""
    try:
        yield from bodies(client, url)
    except FetchError as exc:
        if summary.bodies == 0 and exc.status in ("bad_response", "not_found"):
            raise BatchError(f"{exc.message}; is it the OParl endpoint (a System or Body URL)?") from None
        _list_failed(state, summary, url, None, url, exc)


def _walk_papers(walk: _Walk, body: str, url: str) -> None:
    try:
        for page in walk_list(walk.client, url):
            for paper in page.objects:
                if object_kind(paper) in ("Paper", ""):
                    walk.paper(body, paper)
            walk.settle()
            walk.state.commit()
            log.info("%s: %d papers, %d files downloaded so far", page.url, walk.summary.papers, walk.summary.files_downloaded)
    except FetchError as exc:
        _list_failed(walk.state, walk.summary, walk.url, body, exc.url or url, exc)


def _list_failed(state: State, summary: HarvestSummary, url: str, body: Optional[str], list_url: str, exc: FetchError) -> None:
    """A list page that kept failing: a record; the harvest is not complete, so the next one asks again. It is
    kept among the files (id 'list:<url>', paper 'body:<body>') so that it is written with them."""
    summary.complete = False
    summary.list_failures += 1
    state.put_file(f"list:{list_url}", f"body:{body or url}", OParlFile(id=list_url).model_dump_json(), None, None,
                   "list_failed", exc.message)


def _oparl_file(entry: dict, role: str) -> OParlFile:
    fields = {name: entry.get(name) for name in OParlFile.model_fields if name not in ("id", "role")}
    fields = {k: v for k, v in fields.items() if v is not None}
    fields = {k: (str(v) if k != "size" else v) for k, v in fields.items()}
    if not isinstance(fields.get("size"), int):
        fields.pop("size", None)
    return OParlFile(id=str(entry["id"]), role=role, **fields)


def _listed_key(file: OParlFile) -> str:
    """The version a list shows of a file: it changed when any of these did."""
    return "|".join(str(v or "") for v in (file.modified, file.size, file.sha512Checksum, file.sha1Checksum,
                                          file.downloadUrl or file.accessUrl))


def _checksum_problem(download: Download, file: OParlFile) -> Optional[tuple[str, str]]:
    for name, listed, actual in (("sha512", file.sha512Checksum, download.sha512), ("sha1", file.sha1Checksum, download.sha1)):
        if listed and listed.strip().lower() != actual:
            return "checksum_mismatch", f"the {name} of the {download.size:,} bytes received is {actual[:16]}…, the system lists {listed[:16]}…"
    return None


def _is_text(file: OParlFile) -> bool:
    return (file.mimeType or "").split(";")[0].strip().lower() == "text/plain"


def _kind_problem(path: Path, file: OParlFile) -> Optional[tuple[str, str]]:
    """A file kimextract cannot read (a Word file, an HTML error page): why, from its first bytes."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" in head or _is_text(file):
        return None
    looks = ("an office or zip file" if head.startswith(b"PK\x03\x04") else "an HTML page" if b"<html" in head.lower()
             else "an image" if head[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"II*\x00", b"MM\x00*")
             else "empty" if not head else "no PDF")
    return "unsupported", f"not a PDF or text file: listed as {file.mimeType or 'no type'}, the bytes are {looks}"


# ---------------------------------------------------------------------------------------------------------
# 2. read each new content once


def _read_new_contents(folder: Path, state: State, config: HarvestConfig, options, summary: HarvestSummary) -> None:
    from .batch import BatchConfig, run_batch

    blobs = state.unread_blobs()
    if not blobs:
        return
    by_path = {str(folder / blob.path): blob.sha256 for blob in blobs}
    batch = BatchConfig(out_dir=folder / "read", workers=config.workers, timeout=config.read_timeout,
                        progress=config.progress, fail_on="never")

    def done(result) -> None:
        state.mark_read(by_path[result.path])
        summary.contents_read += 1

    try:
        run_batch(list(by_path), options, batch, on_result=done)
    finally:
        state.commit()


# ---------------------------------------------------------------------------------------------------------
# 3. one record per file


def _write_records(url: str, folder: Path, state: State, summary: HarvestSummary) -> None:
    from .write import LineSink

    sink = LineSink(folder / RECORDS_FILE, "jsonl", append=True)
    try:
        for count, row in enumerate(state.unrecorded(), 1):
            record = _record(url, folder, state, row)
            sink.write(record.model_dump_json() + "\n")
            state.mark_recorded(row.id, row.paper)
            summary.records[record.status] += 1
            summary.findings.update(f.rule for f in record.findings)
            if count % 200 == 0:
                state.commit()
    finally:
        sink.close()
        state.commit()


def _record(url: str, folder: Path, state: State, row: FileRow) -> HarvestRecord:
    known = state.paper(row.paper)
    body, paper_obj, deleted = known if known else (row.paper.removeprefix("body:"), None, False)
    paper = _oparl_paper(paper_obj).model_copy(update={"deleted": deleted}) if paper_obj else None
    file = OParlFile.model_validate_json(row.json)
    source = OParlSource(url=url, body=body, body_name=state.body_name(body), paper=paper,
                         file=None if row.status == "list_failed" else file,
                         list_url=file.id if row.status == "list_failed" else None)
    withdrawn = row.withdrawn or deleted
    if row.status != "content":
        return HarvestRecord(status=row.status or "internal", withdrawn=withdrawn, oparl=source, error=row.error)
    blob = state.blob(row.sha256)
    if blob is None:
        return HarvestRecord(status="internal", withdrawn=withdrawn, oparl=source, error="the stored content is missing")
    content = Content(sha256=blob.sha256, size=blob.size, path=blob.path)
    read = _read_of(folder, blob.path)
    if read is None:
        return HarvestRecord(status="unreadable", withdrawn=withdrawn, oparl=source, content=content,
                             error="kimextract has not read this content (run the harvest again)")
    findings = _disagreements(read, paper) if file.role == "mainFile" and paper is not None else []
    return HarvestRecord(status=read.status, withdrawn=withdrawn, oparl=source, content=content, findings=findings,
                         error=read.error if isinstance(read, ErrorRecord) else None, read=read)


def _read_of(folder: Path, relative: str) -> Optional[DocumentRecord | ErrorRecord]:
    path = folder / "read" / (Path(relative).name + ".json")
    try:
        return _READ.validate_json(path.read_bytes())
    except (OSError, ValueError):
        return None


def _oparl_paper(paper: dict) -> OParlPaper:
    fields = {name: paper.get(name) for name in OParlPaper.model_fields if name not in ("id", "deleted")}
    return OParlPaper(id=str(paper.get("id")), deleted=bool(paper.get("deleted")),
                      **{k: str(v) for k, v in fields.items() if v is not None and not isinstance(v, (dict, list))})


# ---------------------------------------------------------------------------------------------------------
# where the paper and the system disagree


def _disagreements(read: DocumentRecord | ErrorRecord, paper: OParlPaper) -> list[Finding]:
    """Info findings where the main file's own header names another reference or date than the system: the
    sign of a wrong attachment, or a typo in one of them. Said only where both sides have a value."""
    if not isinstance(read, DocumentRecord):
        return []
    findings = []
    own = read.document.reference
    if own and paper.reference and not same_reference(own, paper.reference):
        findings.append(Finding(
            rule=REFERENCE_DIFFERS, severity="info",
            message=f"Das Dokument nennt als Nummer „{own}“, das Ratsinformationssystem „{paper.reference}“: "
                    "ist die richtige Datei angehängt?",
            evidence=[Evidence(label="Dokument", value=own, text=own), Evidence(label="OParl", value=paper.reference, text=paper.reference)]))
    listed = _iso_date(paper.date)
    if read.document.date and listed and read.document.date != listed:
        own_date, listed_date = read.document.date.strftime("%d.%m.%Y"), listed.strftime("%d.%m.%Y")
        findings.append(Finding(
            rule=DATE_DIFFERS, severity="info",
            message=f"Das Dokument ist auf den {own_date} datiert, das Ratsinformationssystem nennt den {listed_date}.",
            evidence=[Evidence(label="Dokument", value=read.document.date.isoformat(), text=own_date),
                      Evidence(label="OParl", value=listed.isoformat(), text=paper.date or "")]))
    return findings


_NOT_ALNUM = regex.compile(r"[^\p{L}\p{N}]+")


def same_reference(a: str, b: str) -> bool:
    """Two spellings of one reference: equal but for case, spaces and separators, or one the other's ending
    (a system may leave out the prefix of the kind).

    >>> same_reference("BV 0417/2021", "BV/0417/2021"), same_reference("0417/2021", "BV 0417/2021")
    (True, True)
    >>> same_reference("BV 0417/2021", "BV 0418/2021")
    False
    """
    x, y = _NOT_ALNUM.sub("", a).casefold(), _NOT_ALNUM.sub("", b).casefold()
    shorter, longer = sorted((x, y), key=len)
    return x == y or (len(shorter) >= 4 and longer.endswith(shorter))


def _iso_date(text: Optional[str]) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------
# the summary


def harvest_summary_text(summary: HarvestSummary) -> str:
    mib = summary.bytes / (1024 * 1024)
    lines = [f"kimextract harvest: {summary.url} → {summary.out_dir}/{RECORDS_FILE}, {summary.seconds:.1f} s "
             f"({summary.fetch_seconds:.1f} s walking and fetching, {summary.read_seconds:.1f} s reading)",
             f"  asked for: {'changes since ' + summary.since if summary.since else 'every paper'}; "
             f"{summary.bodies} bod{'ies' if summary.bodies != 1 else 'y'}, {summary.papers} papers listed"
             + (f" ({summary.papers_withdrawn} deleted)" if summary.papers_withdrawn else ""),
             f"  files: {summary.files_listed} listed; {summary.files_unchanged} unchanged, {summary.files_downloaded} downloaded "
             f"({mib:.1f} MiB), {summary.files_reused} held already under the same checksum, {summary.files_withdrawn} withdrawn",
             f"  read: {summary.contents_read} new content{'s' if summary.contents_read != 1 else ''}",
             f"  requests: {summary.requests} ({summary.retries} retries)"]
    statuses = ", ".join(f"{s} {n}" for s, n in sorted(summary.records.items(), key=lambda kv: (kv[0] != "ok", kv[0])))
    lines.append(f"  records written: {sum(summary.records.values())}" + (f" ({statuses})" if statuses else ""))
    if summary.findings:
        lines.append("  system and paper disagree: " + ", ".join(f"{rule} {n}" for rule, n in sorted(summary.findings.items())))
    if not summary.complete:
        lines.append(f"  {summary.list_failures} list page{'s' if summary.list_failures != 1 else ''} kept failing: "
                     "the next harvest asks again for everything since the last complete one")
    lines.append(f"exit 3: {summary.failed} error record{'s' if summary.failed != 1 else ''}" if summary.exit_code else "exit 0")
    return "\n".join(lines)
