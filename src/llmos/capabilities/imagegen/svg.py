"""SVG in, safe SVG out, and a PNG of it: every drawing passes here before it is rendered.

Templates and icons are our own or vendored, but a sanitiser that sees every SVG keeps one rule
for all of them (and for any SVG a future backend produces): only drawing elements and
attributes, no scripts or event handlers, no reference outside the document, a bounded size
and element count. resvg renders the result with only the fonts named here (no scan of the
system's fonts on every call).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from llmos.errors import InvalidRequest, MissingExtra, install_extra

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
MAX_SVG_BYTES = 2_000_000
MAX_ELEMENTS = 20_000
MAX_SIDE = 2048  # pixels of a rendered picture
ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle", "ellipse",
    "line", "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "pattern", "marker",
}  # fmt: skip
_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)[^)]*\)", re.IGNORECASE)
FONTS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # Chinese, Japanese, Korean
]
FONT_FAMILY = "DejaVu Sans"


def sanitise(svg: str, *, width: int | None = None, height: int | None = None) -> str:
    """``svg`` with everything but drawing removed (and drawn at ``width`` x ``height`` when
    given); a 400 when it is too big or not SVG."""
    if len(svg.encode()) > MAX_SVG_BYTES:
        raise InvalidRequest(f"The SVG is over {MAX_SVG_BYTES // 1_000_000} MB.")
    if "<!ENTITY" in svg or "<!DOCTYPE" in svg:
        raise InvalidRequest("SVG with a DOCTYPE or entities is not accepted.")
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as error:
        raise InvalidRequest(f"The SVG does not parse: {error}.") from None
    if _local(root.tag) != "svg":
        raise InvalidRequest("The document is not an SVG: its root is not <svg>.")
    count = 0
    for parent in list(root.iter()):
        for child in list(parent):
            count += 1
            if count > MAX_ELEMENTS:
                raise InvalidRequest(f"The SVG has more than {MAX_ELEMENTS} elements.")
            if not isinstance(child.tag, str) or _local(child.tag) not in ELEMENTS:
                parent.remove(child)
    for element in root.iter():
        _clean_attributes(element)
    _bound_size(root)
    if width is not None and height is not None:
        root.attrib.update(width=str(width), height=str(height))
        root.attrib.setdefault("viewBox", f"0 0 {width} {height}")
    ET.register_namespace("", SVG)
    ET.register_namespace("xlink", XLINK)
    return ET.tostring(root, encoding="unicode")


def render(svg: str, *, width: int, height: int) -> bytes:
    """A PNG of ``svg`` (sanitised first) at ``width`` x ``height`` pixels."""
    return draw(svg, width=width, height=height)[1]


def draw(svg: str, *, width: int, height: int) -> tuple[str, bytes]:
    """``svg`` sanitised for ``width`` x ``height``, and the PNG it renders to."""
    try:
        import resvg_py
    except ImportError as error:
        raise MissingExtra("resvg-py", install=install_extra("imagegen")) from error
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise InvalidRequest(f"A picture's sides are 1-{MAX_SIDE} pixels.")
    clean = sanitise(svg, width=width, height=height)
    png = resvg_py.svg_to_bytes(
        svg_string=clean,
        width=width,
        height=height,
        skip_system_fonts=True,
        font_files=[str(f) for f in FONTS if f.is_file()],
        font_family=FONT_FAMILY,
        sans_serif_family=FONT_FAMILY,
    )
    return clean, bytes(png)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _clean_attributes(element: ET.Element) -> None:
    for name in list(element.attrib):
        value = element.attrib[name]
        local = _local(name).lower()
        outside = local == "href" and not value.startswith("#")  # nothing outside the document
        if local.startswith("on") or outside:
            del element.attrib[name]
        elif _URL.search(value):  # fill="url(http://…)" and the like
            element.attrib[name] = _URL.sub("none", value)


def _bound_size(root: ET.Element) -> None:
    """Huge width/height attributes would make a renderer allocate; keep them in bounds."""
    for side in ("width", "height"):
        value = root.attrib.get(side)
        if value is None:
            continue
        try:
            size = float(value.strip().removesuffix("px"))
        except ValueError:
            size = 0.0  # percentages, units: the viewBox decides
        if not 0 < size <= MAX_SIDE * 4:
            root.attrib[side] = "512"
