"""How indexed files are served: pages and SVGs of the user's as text, never run on llmos's
origin; media and PDFs shown; anything else downloaded."""

from __future__ import annotations

import pytest

from llmos.api.routes.index_media import _served_as


@pytest.mark.parametrize(
    ("name", "served"),
    [
        ("page.html", ("text/plain; charset=utf-8", "inline")),
        ("page.htm", ("text/plain; charset=utf-8", "inline")),
        ("drawing.svg", ("text/plain; charset=utf-8", "inline")),
        ("feed.xml", ("text/plain; charset=utf-8", "inline")),
        ("page.xhtml", ("text/plain; charset=utf-8", "inline")),
        ("notes.md", ("text/plain; charset=utf-8", "inline")),
        ("photo.jpg", ("image/jpeg", "inline")),
        ("talk.mp4", ("video/mp4", "inline")),
        ("report.pdf", ("application/pdf", "inline")),
        ("letter.docx", ("application/octet-stream", "attachment")),
        ("no-suffix", ("application/octet-stream", "attachment")),
    ],
)
def test_each_kind_of_file_is_served_safely(name, served):
    assert _served_as(f"/media/{name}") == served
