"""What a harvest remembers between runs: a small SQLite file in the harvest folder (standard library only).

- ``runs``: each harvest of a URL, when it started and whether it walked every list (then the next run asks
  only for what changed since);
- ``papers`` and ``files``: the OParl objects seen, each file with the key of its listed version (modified,
  size, checksums), the content it was stored as, its status and whether its record is written yet;
- ``blobs``: the stored contents by sha256, with their sha512 and sha1 (a file listed with a checksum we
  already hold is not downloaded again) and whether kimextract has read them.

All calls come from one thread (the harvest's main thread); download threads hand their results back to it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

STATE_FILE = "harvest.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, url TEXT NOT NULL, started TEXT NOT NULL,
    finished TEXT, complete INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS bodies (id TEXT PRIMARY KEY, name TEXT);
CREATE TABLE IF NOT EXISTS papers (id TEXT PRIMARY KEY, body TEXT, json TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS files (id TEXT NOT NULL, paper TEXT NOT NULL, json TEXT NOT NULL, listed_key TEXT,
    sha256 TEXT, status TEXT, error TEXT, withdrawn INTEGER NOT NULL DEFAULT 0, recorded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (id, paper));
CREATE INDEX IF NOT EXISTS files_unrecorded ON files (recorded);
CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, sha512 TEXT, sha1 TEXT, size INTEGER NOT NULL,
    path TEXT NOT NULL, read INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS blobs_sha512 ON blobs (sha512);
CREATE INDEX IF NOT EXISTS blobs_sha1 ON blobs (sha1);
"""


@dataclass
class FileRow:
    id: str
    paper: str
    json: str
    listed_key: Optional[str]
    sha256: Optional[str]
    status: Optional[str]
    error: Optional[str]
    withdrawn: bool
    recorded: bool


@dataclass
class Blob:
    sha256: str
    size: int
    path: str  # relative to the harvest folder
    read: bool


class State:
    """The harvest's memory in ``<folder>/harvest.sqlite``."""

    def __init__(self, folder: Path):
        self.db = sqlite3.connect(folder / STATE_FILE)
        self.db.executescript(SCHEMA)
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    def commit(self) -> None:
        self.db.commit()

    # runs

    def last_complete_start(self, url: str) -> Optional[str]:
        """When the last harvest of ``url`` that walked every list started (ISO 8601, UTC), or None."""
        row = self.db.execute("SELECT started FROM runs WHERE url = ? AND complete = 1 ORDER BY id DESC LIMIT 1", (url,)).fetchone()
        return row[0] if row else None

    def start_run(self, url: str, started: str) -> int:
        run = self.db.execute("INSERT INTO runs (url, started) VALUES (?, ?)", (url, started)).lastrowid
        self.db.commit()
        return int(run or 0)

    def finish_run(self, run: int, finished: str, complete: bool) -> None:
        self.db.execute("UPDATE runs SET finished = ?, complete = ? WHERE id = ?", (finished, int(complete), run))
        self.db.commit()

    # bodies and papers

    def put_body(self, body_id: str, name: Optional[str]) -> None:
        self.db.execute("INSERT INTO bodies (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name", (body_id, name))

    def body_name(self, body_id: Optional[str]) -> Optional[str]:
        row = self.db.execute("SELECT name FROM bodies WHERE id = ?", (body_id,)).fetchone()
        return row[0] if row else None

    def put_paper(self, paper_id: str, body: str, paper_json: str, deleted: bool) -> None:
        """Remember a paper; a deleted one keeps what was known of it before (its reference, name …)."""
        if deleted:
            self.db.execute("INSERT INTO papers (id, body, json, deleted) VALUES (?, ?, ?, 1) "
                            "ON CONFLICT (id) DO UPDATE SET deleted = 1", (paper_id, body, paper_json))
        else:
            self.db.execute("INSERT INTO papers (id, body, json, deleted) VALUES (?, ?, ?, 0) "
                            "ON CONFLICT (id) DO UPDATE SET body = excluded.body, json = excluded.json, deleted = 0",
                            (paper_id, body, paper_json))

    def paper(self, paper_id: str) -> Optional[tuple[str, dict, bool]]:
        """(body, paper object, deleted) as last seen."""
        row = self.db.execute("SELECT body, json, deleted FROM papers WHERE id = ?", (paper_id,)).fetchone()
        return (row[0], json.loads(row[1]), bool(row[2])) if row else None

    # files

    def file(self, file_id: str, paper: str) -> Optional[FileRow]:
        row = self.db.execute("SELECT id, paper, json, listed_key, sha256, status, error, withdrawn, recorded FROM files "
                              "WHERE id = ? AND paper = ?", (file_id, paper)).fetchone()
        return FileRow(*row[:7], bool(row[7]), bool(row[8])) if row else None

    def put_file(self, file_id: str, paper: str, file_json: str, listed_key: Optional[str], sha256: Optional[str],
                 status: str, error: Optional[str] = None) -> None:
        """A file's new state; its record is (re)written at the end of the run."""
        self.db.execute(
            "INSERT INTO files (id, paper, json, listed_key, sha256, status, error, withdrawn, recorded) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0) ON CONFLICT (id, paper) DO UPDATE SET json = excluded.json, "
            "listed_key = excluded.listed_key, sha256 = excluded.sha256, status = excluded.status, "
            "error = excluded.error, withdrawn = 0, recorded = 0",
            (file_id, paper, file_json, listed_key, sha256, status, error))

    def withdraw_files(self, paper: str, keep: Optional[set[str]] = None) -> int:
        """Mark the paper's files withdrawn (all, or those not in ``keep``); returns how many were not before."""
        rows = self.db.execute("SELECT id FROM files WHERE paper = ? AND withdrawn = 0", (paper,)).fetchall()
        gone = [r[0] for r in rows if keep is None or r[0] not in keep]
        self.db.executemany("UPDATE files SET withdrawn = 1, recorded = 0 WHERE id = ? AND paper = ?", [(i, paper) for i in gone])
        return len(gone)

    def restore_file(self, file_id: str, paper: str) -> None:
        """A withdrawn file that is listed again, unchanged."""
        self.db.execute("UPDATE files SET withdrawn = 0, recorded = 0 WHERE id = ? AND paper = ?", (file_id, paper))

    def unrecorded(self, batch: int = 500) -> Iterator[FileRow]:
        """The files whose record is still to be written, a few hundred rows in memory at a time."""
        after = ("", "")
        while True:
            rows = self.db.execute(
                "SELECT id, paper, json, listed_key, sha256, status, error, withdrawn, recorded FROM files "
                "WHERE recorded = 0 AND (paper, id) > (?, ?) ORDER BY paper, id LIMIT ?", (after[1], after[0], batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield FileRow(*row[:7], bool(row[7]), bool(row[8]))
            after = (rows[-1][0], rows[-1][1])

    def mark_recorded(self, file_id: str, paper: str) -> None:
        self.db.execute("UPDATE files SET recorded = 1 WHERE id = ? AND paper = ?", (file_id, paper))

    # blobs

    def blob(self, sha256: Optional[str]) -> Optional[Blob]:
        row = self.db.execute("SELECT sha256, size, path, read FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
        return Blob(row[0], row[1], row[2], bool(row[3])) if row else None

    def blob_by_checksum(self, sha512: Optional[str], sha1: Optional[str]) -> Optional[Blob]:
        """A stored content with the checksum a File lists (sha512 preferred)."""
        for column, value in (("sha512", sha512), ("sha1", sha1)):
            if value:
                row = self.db.execute(f"SELECT sha256, size, path, read FROM blobs WHERE {column} = ?", (value.lower(),)).fetchone()
                if row:
                    return Blob(row[0], row[1], row[2], bool(row[3]))
        return None

    def put_blob(self, sha256: str, sha512: str, sha1: str, size: int, path: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO blobs (sha256, sha512, sha1, size, path) VALUES (?, ?, ?, ?, ?)",
                        (sha256, sha512, sha1, size, path))

    def unread_blobs(self) -> list[Blob]:
        rows = self.db.execute("SELECT sha256, size, path, read FROM blobs WHERE read = 0 ORDER BY path").fetchall()
        return [Blob(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def mark_read(self, sha256: str) -> None:
        self.db.execute("UPDATE blobs SET read = 1 WHERE sha256 = ?", (sha256,))
