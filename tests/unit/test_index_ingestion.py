"""The index's pure parts: allowed paths, type detection, documents, spans, fusion, ConSE."""

from __future__ import annotations

import io
import os
import subprocess

import numpy as np
import pytest
from PIL import Image

from llmos.capabilities.base import Usage
from llmos.capabilities.transcribe.types import Segment, Transcription
from llmos.errors import Forbidden, InvalidRequest
from llmos.fusion.index import documents, sources
from llmos.fusion.index.conse import class_descriptions, image_vector
from llmos.fusion.index.derive import transcript_pieces
from llmos.fusion.index.ground import Citation, Grounding
from llmos.fusion.index.keyframes import keyframes
from llmos.fusion.index.search import fuse, merged
from llmos.storage.search_index import Hit, Piece


def test_only_paths_under_the_roots_are_allowed_after_resolving_links(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir(), outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (root / "link.txt").symlink_to(outside / "secret.txt")
    assert sources.allowed(root / "a" / ".." / "b.txt", [root]) == root / "b.txt"
    with pytest.raises(Forbidden, match="outside the folders"):
        sources.allowed(root / "link.txt", [root])
    with pytest.raises(Forbidden, match="outside the folders"):
        sources.allowed(f"{root}/../outside", [root])
    with pytest.raises(Forbidden, match="LLMOS_INDEX_ROOTS"):
        sources.allowed(root, [])
    with pytest.raises(InvalidRequest, match="not a usable path"):
        sources.allowed("bad\x00path", [root])


def test_types_come_from_content_and_text_from_its_suffix(tmp_path):
    png = tmp_path / "picture.txt"  # a PNG under a text name is an image
    Image.new("RGB", (8, 8)).save(png, "PNG")
    assert sources.detect(png).type == "image"
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\nSome text.")
    assert (sources.detect(notes).type, sources.detect(notes).format) == ("doc", "markdown")
    binary = tmp_path / "data.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    assert sources.detect(binary) is None
    (tmp_path / "program.py").write_text("print(1)")
    assert sources.detect(tmp_path / "program.py") is None
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(InvalidRequest, match="not a regular file"):
        sources.detect(tmp_path / "pipe.txt")


def test_a_walk_leaves_out_hidden_files_and_folders(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / ".hidden.md").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("x")
    (tmp_path / "a.md").write_text("x")
    assert list(sources.walk(tmp_path)) == [tmp_path / "a.md", tmp_path / "sub" / "b.md"]


def test_word_and_html_documents_become_text_and_overlapping_chunks():
    import docx

    document = docx.Document()
    document.add_paragraph("Quarterly figures for the harbour.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Cranes", "12"
    out = io.BytesIO()
    document.save(out)
    text = documents.read_text(out.getvalue(), "docx", "report.docx")
    assert "Quarterly figures for the harbour." in text and "Cranes | 12" in text
    html = b"<html><script>var x = 1;</script><body><h1>Menu</h1><p>Soup of the day</p></body>"
    assert documents.read_text(html, "html", "menu.html").split() == [
        "Menu",
        "Soup",
        "of",
        "the",
        "day",
    ]
    with pytest.raises(InvalidRequest, match="not a Word document"):
        documents.read_text(b"PK\x03\x04 not really", "docx", "broken.docx")
    long = " ".join(f"Sentence number {i} is here." for i in range(200))
    cut = documents.chunks(long, "text", page=3)
    assert len(cut) > 3 and all(len(c.text) <= 800 and c.page == 3 for c in cut)
    first_words = set(cut[0].text.split()[-6:])
    assert first_words & set(cut[1].text.split()[:30]), "chunks overlap"


def test_transcript_segments_are_joined_into_spans_of_at_most_30_seconds():
    segments = tuple(Segment(i, i * 10.0, i * 10.0 + 9, f"part {i}") for i in range(7))
    heard = Transcription("", "en", 70.0, segments, Usage())
    pieces = transcript_pieces(heard, "transcript")
    assert [(p.start, p.end) for p in pieces] == [(0.0, 29.0), (30.0, 59.0), (60.0, 69.0)]
    assert pieces[0].text == "part 0 part 1 part 2"


def _hit(item: int, text: str) -> Hit:
    return Hit(item, f"/f{item}", "doc", Piece("text", text), 1.0)


def test_fusion_ranks_files_by_all_lists_and_keeps_the_best_ranked_piece():
    keywords = [_hit(1, "k1"), _hit(2, "k2")]
    vectors = [_hit(2, "v2"), _hit(3, "v3"), _hit(1, "v1")]
    results = fuse([keywords, vectors], limit=2)
    assert [r.path for r in results] == ["/f2", "/f1"]  # 2 is 2nd and 1st; 1 is 1st and 3rd
    assert results[0].why.text == "v2" and results[1].why.text == "k1"
    assert fuse([], limit=5) == []
    chunks = [_hit(1, "c1"), _hit(1, "c2"), _hit(1, "c3"), _hit(2, "only")]
    assert [r.path for r in fuse([chunks, [_hit(2, "k")]], limit=2)] == ["/f2", "/f1"]


def test_conse_weights_the_top_classes_vectors_by_probability():
    descriptions = class_descriptions()
    assert len(descriptions) == 1000 and descriptions[281].startswith("tabby, ")
    classes = np.eye(1000, 384, dtype=np.float32)
    probs = np.zeros(1000, dtype=np.float32)
    probs[[3, 7]] = [0.6, 0.2]
    vector = image_vector(probs, classes)
    assert abs(np.linalg.norm(vector) - 1) < 1e-5
    assert vector[3] == pytest.approx(0.6 / np.hypot(0.6, 0.2)) and vector[7] > 0


def test_a_grounding_numbers_its_sources_with_pages_and_times():
    grounding = Grounding(
        [
            Citation(1, "/docs/report.pdf", "doc", "Harbour costs", page=2),
            Citation(2, "/audio/meeting.wav", "audio", "the invoice", start=63.2, end=71.9),
        ]
    )
    message = grounding.system_message()
    assert "[1] /docs/report.pdf, page 2\nHarbour costs" in message
    assert "[2] /audio/meeting.wav, 1:03-1:12\nthe invoice" in message
    assert "do not guess" in Grounding([]).system_message()


def test_keyframes_are_taken_at_scene_changes(tmp_path):
    ffmpeg = ["ffmpeg", "-y", "-loglevel", "error"]
    scenes = ["-f", "lavfi", "-i", "color=c=black:s=160x120:d=2", "-f", "lavfi", "-i",
              "color=c=white:s=160x120:d=2"]  # fmt: skip
    joined = ["-filter_complex", "[0][1]concat=n=2:v=1", "-g", "25", "-pix_fmt", "yuv420p"]
    subprocess.run([*ffmpeg, *scenes, *joined, str(tmp_path / "cut.mp4")], check=True)
    found = keyframes(tmp_path / "cut.mp4", "cut.mp4")
    assert [round(k.seconds) for k in found] == [0, 2]
    assert found[0].rgb.mean() < 30 and found[1].rgb.mean() > 220
    (tmp_path / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(500))
    with pytest.raises(InvalidRequest):
        keyframes(tmp_path / "broken.mp4", "broken.mp4")


def test_vector_lists_of_two_spaces_merge_by_standardised_cosine():
    def hits(item0: int, scores: list[float]) -> list[Hit]:
        return [
            Hit(item0 + i, f"/f{item0 + i}", "image", Piece("caption", ""), s)
            for i, s in enumerate(scores)
        ]

    text, conse = hits(1, [0.9, 0.85, 0.8]), hits(10, [0.3, 0.1, 0.05])
    (one,) = merged([text, conse], "zscore")
    assert [hit.item_id for hit in one][:2] == [10, 1]  # each list's best is far above its mean
    assert merged([text, conse], "separate") == [text, conse]
