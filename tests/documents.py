"""PDFs made for tests: one with a text layer (written by hand), one of scanned pages (images)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont


def text_pdf(lines: list[str], *more_pages: list[str]) -> bytes:
    """A PDF whose text is real text (Helvetica), with a correct cross-reference table: a page
    of ``lines``, then one per list in ``more_pages``."""
    pages = [lines, *more_pages]
    font = 3 + 2 * len(pages)  # after the catalog, the page tree and each page's two objects
    kids = " ".join(f"{3 + 2 * n} 0 R" for n in range(len(pages)))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>",
    ]
    for n, page in enumerate(pages):
        shown = " ".join(f"({line}) Tj 0 -30 Td" for line in page)
        content = f"BT /F1 20 Tf 72 720 Td {shown} ET"
        objects += [
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * n} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>",
            f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        ]
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return pdf_of(objects)


def encrypted_pdf() -> bytes:
    """A PDF whose trailer names a standard security handler whose keys no password opens."""
    pdf = text_pdf(["Secret"])
    encrypt = (
        "<< /Filter /Standard /V 1 /R 2 /O <" + "ab" * 32 + "> /U <" + "cd" * 32 + "> /P -4 >>"
    )
    return pdf.replace(
        b"/Root 1 0 R >>", f"/Root 1 0 R /Encrypt {encrypt} /ID [<00> <00>] >>".encode()
    )


def bare_page_pdf(media_box: str) -> bytes:
    """A one-page PDF with nothing on its page but its MediaBox, e.g. ``"0 0 14400 1"``: the
    329-byte file that once made the server allocate 10 GiB."""
    return pdf_of(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] >>",
        ]
    )


def pdf_of(objects: list[str]) -> bytes:
    """A PDF of these objects (numbered from 1, the first the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def rendered_text(lines: list[str], size: tuple[int, int] = (900, 260)) -> Image.Image:
    """Black text on white, as a scanner would see a printed page."""
    canvas = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(canvas)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 40)
    except OSError:
        font = ImageFont.load_default(40)
    for row, line in enumerate(lines):
        draw.text((30, 30 + row * 75), line, fill="black", font=font)
    return canvas


def scanned_pdf(pages: list[list[str]]) -> bytes:
    """A PDF of page images only (no text layer), one page per list of lines."""
    images = [rendered_text(lines) for lines in pages]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=100)
    return out.getvalue()
