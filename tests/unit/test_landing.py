import os
import stat

import pytest

from ingestion.landing import FORMER_NAMES, LandingIntegrityError, LandingZone, sha256_hex


def test_same_bytes_stored_once_but_every_fetch_recorded(tmp_path):
    zone = LandingZone(tmp_path)
    first = zone.land("fx", "fred/DEXCHUS", b"observation_date,DEXCHUS\n", url="http://x/1", suffix=".csv")
    second = zone.land("fx", "fred/DEXCHUS", b"observation_date,DEXCHUS\n", url="http://x/2", suffix=".csv")
    assert first.stored and not second.stored
    assert first.path == second.path
    files = [p for p in (tmp_path / "fx").rglob("*") if p.is_file()]
    assert len(files) == 1
    assert len(list(zone.manifest("fx"))) == 2
    assert zone.latest("fx")["fred/DEXCHUS"].url == "http://x/2"


def test_landed_file_is_read_only_and_named_by_its_hash(tmp_path):
    zone = LandingZone(tmp_path)
    body = b'{"a": 1}'
    entry = zone.land("sec", "companyfacts/CIK0000000001", body, url="u")
    path = zone.path_of(entry)
    assert path.name == sha256_hex(body) + ".json"
    assert not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert zone.read(entry) == body


def test_file_changed_after_manifest_is_detected(tmp_path):
    zone = LandingZone(tmp_path)
    entry = zone.land("prices", "eod/MSFT.US", b"Date,Open\n", url="u", suffix=".csv")
    path = zone.path_of(entry)
    os.chmod(path, 0o644)
    path.write_bytes(b"Date,Open\n2024-01-02,1\n")
    with pytest.raises(LandingIntegrityError, match="changed on disk") as err:
        zone.read(entry)
    assert str(path) in str(err.value)
    assert path.read_bytes() == b"Date,Open\n2024-01-02,1\n"  # left for inspection, not deleted


def test_latest_skips_error_answers_and_follows_304(tmp_path):
    zone = LandingZone(tmp_path)
    good = zone.land("sec", "k", b"{}", url="u", etag='"v1"')
    zone.land("sec", "k", b"<html>503</html>", url="u", status=503, suffix=".html")
    assert zone.latest("sec")["k"].sha256 == good.sha256
    not_modified = zone.record_not_modified(good, url="u")
    assert not_modified.status == 304 and not_modified.sha256 == good.sha256
    assert zone.latest("sec")["k"].status == 304
    assert len(zone.latest("sec", status_ok_only=False)) == 1


def test_temp_copies_of_killed_writes_are_removed_and_landed_files_kept(tmp_path):
    zone = LandingZone(tmp_path)
    kept = zone.land("fx", "DEXHKUS", b"a,b\n1,2\n", url="u", suffix=".csv")
    # What a writer killed after writing its temp copy and before naming it leaves behind.
    orphan = tmp_path / "fx" / kept.sha256[:2] / ".landing-k1lled"
    orphan.write_bytes(b"a,b\n1,2\n")
    other = tmp_path / "prices" / "ab" / ".landing-x"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"partial")

    assert zone.remove_orphaned_temp_files() == sorted([orphan, other])
    assert not orphan.exists() and not other.exists()
    assert zone.read(kept) == b"a,b\n1,2\n"
    assert zone.remove_orphaned_temp_files() == []


def test_a_streamed_body_lands_like_the_same_bytes_given_whole(tmp_path):
    zone = LandingZone(tmp_path)
    body = os.urandom(3 * (1 << 20) + 17)  # a few chunks and a tail
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    streamed = zone.land_stream("sec", "bulk/companyfacts.zip", chunks, url="u", suffix=".zip")
    assert streamed.stored and streamed.bytes == len(body) and streamed.sha256 == sha256_hex(body)
    assert zone.path_of(streamed).read_bytes() == body
    assert zone.verify(streamed) == zone.path_of(streamed)
    again = zone.land("sec", "bulk/companyfacts.zip", body, url="u2", suffix=".zip")
    assert not again.stored and again.path == streamed.path
    source = tmp_path / "local.zip"
    source.write_bytes(body)
    from_file = zone.land_file("sec", "bulk/companyfacts.zip", source, url="sample://x", suffix=".zip")
    assert from_file.sha256 == streamed.sha256 and not from_file.stored
    assert len(list(zone.manifest("sec"))) == 3
    assert not list((tmp_path / "sec").rglob(".landing-*"))  # no temp file left behind


def test_a_stream_that_breaks_off_lands_nothing(tmp_path):
    zone = LandingZone(tmp_path)

    def broken():
        yield b"PK\x03\x04" + b"x" * 1000
        raise ConnectionError("peer closed the connection")

    with pytest.raises(ConnectionError):
        zone.land_stream("sec", "bulk/companyfacts.zip", broken(), url="u", suffix=".zip")
    assert list(zone.manifest("sec")) == []
    assert [p for p in (tmp_path / "sec").rglob("*") if p.is_file()] == []


def test_verify_streams_and_names_a_changed_file(tmp_path):
    zone = LandingZone(tmp_path)
    entry = zone.land_stream("sec", "bulk/submissions.zip", [b"abc", b"def"], url="u", suffix=".zip")
    path = zone.path_of(entry)
    os.chmod(path, 0o644)
    path.write_bytes(b"abcdeX")
    with pytest.raises(LandingIntegrityError, match="changed on disk"):
        zone.verify(entry)


def test_a_renamed_source_reads_what_its_former_folder_landed(tmp_path):
    """SEC landed in filings/ until December 2026: the sec source reads that history, older lines first,
    and never writes the old folder or its manifest again."""
    assert FORMER_NAMES["sec"] == ("filings",)
    zone = LandingZone(tmp_path)
    old = zone.land("filings", "companyfacts/CIK0000000001", b'{"v":1}', url="u", etag='"v1"')
    zone.land("filings", "companyfacts/CIK0000000002", b'{"v":2}', url="u")
    old_manifest = (tmp_path / "_manifest" / "filings.jsonl").read_bytes()

    latest = zone.latest("sec")
    assert sorted(latest) == ["companyfacts/CIK0000000001", "companyfacts/CIK0000000002"]
    seen = latest["companyfacts/CIK0000000001"]
    assert (seen.source, seen.path, seen.sha256) == ("sec", old.path, old.sha256)
    assert old.path.startswith("filings/") and zone.read(seen) == b'{"v":1}'

    # a 304 for the old document and a new version of the other land under the new name
    again = zone.record_not_modified(seen, url="u2")
    newer = zone.land("sec", "companyfacts/CIK0000000002", b'{"v":3}', url="u")
    assert newer.path.startswith("sec/") and again.path == old.path
    latest = zone.latest("sec")
    assert latest["companyfacts/CIK0000000001"].status == 304
    assert zone.read(latest["companyfacts/CIK0000000002"]) == b'{"v":3}'
    assert [e.source for e in zone.manifest("sec")] == ["sec"] * 4
    assert len((tmp_path / "_manifest" / "sec.jsonl").read_bytes().splitlines()) == 2
    assert (tmp_path / "_manifest" / "filings.jsonl").read_bytes() == old_manifest
    # the old name itself reads only its own lines, as they were written
    assert [e.source for e in zone.manifest("filings")] == ["filings", "filings"]
