"""PDF pages with real PDFium: the text layer when there is one, pixels when it is a scan."""

from __future__ import annotations

import pytest

from llmos.capabilities.vision.pdf import MAX_PAGES, is_pdf, page_count, page_numbers, read_page
from llmos.errors import InvalidRequest
from tests.documents import scanned_pdf, text_pdf


def test_page_numbers_follow_the_spec_in_order_without_repeats():
    assert page_numbers(None, 3) == [1, 2, 3]
    assert page_numbers("", 2) == [1, 2]
    assert page_numbers("2-3, 1,3", 4) == [2, 3, 1]


@pytest.mark.parametrize(
    ("spec", "count", "message"),
    [
        ("4", 3, "has pages 1-3"),
        ("0", 3, "has pages 1-3"),
        ("3-1", 3, "has pages 1-3"),
        ("one", 3, "must look like 1-3,7"),
        (None, MAX_PAGES + 1, f"up to {MAX_PAGES} per request"),
        (f"1-{MAX_PAGES + 1}", MAX_PAGES + 5, f"at most {MAX_PAGES}"),
        ("1-100000000", 100_000_000, f"more than {MAX_PAGES} pages"),  # not listed one by one
        (None, 0, "no pages"),
    ],
)
def test_bad_page_choices_say_what_is_wrong(spec, count, message):
    with pytest.raises(InvalidRequest, match=message):
        page_numbers(spec, count)


def test_a_page_with_a_text_layer_is_read_as_it_is():
    data = text_pdf(["Quarterly report", "Revenue rose by 12 percent."])
    assert is_pdf(data) and page_count(data, "report.pdf") == 1
    page = read_page(data, 1, "report.pdf")
    assert page.image is None
    assert page.text.splitlines() == ["Quarterly report", "Revenue rose by 12 percent."]


def test_a_scanned_page_is_rendered_for_ocr():
    data = scanned_pdf([["first page"], ["second page"]])
    assert page_count(data, "scan.pdf") == 2
    page = read_page(data, 2, "scan.pdf")
    assert page.number == 2 and page.text == ""
    height, width, channels = page.image.rgb.shape
    assert max(height, width) == 2000 and channels == 3
    assert page.image.rgb.min() < 50 < 200 < page.image.rgb.max()  # black text on white


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n this is not really a PDF", "not a PDF llmos can read"),
        (text_pdf(["cut short"])[:150], "not a PDF llmos can read"),
    ],
)
def test_a_damaged_pdf_is_a_clear_error(data, message):
    with pytest.raises(InvalidRequest, match=message):
        page_count(data, "'bad.pdf'")
