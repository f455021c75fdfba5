"""A local OParl 1.1 server for the harvest tests and benchmark: standard-library ``http.server`` on 127.0.0.1
in a thread, serving a generated system whose files are the corpus PDFs.

The system has two bodies whose paper lists run over several pages, and the awkward cases a real server has:
a deleted paper, a file whose listed checksum is wrong, a file that fails with 500 once, a 404, a file slower
than the client's timeout, a list page that fails once, a .docx. Papers can be changed, added and deleted
between harvests; ``modified_since`` is honoured. Every request is counted.

A third body, ``big``, lists any number of papers made up on the fly (for the memory benchmark): every
thousandth has one file, all with the same content.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import threading
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import parse_qs, quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "samples" / "corpus"
OPARL = "https://schema.oparl.org/1.1/"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def corpus_pdfs() -> list[tuple[bytes, dict]]:
    """The corpus's text PDFs with the header their gold file gives (reference, date, kind, subject)."""
    found = []
    for folder in sorted(CORPUS.iterdir()):
        pdf, gold = folder / "text.pdf", folder / "gold.json"
        if pdf.exists() and gold.exists():
            found.append((pdf.read_bytes(), json.loads(gold.read_text(encoding="utf-8")).get("document") or {}))
    return found


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Zuwendungsbescheid 412.000 EUR</w:document>")
    return buffer.getvalue()


@dataclass
class Awkward:
    """Which paper numbers carry the awkward cases (numbers count from 0 across both bodies)."""

    deleted: int = 19
    wrong_checksum: int = 4
    fails_once: int = 7  # its auxiliary file: 500 with Retry-After, then the file
    not_found: int = 10
    slow: int = 13
    docx: int = 16  # its auxiliary file
    wrong_reference: tuple[int, ...] = (2, 22)  # the system lists another reference than the paper's own
    failing_page: tuple[int, int] = (1, 1)  # body 1's second list page fails with 503 …
    page_failures: int = 1  # … this many times
    enabled: bool = True  # False: none of the cases above the list page (a plain system)


@dataclass
class FixtureFile:
    id: str
    data: bytes
    mime: str = "application/pdf"
    name: str = "Vorlage"
    modified: str = field(default_factory=_now)
    listed_sha512: Optional[str] = None  # None: the true checksum

    def oparl(self, base: str) -> dict:
        return {"id": f"{base}/file/{self.id}", "type": OPARL + "File", "name": self.name,
                "fileName": f"{self.id}.{'docx' if self.mime == DOCX else 'pdf'}", "mimeType": self.mime,
                "size": len(self.data), "sha512Checksum": self.listed_sha512 or hashlib.sha512(self.data).hexdigest(),
                "accessUrl": f"{base}/file/{self.id}/access", "downloadUrl": f"{base}/file/{self.id}/download",
                "modified": self.modified}


@dataclass
class FixturePaper:
    number: int
    body: int
    reference: str
    date: Optional[str]
    name: str
    main: Optional[FixtureFile]
    aux: list[FixtureFile] = field(default_factory=list)
    modified: str = field(default_factory=_now)
    deleted: bool = False

    def oparl(self, base: str) -> dict:
        paper_id = f"{base}/paper/{self.number}"
        if self.deleted:
            return {"id": paper_id, "type": OPARL + "Paper", "deleted": True, "modified": self.modified}
        paper = {"id": paper_id, "type": OPARL + "Paper", "body": f"{base}/body/{self.body}", "name": self.name,
                 "reference": self.reference, "date": self.date, "paperType": "Vorlage", "modified": self.modified,
                 "created": self.modified, "web": f"{base}/web/paper/{self.number}"}
        if self.main:
            paper["mainFile"] = self.main.oparl(base)
        if self.aux:
            paper["auxiliaryFile"] = [f.oparl(base) for f in self.aux]
        return paper


class OParlFixture:
    """The server and its data; ``start()`` gives the System URL."""

    def __init__(self, papers: tuple[int, int] = (30, 27), page_size: int = 8, awkward: Optional[Awkward] = None,
                 slow_seconds: float = 3.0, latency: float = 0.0, big: int = 0, unique: bool = True):
        self.page_size, self.slow_seconds, self.latency, self.big = page_size, slow_seconds, latency, big
        self.awkward = awkward or Awkward()
        self.requests: Counter = Counter()  # kind of request -> count
        self.downloads: Counter = Counter()  # file id -> downloads served with content
        self.since_asked: list[Optional[str]] = []  # modified_since of each first list page asked for
        self.failures: Counter = Counter()
        self.lock = threading.Lock()
        self.pdfs = corpus_pdfs()
        self.papers: list[FixturePaper] = []
        self.unique = unique
        self._files = 0
        for body, count in enumerate(papers):
            for _ in range(count):
                self.papers.append(self._make_paper(body, len(self.papers)))
        if self.awkward.enabled:
            self._apply_awkward()
        self.server: Optional[ThreadingHTTPServer] = None
        self.base = ""

    # the data

    def _new_file(self, pdf_index: int, name: str) -> FixtureFile:
        self._files += 1
        data = self.pdfs[pdf_index % len(self.pdfs)][0]
        if self.unique:  # bytes after %%EOF: every file its own content, still the same PDF to read
            data += f"\n% fixture file {self._files}\n".encode()
        return FixtureFile(id=f"f{self._files}", data=data, name=name)

    def _make_paper(self, body: int, number: int) -> FixturePaper:
        gold = self.pdfs[number % len(self.pdfs)][1]
        main = self._new_file(number, "Vorlage")
        aux = [self._new_file(number + 7, "Anlage")] if number % 2 else []
        return FixturePaper(number=number, body=body, reference=gold.get("reference") or f"DS/{number:04d}",
                            date=gold.get("date"), name=gold.get("subject") or f"Vorlage {number}", main=main, aux=aux)

    def _apply_awkward(self) -> None:
        a = self.awkward
        self.papers[a.deleted].deleted = True
        self.papers[a.wrong_checksum].main.listed_sha512 = hashlib.sha512(b"another file").hexdigest()
        self.papers[a.fails_once].aux = self.papers[a.fails_once].aux or [self._new_file(a.fails_once + 3, "Anlage")]
        self.papers[a.docx].aux = [FixtureFile(id="docx", data=_docx(), mime=DOCX, name="Anlage (Word)")]
        for number in a.wrong_reference:
            self.papers[number].reference = f"XX {number:03d}/1999"

    def paper_number(self, paper_id: str) -> int:
        return int(paper_id.rsplit("/", 1)[1])

    def file_of(self, number: int, role: str = "main") -> FixtureFile:
        paper = self.papers[number]
        return paper.main if role == "main" else paper.aux[0]

    def awkward_file_ids(self) -> dict[str, str]:
        """OParl file id -> the status its record must have."""
        a, base = self.awkward, self.base
        return {f"{base}/file/{self.file_of(a.wrong_checksum).id}": "checksum_mismatch",
                f"{base}/file/{self.file_of(a.not_found).id}": "not_found",
                f"{base}/file/{self.file_of(a.slow).id}": "timeout",
                f"{base}/file/docx": "unsupported"}

    def change(self, number: int) -> None:
        """A new version of the paper's main file (new bytes, checksum and modified)."""
        with self.lock:
            paper = self.papers[number]
            paper.main = self._new_file(number + 11, paper.main.name)
            paper.main.id = f"{paper.main.id}-of-{number}"
            paper.modified = _now()

    def add(self, body: int, copy_of: Optional[int] = None) -> int:
        """A new paper; with ``copy_of``, it also has an attachment with the same bytes as that paper's main file."""
        with self.lock:
            paper = self._make_paper(body, len(self.papers))
            if copy_of is not None:
                original = self.papers[copy_of].main
                self._files += 1
                paper.aux = [FixtureFile(id=f"f{self._files}", data=original.data, name="Anlage (Kopie)")]
            self.papers.append(paper)
            return paper.number

    def delete(self, number: int) -> None:
        with self.lock:
            self.papers[number].deleted = True
            self.papers[number].modified = _now()

    def file_count(self) -> int:
        return sum((1 if p.main else 0) + len(p.aux) for p in self.papers if not p.deleted)

    # the server

    def start(self) -> str:
        fixture = self

        class Handler(_Handler):
            pass

        Handler.fixture = fixture
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/oparl"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"{self.base}/system"

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> "OParlFixture":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def count(self, kind: str) -> None:
        with self.lock:
            self.requests[kind] += 1

    def fails(self, key: str, times: int = 1) -> bool:
        """True the first ``times`` times ``key`` is asked."""
        with self.lock:
            self.failures[key] += 1
            return self.failures[key] <= times


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body leave at once, not 40 ms apart (delayed ACK)
    fixture: OParlFixture

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        f = self.fixture
        if f.latency:
            time.sleep(f.latency)
        parts = urlsplit(self.path)
        path = parts.path.removeprefix("/oparl").strip("/").split("/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            self._route(f, path, query)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self, f: OParlFixture, path: list[str], query: dict) -> None:
        base = f.base
        if path == ["system"]:
            f.count("object")
            return self._json({"id": f"{base}/system", "type": OPARL + "System", "oparlVersion": "https://schema.oparl.org/1.1/",
                               "name": "Ratsinformationssystem (Testserver)", "body": f"{base}/bodies"})
        if path == ["bodies"]:
            f.count("list")
            return self._json({"data": [self._body(b) for b in range(2)], "links": {}})
        if len(path) == 2 and path[0] == "body":
            f.count("object")
            return self._json(self._body(path[1]))
        if len(path) == 3 and path[0] == "body" and path[2] == "papers":
            f.count("list")
            return self._papers(f, path[1], query)
        if len(path) == 3 and path[0] == "file" and path[2] in ("download", "access"):
            f.count("file")
            return self._file(f, path[1])
        self._status(404, "Not Found")

    def _body(self, body) -> dict:
        base = self.fixture.base
        return {"id": f"{base}/body/{body}", "type": OPARL + "Body", "name": f"Körperschaft {body}",
                "shortName": f"K{body}", "paper": f"{base}/body/{body}/papers"}

    def _papers(self, f: OParlFixture, body: str, query: dict) -> None:
        page = int(query.get("page", "0"))
        since = query.get("modified_since")
        if page == 0:
            with f.lock:
                f.since_asked.append(since)
        if body == "big":
            return self._big_papers(f, page, since)
        if (int(body), page) == f.awkward.failing_page and f.fails(f"page {body} {page}", f.awkward.page_failures):
            return self._status(503, "Service Unavailable", {"Retry-After": "0"})
        with f.lock:
            chosen = [p for p in f.papers if p.body == int(body) and (since is None or _after(p.modified, since))]
            start = page * f.page_size
            data = [p.oparl(f.base) for p in chosen[start:start + f.page_size]]
        links = {}
        if start + f.page_size < len(chosen):
            links["next"] = f"{f.base}/body/{body}/papers?page={page + 1}" + (f"&modified_since={quote(since)}" if since else "")
        self._json({"data": data, "links": links, "pagination": {"totalElements": len(chosen), "elementsPerPage": f.page_size,
                                                                  "currentPage": page + 1}})

    def _big_papers(self, f: OParlFixture, page: int, since: Optional[str]) -> None:
        size = 100
        start = page * size
        data = []
        shared = f.pdfs[0][0]
        for number in range(start, min(start + size, f.big)):
            paper = {"id": f"{f.base}/big/paper/{number}", "type": OPARL + "Paper", "body": f"{f.base}/body/big",
                     "name": f"Vorlage {number} über die Förderung", "reference": f"BV/{number:06d}", "date": "2024-01-15",
                     "paperType": "Beschlussvorlage", "modified": "2024-01-15T10:00:00+01:00"}
            if number % 1000 == 0:
                paper["mainFile"] = FixtureFile(id="shared", data=shared, modified="2024-01-15T10:00:00+01:00").oparl(f.base)
                paper["mainFile"]["id"] = f"{f.base}/big/file/{number}"
            data.append(paper)
        links = {"next": f"{f.base}/body/big/papers?page={page + 1}"} if start + size < f.big else {}
        self._json({"data": data, "links": links})

    def _file(self, f: OParlFixture, file_id: str) -> None:
        a = f.awkward
        if file_id == "shared":
            data = f.pdfs[0][0]
        else:
            with f.lock:
                found = [x for p in f.papers for x in ([p.main] if p.main else []) + p.aux if x.id == file_id]
            if not found:
                return self._status(404, "Not Found")
            data = found[0].data
            if not a.enabled:
                pass
            elif found[0] is f.papers[a.not_found].main:
                return self._status(404, "Not Found")
            elif found[0] is f.papers[a.slow].main:
                with f.lock:  # counted when asked: the client gives up before the answer, and a count made after
                    f.downloads[file_id] += 1  # the sleep would land in whichever harvest runs then
                time.sleep(f.slow_seconds)
                self._send(200, data, "application/octet-stream")
                return
            elif f.papers[a.fails_once].aux and found[0] is f.papers[a.fails_once].aux[0] and f.fails(f"file {file_id}"):
                return self._status(500, "Internal Server Error", {"Retry-After": "0"})
        with f.lock:
            f.downloads[file_id] += 1
        self._send(200, data, "application/octet-stream")

    def _json(self, obj: dict) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        headers = {}
        if "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
            self.fixture.count("gzip")
        self._send(200, body, "application/json; charset=utf-8", headers)

    def _status(self, code: int, reason: str, headers: Optional[dict] = None) -> None:
        self._send(code, f"{code} {reason}".encode(), "text/plain", headers)

    def _send(self, code: int, body: bytes, content_type: str, headers: Optional[dict] = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        with self.fixture.lock:
            self.fixture.requests["user-agent " + (self.headers.get("User-Agent") or "").split("/")[0]] += 1


def _after(modified: str, since: str) -> bool:
    return dt.datetime.fromisoformat(modified) >= dt.datetime.fromisoformat(since)
