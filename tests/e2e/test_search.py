"""Indexing a folder of every type over real HTTP, and finding each file again with its "why"."""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
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
    assert only_docs and all(r["type"] == "doc" for r in only_docs)
    in_docs = search(url, query="invoice", folder=str(folder / "docs"))
    assert in_docs and all(r["path"].startswith(str(folder / "docs")) for r in in_docs)


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


def test_indexed_files_have_previews_and_content_and_no_other_path_does(indexed):
    url, folder, _job, _home = indexed

    def get(route: str, **params) -> httpx.Response:
        return httpx.get(f"{url}/v1/index/{route}", params=params, timeout=60)

    photo = get("preview", path=str((folder / "chelsea.jpg").resolve()), side=200)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(photo.content)).size) == 200
    frame = get("preview", path=str((folder / "talk.mp4").resolve()), at=1.5)
    assert frame.status_code == 200
    assert Image.open(io.BytesIO(frame.content)).size == (320, 240)
    sound = str((folder / "meeting.wav").resolve())
    assert get("preview", path=sound).status_code == 400
    whole = get("content", path=sound)
    assert whole.status_code == 200
    assert whole.headers["content-type"] in ("audio/x-wav", "audio/wav")
    assert whole.headers["content-security-policy"].startswith("sandbox")
    assert whole.content == (folder / "meeting.wav").read_bytes()
    notes = get("content", path=str((folder / "docs" / "notes.md").resolve()))
    assert notes.headers["content-type"] == "text/plain; charset=utf-8"
    assert notes.headers["x-content-type-options"] == "nosniff"
    assert notes.text == NOTES
    part = httpx.get(
        f"{url}/v1/index/content", params={"path": sound}, headers={"Range": "bytes=0-3"}
    )
    assert part.status_code == 206 and part.content == b"RIFF"
    for route in ("preview", "content"):
        for path in ("/etc/passwd", str(folder / "docs" / ".." / "chelsea.jpg")):
            refused = get(route, path=path)
            assert refused.status_code == 404, (route, path, refused.text)
            assert "not in the index" in refused.json()["error"]["message"]
    too_big = get("preview", path=str((folder / "chelsea.jpg").resolve()), side=5000)
    assert too_big.status_code == 400


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
    (bad / "na\xefve.md".encode("latin-1").decode("utf-8", "surrogateescape")).write_text("x")
    ffmpeg = ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i"]
    subprocess.run([*ffmpeg, "color=c=red:s=160x120:d=1", str(bad / "silent.mp4")], check=True)
    unreadable = {"broken.jpg", "locked.pdf", "pipe.txt", "na\\xefve.md"}
    if os.geteuid() != 0:  # root reads any file whatever its mode
        (bad / "secret.md").write_text("no")
        (bad / "secret.md").chmod(0)
        unreadable.add("secret.md")
    job = index(url, bad)
    assert job["state"] == "done" and job["indexed"] == 2, job  # fine.md, silent.mp4
    errors = {Path(e["path"]).name: e["message"] for e in job["errors"]}
    assert set(errors) == unreadable, errors
    assert "password" in errors["locked.pdf"]
    assert "damaged" in errors["broken.jpg"] or "not an image" in errors["broken.jpg"]
    assert "not valid UTF-8" in errors["na\\xefve.md"]
    assert [s["what"] for s in job["skipped"]] == [
        "transcript: The file has no audio track, so there is nothing to hear."
    ]
    assert search(url, query="zebras")[0]["path"] == str(bad / "fine.md")
    assert search(url, query="a red picture", type="video")[0]["path"] == str(bad / "silent.mp4")
    shutil.rmtree(bad)  # a folder that is gone takes its files out of the index
    assert index(url, bad)["removed"] == 2
    assert str(bad / "fine.md") not in {r["path"] for r in search(url, query="zebras")}


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


def test_the_cli_indexes_and_searches(indexed):
    url, folder, _job, _home = indexed
    run = [sys.executable, "-m", "llmos"]
    indexed_again = subprocess.run(
        [*run, "index", str(folder), "--url", url], capture_output=True, text=True, timeout=300
    )
    assert indexed_again.returncode == 0, indexed_again.stderr
    assert "done:" in indexed_again.stdout and "unchanged" in indexed_again.stdout
    found = subprocess.run(
        [*run, "search", "bicycles parking", "--url", url, "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["path"] == str(folder / "sign.png")
    shown = subprocess.run(
        [*run, "search", "invoice", "--url", url, "--type", "audio"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "300"},
    )  # fmt: skip
    assert "meeting.wav" in shown.stdout and "0:0" in shown.stdout, shown.stdout


def test_images_get_image_embeddings_from_v1_embeddings(indexed):
    url, folder, _job, _home = indexed
    uri = (
        "data:image/jpeg;base64," + base64.b64encode((folder / "rocket.jpg").read_bytes()).decode()
    )
    body = httpx.post(f"{url}/v1/embeddings", json={"input": [uri, uri]}, timeout=120).json()
    assert body["model"] == "efficientnet-lite0" and len(body["data"]) == 2
    vector = body["data"][0]["embedding"]
    assert len(vector) == 1280 and abs(sum(x * x for x in vector) - 1) < 1e-3
    mixed = httpx.post(f"{url}/v1/embeddings", json={"input": [uri, "a rocket"]}, timeout=30)
    assert mixed.status_code == 400 and "mixes images" in mixed.json()["error"]["message"]


def test_chat_grounds_its_answer_in_the_index_and_cites_it(indexed):
    url, folder, _job, _home = indexed
    grounding = httpx.post(
        f"{url}/v1/search/ground", json={"question": "When should I prune the roses?"}
    ).json()
    first = grounding["citations"][0]
    assert first["path"] == str(folder / "docs" / "notes.md") and "March" in first["text"]
    assert "[1]" in grounding["system"] and "Prune in March" in grounding["system"]
    answered = subprocess.run(
        [sys.executable, "-m", "llmos", "chat", "--ground", "When should I prune the roses?",
         "--url", url, "--temperature", "0"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert answered.returncode == 0, answered.stderr
    assert "March" in answered.stdout, answered.stdout
    assert f"[1] {folder / 'docs' / 'notes.md'}" in answered.stdout, answered.stdout


def test_index_watch_follows_new_files(indexed):
    url, folder, _job, _home = indexed
    watched = folder / "watched"
    watched.mkdir()
    command = [sys.executable, "-m", "llmos", "index", str(watched), "--watch", "--url", url]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as watcher:
        try:
            for line in watcher.stdout:  # the first job is done; it watches now
                if line.startswith("watching"):
                    break
            deadline = time.monotonic() + 120
            for attempt in itertools.count():  # written again until seen: the watch may
                (watched / "later.md").write_text(f"A yellow submarine, version {attempt}.")
                found = search(url, query="submarine")  # start after the first write
                if any(r["path"] == str(watched / "later.md") for r in found):
                    break
                assert time.monotonic() < deadline, "the new file was not indexed"
                time.sleep(2)
        finally:
            watcher.send_signal(signal.SIGINT)
            watcher.wait(timeout=30)
    assert watcher.returncode == 0
