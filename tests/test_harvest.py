"""Harvest from an OParl 1.1 system: against the local server of ``oparl_server.py`` (127.0.0.1 only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from oparl_server import Awkward, OParlFixture

from kimextract.harvest import DATE_DIFFERS, REFERENCE_DIFFERS, HarvestConfig, run_harvest, same_reference
from kimextract.oparl import Client, Politeness

FAST = dict(timeout=0.5, retries=1, backoff=0.01)


def harvest(url: str, folder: Path, full: bool = False, **politeness):
    config = HarvestConfig(out_dir=folder, politeness=Politeness(**{**FAST, **politeness}), workers=2, full=full)
    return run_harvest(url, config)


def records(folder: Path) -> list[dict]:
    with open(folder / "records.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """The system, and its folder after the first harvest."""
    fixture = OParlFixture(slow_seconds=2.0)
    url = fixture.start()
    folder = tmp_path_factory.mktemp("harvest")
    first = harvest(url, folder)
    yield fixture, url, folder, first
    fixture.stop()


def test_first_harvest_one_record_per_file_with_the_systems_metadata(council):
    fixture, url, folder, summary = council
    written = records(folder)
    assert len(fixture.papers) >= 50 and fixture.file_count() >= 80
    assert len(written) == fixture.file_count() == summary.files_listed
    assert len({r["oparl"]["file"]["id"] for r in written}) == len(written)
    by_number = {int(r["oparl"]["paper"]["id"].rsplit("/", 1)[1]): r for r in written if r["oparl"]["file"]["role"] == "mainFile"}
    for number, record in by_number.items():
        paper, oparl = fixture.papers[number], record["oparl"]
        assert oparl["body"] == f"{fixture.base}/body/{paper.body}" and oparl["body_name"] == f"Körperschaft {paper.body}"
        assert (oparl["paper"]["reference"], oparl["paper"]["date"], oparl["paper"]["name"]) == (paper.reference, paper.date, paper.name)
        assert oparl["paper"]["paperType"] == "Vorlage"
        file = oparl["file"]
        assert file["id"] == f"{fixture.base}/file/{paper.main.id}" and file["mimeType"] == "application/pdf"
        assert file["size"] == len(paper.main.data) and file["modified"] == paper.main.modified
    for record in written:
        if record["status"] == "ok":
            assert record["read"]["source"]["sha256"] == record["content"]["sha256"]
            assert (folder / record["content"]["path"]).stat().st_size == record["content"]["size"] == record["oparl"]["file"]["size"]
            assert record["read"]["source"]["pages"] >= 1
    assert sum(len(r["read"]["amounts"]) for r in written if r["status"] == "ok") > 200  # the papers were read


def test_error_records_exactly_for_the_awkward_cases(council):
    fixture, url, folder, summary = council
    failed = {r["oparl"]["file"]["id"]: r["status"] for r in records(folder) if r["status"] != "ok"}
    assert failed == fixture.awkward_file_ids()
    for record in records(folder):
        assert (record["error"] is None) == (record["status"] == "ok")
    # the 500 and the failing list page were asked again and then served; the deleted paper is counted
    fails_once = f"{fixture.base}/file/{fixture.file_of(fixture.awkward.fails_once, 'aux').id}"
    assert fails_once not in failed and fixture.failures[f"file {fails_once.rsplit('/', 1)[1]}"] == 2
    assert fixture.failures["page 1 1"] == 2
    assert summary.papers == len(fixture.papers) and summary.papers_withdrawn == 1 and summary.complete
    assert summary.exit_code == 3 and summary.failed == 4


def test_a_good_citizen(council):
    fixture, url, folder, summary = council
    assert fixture.requests["user-agent kimextract"] >= summary.requests - 2  # the two timed-out answers were never read
    assert fixture.requests["gzip"] == fixture.requests["list"] + fixture.requests["object"] - 1  # every JSON answer (not the 503)
    # files downloaded once each: the retried ones (the 500, the slow one) twice, no other
    twice = {fixture.file_of(fixture.awkward.fails_once, "aux").id, fixture.file_of(fixture.awkward.slow).id}
    assert {fid for fid, n in fixture.downloads.items() if n > 1} <= twice


def test_header_against_system(council):
    """An info finding where the main file's own reference differs from the system's: the planted ones, and
    none where kimextract read the reference the system lists."""
    fixture, url, folder, summary = council
    planted = set(fixture.awkward.wrong_reference)
    agreeing = 0
    for record in records(folder):
        if record["status"] != "ok" or record["oparl"]["file"]["role"] != "mainFile":
            continue
        number = int(record["oparl"]["paper"]["id"].rsplit("/", 1)[1])
        rules = {f["rule"] for f in record["findings"]}
        assert all(f["severity"] == "info" for f in record["findings"])
        if number in planted:
            assert REFERENCE_DIFFERS in rules, number
        own = record["read"]["document"]["reference"]
        if own and same_reference(own, fixture.papers[number].reference):
            assert REFERENCE_DIFFERS not in rules
            agreeing += 1
        if record["read"]["document"]["date"] == fixture.papers[number].date:
            assert DATE_DIFFERS not in rules
    assert agreeing >= 20
    auxiliary = [r for r in records(folder) if r["oparl"]["file"]["role"] == "auxiliaryFile"]
    assert auxiliary and not any(r["findings"] for r in auxiliary)  # an attachment has a header of its own


def test_second_harvest_with_nothing_changed_downloads_nothing_then_only_the_changes(council):
    fixture, url, folder, _ = council
    lines_before = len(records(folder))
    downloads = sum(fixture.downloads.values())
    second = harvest(url, folder)
    assert sum(fixture.downloads.values()) == downloads
    assert second.files_downloaded == 0 and second.contents_read == 0 and not second.records
    assert fixture.since_asked[-1] is not None  # asked with modified_since
    assert len(records(folder)) == lines_before

    # three papers change, two are added (the second with a copy of a held file), one with files is deleted
    ids_before = {f.id for p in fixture.papers for f in ([p.main] if p.main else []) + p.aux}
    changed = [0, 9, 30]
    replaced = {f"{fixture.base}/file/{fixture.papers[n].main.id}" for n in changed}  # a new File in their place
    for number in changed:
        fixture.change(number)
    added = [fixture.add(0), fixture.add(1, copy_of=1)]
    deleted = 5
    deleted_files = {f"{fixture.base}/file/{f.id}" for f in [fixture.papers[deleted].main] + fixture.papers[deleted].aux}
    fixture.delete(deleted)
    time.sleep(0.01)
    new_ids = {f.id for p in fixture.papers if not p.deleted for f in ([p.main] if p.main else []) + p.aux} - ids_before
    copy = fixture.papers[added[1]].aux[0].id
    downloads_before = dict(fixture.downloads)

    third = harvest(url, folder)
    fetched = {fid for fid, n in fixture.downloads.items() if n > downloads_before.get(fid, 0)}
    assert fetched == new_ids - {copy} and len(fetched) == 3 + 2 + 1  # the first added paper has an attachment
    assert third.files_downloaded == third.contents_read == len(fetched) and third.files_reused == 1
    latest = records(folder)[lines_before:]
    fresh = [r for r in latest if not r["withdrawn"]]
    assert {r["oparl"]["file"]["id"].rsplit("/", 1)[1] for r in fresh} == new_ids
    assert all(r["status"] == "ok" and r["read"]["status"] == "ok" for r in fresh)
    papers_of_fresh = {int(r["oparl"]["paper"]["id"].rsplit("/", 1)[1]) for r in fresh}
    assert papers_of_fresh == set(changed) | set(added)
    # the deleted paper's files and the replaced ones: withdrawn, with what was read from them
    withdrawn = [r for r in latest if r["withdrawn"]]
    assert {r["oparl"]["file"]["id"] for r in withdrawn} == deleted_files | replaced
    assert all(r["oparl"]["paper"]["deleted"] == (r["oparl"]["file"]["id"] in deleted_files) for r in withdrawn)
    assert all(r["oparl"]["paper"]["reference"] for r in withdrawn)
    assert [r["status"] for r in withdrawn if r["read"]] and all(r["read"]["amounts"] is not None for r in withdrawn if r["read"])
    assert third.papers_withdrawn == 1 and third.files_withdrawn == len(deleted_files) + len(replaced)

    # --full: every paper listed, the failed files asked for again, nothing held fetched or read again
    downloads_before = dict(fixture.downloads)
    fourth = harvest(url, folder, full=True)
    assert fourth.since is None and fourth.papers == len(fixture.papers)
    asked = {fid for fid, n in fixture.downloads.items() if n > downloads_before.get(fid, 0)}
    failed = {fid.rsplit("/", 1)[1] for fid in fixture.awkward_file_ids()}
    assert asked and asked <= failed and fourth.contents_read == 0
    assert fourth.records == {status: 1 for status in fixture.awkward_file_ids().values()}


def test_a_list_page_that_keeps_failing_is_an_error_record_and_the_next_harvest_asks_again(tmp_path):
    awkward = Awkward(enabled=False, failing_page=(0, 1), page_failures=3)
    with OParlFixture(papers=(6, 0), page_size=2, awkward=awkward) as fixture:
        url = f"{fixture.base}/system"
        first = harvest(url, tmp_path, max_file_mib=0.001)  # every file too large: nothing to read
        written = records(tmp_path)
        assert not first.complete and first.list_failures == 1
        failed = [r for r in written if r["status"] == "list_failed"]
        assert len(failed) == 1 and failed[0]["oparl"]["list_url"].endswith("papers?page=1") and "503" in failed[0]["error"]
        assert {r["status"] for r in written} == {"list_failed", "too_large"} and len(written) == 1 + 3  # page 0: papers 0 and 1, three files
        assert fixture.downloads == {}  # too large by the size listed: never asked for
        second = harvest(url, tmp_path, max_file_mib=0.001)
        assert second.complete and second.since is None  # the walk before was not complete
        assert second.files_listed == fixture.file_count() == 9 and second.files_unchanged == 3


def test_an_interrupted_harvest_resumes_without_fetching_again(tmp_path, monkeypatch):
    import kimextract.harvest as harvest_module

    with OParlFixture(papers=(5, 0), page_size=2, awkward=Awkward(enabled=False, page_failures=0)) as fixture:
        url = f"{fixture.base}/system"

        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt

        original = harvest_module._read_new_contents
        monkeypatch.setattr(harvest_module, "_read_new_contents", interrupted)
        with pytest.raises(KeyboardInterrupt):
            harvest(url, tmp_path)
        assert sum(fixture.downloads.values()) == fixture.file_count() and not (tmp_path / "records.jsonl").exists()
        monkeypatch.setattr(harvest_module, "_read_new_contents", original)
        resumed = harvest(url, tmp_path)
        assert sum(fixture.downloads.values()) == fixture.file_count()  # nothing downloaded again
        assert resumed.contents_read == fixture.file_count() == len(records(tmp_path))
        assert all(r["status"] == "ok" for r in records(tmp_path))


def test_rate_limit_and_retry_after(tmp_path):
    with OParlFixture(papers=(1, 0), awkward=Awkward(enabled=False, failing_page=(0, 0), page_failures=1)) as fixture:
        with Client(Politeness(rate=20, retries=2, backoff=0.01)) as client:
            started = time.monotonic()
            for _ in range(6):
                client.get_json(f"{fixture.base}/system")
            assert time.monotonic() - started >= 5 / 20 * 0.9
            page = client.get_json(f"{fixture.base}/body/0/papers")  # a 503 with Retry-After: 0, then the page
            assert page["data"] and client.counts.retries == 1


def test_command_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def run(*args):
        return subprocess.run([sys.executable, "-m", "kimextract", "harvest", *args], capture_output=True, text=True,
                              env=env, timeout=120, cwd=tmp_path)

    bad = run("ftp://example.org/oparl", "--out-dir", str(tmp_path / "a"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "http" in bad.stderr
    with OParlFixture(papers=(3, 0), awkward=Awkward(enabled=False, page_failures=0)) as fixture:
        wrong = run(f"{fixture.base}/nothing", "--out-dir", str(tmp_path / "b"))
        assert wrong.returncode == 2 and "OParl endpoint" in wrong.stderr and "Traceback" not in wrong.stderr
        good = run(f"{fixture.base}/body/0", "--out-dir", str(tmp_path / "c"), "-q", "-j", "1")
        assert good.returncode == 0, good.stderr
        assert "4 downloaded" in good.stderr and "records written: 4 (ok 4)" in good.stderr
