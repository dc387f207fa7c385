"""Indexing a folder of every type over real HTTP, and finding each file again with its "why"."""

from __future__ import annotations

import base64
import io
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from llmos.eval import vision as bundled
from llmos.storage.search_index import SearchIndex
from tests.conftest import llmos_serve
from tests.documents import encrypted_pdf, rendered_text, text_pdf
from tests.e2e.test_transcription import speak

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PHOTOS = Path(bundled.__file__).parent / "data" / "vision"
MEETING = "We discussed the invoice for the new office chairs on Monday."
TALK = "Welcome to the quarterly review. Sales grew in every region this year."
NOTES = "# Gardening notes\n\nWater the tomatoes every morning.\n\n## Roses\n\nPrune in March.\n"
PDF_PAGES = (["Annual report", "Overview of the year"], ["Appendix", "Harbour maintenance costs"])


def make_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("chelsea.jpg", "rocket.jpg", "coffee.jpg"):
        shutil.copy(PHOTOS / name, folder / name)
    rendered_text(["PARKING FOR", "BICYCLES ONLY"]).save(folder / "sign.png")
    (folder / "meeting.wav").write_bytes(speak(MEETING))
    _video(folder, TALK)
    (folder / "docs").mkdir()
    (folder / "docs" / "report.pdf").write_bytes(text_pdf(*PDF_PAGES))
    (folder / "docs" / "notes.md").write_text(NOTES)
    return folder


def _video(folder: Path, text: str) -> None:
    (folder / "speech.tmp").write_bytes(speak(text))
    ffmpeg = ["ffmpeg", "-y", "-loglevel", "error"]
    scene = ["-f", "lavfi", "-i", "color=c=navy:s=320x240"]
    codecs = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-f", "mp4"]
    subprocess.run(
        [*ffmpeg, *scene, "-i", "speech.tmp", *codecs, "talk.mp4"], cwd=folder, check=True
    )
    (folder / "speech.tmp").unlink()


def index(url: str, *paths: Path, timeout: float = 600) -> dict:
    """Start an index job and follow it to its end; the finished job."""
    started = httpx.post(f"{url}/v1/index", json={"paths": [str(p) for p in paths]}, timeout=30)
    assert started.status_code == 202, started.text
    job = started.json()
    deadline = time.monotonic() + timeout
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = httpx.get(f"{url}/v1/index/jobs/{job['id']}", timeout=30).json()
    return job


def search(url: str, **body) -> list[dict]:
    response = httpx.post(f"{url}/v1/search", json=body, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()["results"]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    root = tmp_path_factory.mktemp("media")
    folder = make_folder(root / "media")
    home = tmp_path_factory.mktemp("home")
    with llmos_serve(home, env={"LLMOS_INDEX_ROOTS": str(root)}) as (url, _process):
        job = index(url, folder)
        yield url, folder, job, home


def test_every_type_is_indexed_and_found_first_with_why(indexed):
    url, folder, job, _home = indexed
    assert job["state"] == "done" and job["errors"] == [], job
    assert job["files"] == job["indexed"] == 8, job
    assert httpx.get(f"{url}/v1/index").json()["items"] == {
        "image": 4, "audio": 1, "video": 1, "doc": 2,
    }  # fmt: skip

    def first(query: str, **filters) -> dict:
        return search(url, query=query, **filters)[0]

    cat = first("a cat")
    assert cat["path"] == str(folder / "chelsea.jpg") and cat["type"] == "image", cat
    sign = first("bicycles parking")
    assert sign["path"] == str(folder / "sign.png") and sign["why"]["kind"] == "ocr", sign
    assert len(sign["why"]["box"]) == 4
    meeting = first("where did we discuss the invoice")
    assert meeting["path"] == str(folder / "meeting.wav"), meeting
    assert meeting["why"]["kind"] == "transcript" and "invoice" in meeting["why"]["text"]
    assert 0 <= meeting["why"]["start"] < meeting["why"]["end"] <= 10
    talk = first("quarterly sales review")
    assert talk["path"] == str(folder / "talk.mp4") and talk["type"] == "video", talk
    assert talk["why"]["start"] is not None
    harbour = first("harbour maintenance")
    assert harbour["path"] == str(folder / "docs" / "report.pdf"), harbour
    assert harbour["why"]["page"] == 2
    notes = first("when to prune roses", type="doc")
    assert notes["path"] == str(folder / "docs" / "notes.md"), notes
    only_docs = search(url, query="a cat", type="doc")
    assert all(r["type"] == "doc" for r in only_docs)
    in_docs = search(url, query="invoice", folder=str(folder / "docs"))
    assert all(r["path"].startswith(str(folder / "docs")) for r in in_docs)


def test_an_image_query_finds_its_resized_copy_first(indexed):
    url, folder, _job, _home = indexed
    photo = Image.open(folder / "rocket.jpg").convert("RGB")
    small = photo.resize((photo.width // 3, photo.height // 3)).transpose(Image.FLIP_LEFT_RIGHT)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    uri = "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()
    results = search(url, image=uri, limit=3)
    assert results[0]["path"] == str(folder / "rocket.jpg"), results
    assert results[0]["type"] == "image"


def test_a_rerun_touches_only_what_changed_and_forgets_what_is_gone(indexed):
    url, folder, _job, _home = indexed
    assert index(url, folder)["unchanged"] == 8
    notes = folder / "docs" / "notes.md"
    notes.write_text(NOTES + "\n## Lavender\n\nCut back after flowering.\n")
    (folder / "coffee.jpg").unlink()
    again = index(url, folder)
    assert (again["indexed"], again["unchanged"], again["removed"]) == (1, 6, 1), again
    assert search(url, query="lavender flowering")[0]["path"] == str(notes)
    assert str(folder / "coffee.jpg") not in {r["path"] for r in search(url, query="coffee cup")}


def test_bad_files_are_reported_and_skipped(indexed, tmp_path):
    url, folder, _job, _home = indexed
    bad = folder / "bad"
    bad.mkdir()
    (bad / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    (bad / "locked.pdf").write_bytes(encrypted_pdf())
    os.mkfifo(bad / "pipe.txt")
    (bad / "fine.md").write_text("A perfectly readable note about zebras.")
    job = index(url, bad)
    assert job["state"] == "done" and job["indexed"] == 1, job
    errors = {Path(e["path"]).name: e["message"] for e in job["errors"]}
    assert set(errors) == {"broken.jpg", "locked.pdf", "pipe.txt"}, errors
    assert "password" in errors["locked.pdf"]
    assert "damaged" in errors["broken.jpg"] or "not an image" in errors["broken.jpg"]
    assert search(url, query="zebras")[0]["path"] == str(bad / "fine.md")


def test_paths_outside_the_roots_are_403_and_bad_requests_400(indexed):
    url, _folder, _job, _home = indexed
    outside = httpx.post(f"{url}/v1/index", json={"paths": ["/etc"]})
    assert outside.status_code == 403, outside.text
    assert "outside the folders" in outside.json()["error"]["message"]
    escape = httpx.post(f"{url}/v1/index", json={"paths": [f"{_folder}/../../../etc"]})
    assert escape.status_code == 403
    assert httpx.post(f"{url}/v1/search", json={}).status_code == 400
    assert httpx.post(f"{url}/v1/search", json={"query": "x", "limit": 0}).status_code == 400
    assert httpx.post(f"{url}/v1/search", json={"image": "nope"}).status_code == 400
    assert httpx.get(f"{url}/v1/index/jobs/unknown").status_code == 404


def test_an_empty_index_answers_no_results(tmp_path):
    (tmp_path / "server").mkdir()
    with llmos_serve(tmp_path / "server") as (url, _process):
        assert search(url, query="anything at all") == []
        assert httpx.get(f"{url}/v1/index").json()["items"] == {}
        refused = httpx.post(f"{url}/v1/index", json={"paths": [str(tmp_path)]})
        assert refused.status_code == 403
        assert "LLMOS_INDEX_ROOTS" in refused.json()["error"]["message"]


def test_an_ingest_killed_mid_run_leaves_an_index_that_a_rerun_completes(tmp_path):
    root = tmp_path / "media"
    folder = make_folder(root / "media")
    home = tmp_path / "home"
    home.mkdir()
    env = {"LLMOS_INDEX_ROOTS": str(root)}
    with llmos_serve(home, env=env) as (url, process):
        started = httpx.post(f"{url}/v1/index", json={"paths": [str(folder)]}).json()
        job = started
        while job["done"] < 3:  # some files committed, others not yet
            assert job["state"] == "running" or job["state"] == "queued", job
            time.sleep(0.1)
            job = httpx.get(f"{url}/v1/index/jobs/{started['id']}").json()
        process.send_signal(signal.SIGKILL)
        process.wait()
        _reopened = SearchIndex(home / "index.db", {"text": 384, "image": 1280})
        assert _reopened.integrity() == "ok"
        assert 3 <= sum(_reopened.count().values()) < 8
        _reopened.close()
    with llmos_serve(home, env=env) as (url, _process):
        rerun = index(url, folder)
        assert rerun["indexed"] + rerun["unchanged"] == 8 and rerun["errors"] == [], rerun
        assert rerun["unchanged"] >= 3
    reopened = SearchIndex(home / "index.db", {"text": 384, "image": 1280})
    assert reopened.integrity() == "ok"
    assert sum(reopened.count().values()) == 8
    reopened.close()
