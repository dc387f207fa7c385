"""Reading PDFs over real HTTP: text layers as they are, scanned pages through real OCR."""

from __future__ import annotations

import io
import subprocess
import sys

import httpx
import pytest

from tests.documents import rendered_text, scanned_pdf, text_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PAGE_1 = ["Invoice 4521", "Total due: $1,234.56"]
PAGE_2 = ["Thank you for", "your order."]


def ocr(url: str, data: bytes, name: str = "scan.pdf", **form) -> httpx.Response:
    return httpx.post(f"{url}/v1/images/ocr", files={"file": (name, data)}, data=form, timeout=180)


def test_scanned_pages_are_read_by_ocr_page_by_page(llmos_server):
    read = ocr(llmos_server, scanned_pdf([PAGE_1, PAGE_2]))
    assert read.status_code == 200, read.text
    body = read.json()
    assert [(p["page"], p["source"]) for p in body["pages"]] == [(1, "ocr"), (2, "ocr")]
    assert [p["text"].splitlines() for p in body["pages"]] == [PAGE_1, PAGE_2]
    assert body["text"] == "\n".join(PAGE_1) + "\n\n" + "\n".join(PAGE_2)
    assert [line["page"] for line in body["lines"]] == [1, 1, 2, 2]
    only_second = ocr(llmos_server, scanned_pdf([PAGE_1, PAGE_2]), pages="2").json()
    assert [p["page"] for p in only_second["pages"]] == [2]


def test_a_text_layer_is_used_without_ocr(llmos_server):
    body = ocr(llmos_server, text_pdf(["Minutes of the meeting", "Present: all members."])).json()
    assert body["pages"] == [
        {"page": 1, "source": "text layer", "text": "Minutes of the meeting\nPresent: all members."}
    ]
    assert body["lines"] == []


def test_bad_pdf_requests_are_400s_that_say_why(llmos_server):
    two_pages = scanned_pdf([PAGE_1, PAGE_2])
    out_of_range = ocr(llmos_server, two_pages, pages="3")
    assert out_of_range.status_code == 400
    assert "has pages 1-2" in out_of_range.json()["error"]["message"]
    damaged = ocr(llmos_server, b"%PDF-1.7\nnot really", "broken.pdf")
    assert damaged.status_code == 400
    assert "'broken.pdf' is not a PDF llmos can read" in damaged.json()["error"]["message"]
    png = ocr(llmos_server, _png(rendered_text(PAGE_1)), "page.png", pages="1")
    assert png.status_code == 400 and "'pages' is for PDFs" in png.json()["error"]["message"]
    assert ocr(llmos_server, two_pages, pages="1").status_code == 200  # still serving


def test_llmos_ocr_reads_a_pdf(llmos_server, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_pdf([PAGE_1, PAGE_2]))
    done = subprocess.run(
        [sys.executable, "-m", "llmos", "ocr", str(scan), "--pages", "1", "--url", llmos_server],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == PAGE_1


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_pdf_sent_again_is_not_read_again(llmos_server):
    document = scanned_pdf([["A page read once", "and remembered"]])
    first = ocr(llmos_server, document).json()
    calls = _ocr_calls(llmos_server)
    assert calls >= 1
    again = ocr(llmos_server, document).json()
    assert again == first
    assert _ocr_calls(llmos_server) == calls  # no OCR model call the second time


def _ocr_calls(url: str) -> float:
    metrics = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("llmos_requests_total{") and 'capability="ocr"' in line
    )
