"""The report from start to end: the records, each document's part in worker processes, then the index and
the style sheet and script beside it. The folder is the whole report: it works offline from the file system."""

from __future__ import annotations

import multiprocessing
import shutil
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ..errors import KimextractError, OutputError
from ..records import DocumentRecord
from .document import DocumentJob, DocumentOutcome, write_document
from .inputs import Reviewed, find_source, review_inputs

MARKER = ".kimextract-review"  # names a folder as a report, which a later run may replace
DEFAULT_DPI = 110  # an A4 page 910 pixels wide: digits of 8-point type stay legible
MIN_DPI, MAX_DPI = 30, 600
SEVERITIES = ("error", "warning", "info")


@dataclass
class ReviewConfig:
    out: Path
    workers: Optional[int] = None  # None: the cores this process may use
    dpi: int = DEFAULT_DPI
    timeout: Optional[float] = 600.0  # seconds per document extracted
    progress: str = "auto"  # the extraction's progress display (auto, rich, plain, none)


@dataclass
class ReviewSummary:
    index: Path
    documents: int = 0
    failed: int = 0  # inputs with an error record
    images: int = 0
    unsupported: int = 0  # files in the folders given that are neither .pdf nor .txt
    findings: Counter = field(default_factory=Counter)  # severity -> count
    notes: int = 0  # documents with a note (a file gone or changed, a page that could not be written)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of this process and the workers making the pages (not of extraction workers)


def write_review(inputs: Iterable[str], options=None, config: Optional[ReviewConfig] = None) -> ReviewSummary:
    """Write the report for ``inputs`` (documents, folders, patterns, results files) into ``config.out``
    (default: ``review``). Raises :class:`~kimextract.errors.KimextractError` for bad options and an output
    folder that cannot be written; an input that cannot be read gets its row in the index."""
    from ..pool import default_workers

    started, cpu = time.monotonic(), time.process_time()
    config = config or ReviewConfig(out=Path("review"))
    if not MIN_DPI <= config.dpi <= MAX_DPI:
        raise KimextractError(f"--dpi must lie between {MIN_DPI} and {MAX_DPI}, not {config.dpi}")
    folder = prepare_folder(Path(config.out))
    workers = config.workers or default_workers()
    reviewed, unsupported = review_inputs(list(inputs), options, workers, config.timeout, config.progress)
    outcomes, in_workers = _write_documents(reviewed, folder, config.dpi, workers)
    _write_index(reviewed, outcomes, folder)
    summary = ReviewSummary(folder / "index.html", len(reviewed), unsupported=unsupported)
    for item in reviewed:
        if isinstance(item.record, DocumentRecord):
            summary.findings.update(f.severity for f in item.record.findings)
        else:
            summary.failed += 1
    summary.images = sum(o.images for o in outcomes.values())
    summary.notes = sum(1 for o in outcomes.values() if o.notes)
    summary.seconds = time.monotonic() - started
    summary.cpu_seconds = time.process_time() - cpu + (sum(o.cpu_seconds for o in outcomes.values()) if in_workers else 0)
    return summary


def prepare_folder(folder: Path) -> Path:
    """An empty folder for the report; an earlier report there is replaced, any other content is refused."""
    try:
        if folder.exists() and not folder.is_dir():
            raise OutputError("is a file, not a folder", folder)
        if folder.is_dir() and any(folder.iterdir()):
            if not (folder / MARKER).is_file():
                raise OutputError("is not empty and holds no earlier report: give a new or empty folder", folder)
            _clear(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER).write_text("a kimextract review report; kimextract review replaces this folder's content\n",
                                     encoding="utf-8")
        (folder / "assets").mkdir()
    except OSError as exc:
        raise OutputError(f"cannot write the report: {exc.strerror or exc}", folder) from None
    return folder


def _clear(folder: Path) -> None:
    """Remove what an earlier report wrote (and only that)."""
    for item in folder.iterdir():
        ours = item.name in ("index.html", "assets", MARKER) or item.name.startswith("doc-")
        if not ours:
            continue
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()


def _write_documents(reviewed: list[Reviewed], folder: Path, dpi: int, workers: int) -> tuple[dict[int, DocumentOutcome], bool]:
    """Each document's page images, annotated PDF and page, in ``workers`` processes (True) or in this one."""
    jobs = [DocumentJob(number, len(reviewed), item.record, find_source(item.record, item.bases), str(folder), dpi)
            for number, item in enumerate(reviewed, 1) if isinstance(item.record, DocumentRecord)]
    if len(jobs) <= 1 or workers <= 1:
        return {outcome.number: outcome for outcome in map(write_document, jobs)}, False
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    outcomes = {}
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {pool.submit(write_document, job): job.number for job in jobs}
        for future in as_completed(futures):
            number = futures[future]
            try:
                outcomes[number] = future.result()
            except BrokenProcessPool:  # a worker died (PDFium on a hostile file): the documents left get a note
                outcomes[number] = DocumentOutcome(number, None, notes=["no page: a worker process died while making it"])
    return outcomes, True


def _write_index(reviewed: list[Reviewed], outcomes: dict[int, DocumentOutcome], folder: Path) -> None:
    from .views import ASSETS, index_html

    rows = [_row(number, item.record, outcomes.get(number)) for number, item in enumerate(reviewed, 1)]
    counts = {
        "documents": len(rows),
        "read": sum(1 for row in rows if row["status"] == "ok"),
        "failed": sum(1 for row in rows if row["status"] != "ok"),
        "with_errors": sum(1 for row in rows if row["error"]),
        **{severity: sum(row[severity] for row in rows) for severity in SEVERITIES},
    }
    rules = sorted({rule for row in rows for rule in row["rules"]})
    modules = sorted({module for row in rows for module in row["modules"]})
    title = f"kimextract review: {counts['documents']} document{'s' if counts['documents'] != 1 else ''}"
    (folder / "index.html").write_text(index_html(rows, counts, rules, modules, title), encoding="utf-8")
    for asset in ASSETS.iterdir():
        if asset.is_file():
            shutil.copyfile(asset, folder / "assets" / asset.name)


def _row(number: int, record, outcome: Optional[DocumentOutcome]) -> dict:
    """One line of the index."""
    from .views import display_name

    row = {"number": number, "name": display_name(record.source.path, number), "status": record.status,
           "page": None, "notes": [], "kind": "", "reference": "", "date": "", "grants": 0, "rules": [],
           "modules": [], "message": getattr(record, "error", ""), "annotated": None,
           **{severity: 0 for severity in SEVERITIES}}
    if not isinstance(record, DocumentRecord):
        return row
    header = record.document
    counts = Counter(f.severity for f in record.findings)
    row.update(kind=header.kind, reference=header.reference or "", date=header.date.isoformat() if header.date else "",
               grants=len(record.grants), rules=sorted({f.rule for f in record.findings}),
               modules=sorted({m.number for m in record.modules} | {g.module for g in record.grants if g.module is not None}),
               **{severity: counts[severity] for severity in SEVERITIES})
    if outcome is not None:
        row.update(page=outcome.page, notes=outcome.notes, annotated=outcome.annotated)
    return row
