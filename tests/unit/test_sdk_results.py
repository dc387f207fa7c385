"""The SDK's typed results read the API's JSON as it is sent: nested parts typed, fields the SDK
does not model left out, and asdict giving the modelled JSON back."""

from __future__ import annotations

from dataclasses import asdict

from llmos.sdk.results import Detections, Hit, IndexJob, TextRead, Translation, parse


def test_results_are_typed_from_the_apis_json():
    read = parse(TextRead, {
        "object": "image.ocr", "text": "EXIT", "page_count": 2,
        "lines": [{"text": "EXIT", "score": 0.98, "box": {"x": 1, "y": 2, "width": 30,
                                                          "height": 9}, "page": 1}],
        "pages": [{"page": 1, "source": "ocr", "text": "EXIT"}],
    })  # fmt: skip
    assert read.lines[0].box.width == 30 and read.pages[0].source == "ocr"
    found = parse(Detections, {"object": "image.detections", "width": 64, "height": 48,
                               "objects": [{"label": "cat", "score": 0.9, "colours": ["grey"],
                                            "box": {"x": 0, "y": 0, "width": 9, "height": 9}}],
                               "counts": {"cat": 1}})  # fmt: skip
    assert found.objects[0].colours == ["grey"] and found.annotated_png is None
    [hit] = parse(list[Hit], [{"path": "/a.pdf", "type": "doc", "score": 0.5,
                               "why": {"kind": "text", "text": "due", "page": 2}}])  # fmt: skip
    assert hit.why.page == 2 and hit.why.start is None
    job = parse(IndexJob, {"id": "j", "object": "index.job", "state": "done", "paths": ["/p"],
                           "files": 2, "done": 2, "indexed": 1, "unchanged": 1, "removed": 0,
                           "errors": [{"path": "/p/x", "message": "damaged"}],
                           "skipped": [{"what": "no OCR", "files": 1}], "current": None,
                           "created_at": 1.0, "finished_at": 2.0})  # fmt: skip
    assert job.errors[0].message == "damaged" and job.skipped[0].files == 1
    sent = {"text": ["Hallo"], "source": "en", "target": "de", "engine": "opus-mt",
            "quality": "good", "cached_sentences": 0}  # fmt: skip
    done = parse(Translation, sent)
    assert asdict(done)["text"] == ["Hallo"]
