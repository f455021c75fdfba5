"""Talking to an OParl 1.1 server: a polite HTTP client, the walk over its object lists, and file downloads.

- :class:`Client` asks a public server the way it should be asked: one keep-alive connection pool, compressed
  responses, timeouts, a bounded number of retries with growing pauses on 429 and 5xx (``Retry-After`` is
  honoured), an optional rate limit shared by all threads, and a ``User-Agent`` that names kimextract;
- :func:`walk_list` yields the objects of a paginated list page by page, following ``links.next``: memory holds
  one page, however long the list;
- :func:`bodies` and :func:`paper_files` read the object model (System -> Body -> Paper -> File);
- :meth:`Client.download` streams a file to disk under a size limit, hashing it on the way.

httpx is imported here, so the command line imports this module only inside ``harvest``.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from . import __version__

USER_AGENT = f"kimextract/{__version__} (OParl harvester; +https://pypi.org/project/kimextract/)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 300.0  # seconds: a server asking for a longer pause gets an error record instead
CHUNK = 1 << 16


class FetchError(Exception):
    """A request that failed for good (after its retries): ``status`` is the word for the error record."""

    def __init__(self, status: str, message: str, url: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.url = url


@dataclass
class Politeness:
    """How the client treats the server."""

    timeout: float = 30.0  # seconds to connect, and between two reads of a response
    retries: int = 4  # further attempts after a 429, a 5xx, a timeout or a dropped connection
    backoff: float = 2.0  # seconds before the first retry; doubled for each further one
    rate: Optional[float] = None  # requests per second at most, all threads together; None: no limit
    max_file_mib: float = 200.0  # a larger file gets a too_large record and is not kept
    concurrency: int = 2  # files downloaded at once


@dataclass
class Counts:
    """What the client did, for the summary and for tests."""

    requests: int = 0
    retries: int = 0
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, requests: int = 0, retries: int = 0, nbytes: int = 0) -> None:
        with self.lock:
            self.requests += requests
            self.retries += retries
            self.bytes += nbytes


@dataclass
class Download:
    """A file on disk, its hashes and size."""

    path: Path
    size: int
    sha256: str
    sha512: str
    sha1: str
    content_type: Optional[str]


class Client:
    """One HTTP client for a harvest; safe to share among the download threads."""

    def __init__(self, politeness: Optional[Politeness] = None):
        self.politeness = politeness or Politeness()
        timeout = httpx.Timeout(self.politeness.timeout)
        limits = httpx.Limits(max_connections=max(2, self.politeness.concurrency + 1),
                              max_keepalive_connections=max(2, self.politeness.concurrency + 1))
        # httpx asks for gzip and deflate by itself; keep-alive comes with the shared pool.
        self.http = httpx.Client(timeout=timeout, limits=limits, follow_redirects=True,
                                 headers={"User-Agent": USER_AGENT, "Accept": "application/json, */*;q=0.5"})
        self.counts = Counts()
        self._next_slot = 0.0
        self._slot_lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get_json(self, url: str) -> Any:
        """The JSON object at ``url``; raises :class:`FetchError`."""
        response = self._request(url, stream=False)
        try:
            return response.json()
        except ValueError:
            raise FetchError("bad_response", f"{url}: the answer is not JSON", url) from None

    def download(self, url: str, folder: Path) -> Download:
        """Stream ``url`` into a new file in ``folder``, hashed on the way; raises :class:`FetchError` (the file
        is removed then)."""
        limit = int(self.politeness.max_file_mib * 1024 * 1024)
        response = self._request(url, stream=True)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
        hashes = hashlib.sha256(), hashlib.sha512(), hashlib.sha1()
        size = 0
        try:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise FetchError("too_large", f"the server announces {int(declared):,} bytes, over the limit of "
                                              f"{self.politeness.max_file_mib:g} MiB (--max-file-size)", url)
            with open(path, "wb") as out:
                for chunk in response.iter_bytes(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise FetchError("too_large", f"over the limit of {self.politeness.max_file_mib:g} MiB (--max-file-size)", url)
                    for digest in hashes:
                        digest.update(chunk)
                    out.write(chunk)
        except httpx.TimeoutException:
            path.unlink(missing_ok=True)
            raise FetchError("timeout", f"{url}: the server stopped sending within {self.politeness.timeout:g} s", url) from None
        except httpx.TransportError as exc:
            path.unlink(missing_ok=True)
            raise FetchError("http_error", f"{url}: the connection broke off ({type(exc).__name__})", url) from None
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        finally:
            response.close()
        self.counts.add(nbytes=size)
        return Download(path, size, hashes[0].hexdigest(), hashes[1].hexdigest(), hashes[2].hexdigest(),
                        response.headers.get("Content-Type"))

    def _request(self, url: str, stream: bool) -> httpx.Response:
        """GET with retries; a response of status 200-299, opened for streaming when ``stream``."""
        attempts = self.politeness.retries + 1
        for attempt in range(attempts):
            self._wait_for_slot()
            self.counts.add(requests=1, retries=1 if attempt else 0)
            last = attempt == attempts - 1
            try:
                request = self.http.build_request("GET", url)
                response = self.http.send(request, stream=stream)
            except httpx.TimeoutException:
                if last:
                    raise FetchError("timeout", f"{url}: no answer within {self.politeness.timeout:g} s "
                                                f"({attempts} attempts)", url) from None
                self._pause(attempt, None)
                continue
            except httpx.TransportError as exc:
                if last:
                    raise FetchError("http_error", f"{url}: {type(exc).__name__}: {exc} ({attempts} attempts)", url) from None
                self._pause(attempt, None)
                continue
            if response.is_success:
                return response
            response.close()
            retry_after = _retry_after(response.headers.get("Retry-After"))
            if response.status_code in RETRY_STATUSES and not last and (retry_after or 0) <= MAX_RETRY_AFTER:
                self._pause(attempt, retry_after)
                continue
            status = "not_found" if response.status_code in (404, 410) else "http_error"
            tried = f" ({attempts} attempts)" if response.status_code in RETRY_STATUSES else ""
            raise FetchError(status, f"{url}: HTTP {response.status_code} {response.reason_phrase}{tried}", url)
        raise AssertionError("unreachable")

    def _pause(self, attempt: int, retry_after: Optional[float]) -> None:
        """Wait before the next attempt: what the server asked for, else a doubling pause with some jitter."""
        pause = self.politeness.backoff * (2 ** attempt) * random.uniform(0.75, 1.25)
        time.sleep(max(pause, retry_after or 0.0))

    def _wait_for_slot(self) -> None:
        """With a rate limit, requests start at least 1/rate seconds apart, across all threads."""
        if not self.politeness.rate:
            return
        with self._slot_lock:
            now = time.monotonic()
            start = max(now, self._next_slot)
            self._next_slot = start + 1.0 / self.politeness.rate
        if start > now:
            time.sleep(start - now)


def _retry_after(value: Optional[str]) -> Optional[float]:
    """``Retry-After`` in seconds: a number, or an HTTP date.

    >>> _retry_after("7"), _retry_after(None), _retry_after("soon")
    (7.0, None, None)
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# ---------------------------------------------------------------------------------------------------------
# the object model


def object_kind(obj: dict) -> str:
    """The OParl type's last part: 'System', 'Body', 'Paper', 'File' …

    >>> object_kind({"type": "https://schema.oparl.org/1.1/Body"})
    'Body'
    """
    return str(obj.get("type") or "").rstrip("/").rsplit("/", 1)[-1]


def with_query(url: str, **params: Optional[str]) -> str:
    """``url`` with the query parameters set (None: left out).

    >>> with_query("https://x.de/papers?page=2", modified_since="2024-01-01T00:00:00+00:00")
    'https://x.de/papers?page=2&modified_since=2024-01-01T00%3A00%3A00%2B00%3A00'
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass
class ListPage:
    """One page of a list: its URL and objects."""

    url: str
    objects: list[dict]


def walk_list(client: Client, url: str) -> Iterator[ListPage]:
    """The pages of an object list, following ``links.next``; a page that repeats ends the walk (a server
    whose next link points back would otherwise be walked for ever). Raises :class:`FetchError` for a page
    that fails after its retries."""
    seen: set[str] = set()
    next_url: Optional[str] = url
    while next_url and next_url not in seen:
        seen.add(next_url)
        page = client.get_json(next_url)
        if isinstance(page, list):  # an object list given as a bare array
            yield ListPage(next_url, [o for o in page if isinstance(o, dict)])
            return
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise FetchError("bad_response", f"{next_url}: not an OParl object list (no 'data')", next_url)
        yield ListPage(next_url, [o for o in page["data"] if isinstance(o, dict)])
        links = page.get("links") if isinstance(page.get("links"), dict) else {}
        next_url = links.get("next") if isinstance(links.get("next"), str) else None
        if len(seen) > 1_000_000:
            seen.clear()  # a bound on memory; a loop over a million pages long is not worth remembering


def bodies(client: Client, url: str) -> Iterator[dict]:
    """The bodies behind ``url``: a System's body list, or the one Body the URL names."""
    root = client.get_json(url)
    if not isinstance(root, dict):
        raise FetchError("bad_response", f"{url}: not an OParl object", url)
    kind = object_kind(root)
    if kind == "Body":
        yield root
        return
    if kind != "System" or not isinstance(root.get("body"), str):
        raise FetchError("bad_response", f"{url}: an OParl System or Body was expected, not {kind or 'an object without type'}", url)
    for page in walk_list(client, root["body"]):
        yield from page.objects


def paper_files(paper: dict) -> Iterator[tuple[str, Any]]:
    """The paper's files as (role, entry): its mainFile, then each auxiliaryFile; an entry is a File object,
    or the URL of one (fetch it with :meth:`Client.get_json`)."""
    if paper.get("mainFile"):
        yield "mainFile", paper["mainFile"]
    for aux in paper.get("auxiliaryFile") or []:
        if aux:
            yield "auxiliaryFile", aux


def file_url(file: dict) -> Optional[str]:
    """Where a File's bytes are: ``downloadUrl``, else ``accessUrl``."""
    for key in ("downloadUrl", "accessUrl"):
        if isinstance(file.get(key), str) and file[key]:
            return file[key]
    return None
