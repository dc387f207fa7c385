"""The image composer's drawing, without a model: charts, clocks, scenes, the SVG sanitiser."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from llmos.capabilities.imagegen import templates
from llmos.capabilities.imagegen.icons import countries_in, flags, library
from llmos.capabilities.imagegen.requests import (
    background_of,
    clock_time,
    events_in,
    flow_steps,
    kind_of,
    month_of,
    numbers_in,
)
from llmos.capabilities.imagegen.scene import Scene, SceneObject, compose
from llmos.capabilities.imagegen.svg import render, sanitise
from llmos.errors import InvalidRequest
from llmos.fusion.imagegen import _thing

SIZE = 400


def pixels(svg: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(render(svg, width=SIZE, height=SIZE))).convert("RGB"))


def test_bars_are_as_high_as_their_numbers():
    values = [100, 150, 200, 250]
    image = pixels(templates.bar_chart(["Q1", "Q2", "Q3", "Q4"], values, "Sales", SIZE))
    left, _top, right, _bottom = templates.plot_area(SIZE)
    slot = (right - left) / len(values)
    heights = []
    for i, colour in enumerate(templates.PALETTE[: len(values)]):
        x = int(left + slot * i + slot * 0.5)
        rgb = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])
        column = np.abs(image[:, x, :].astype(int) - rgb).sum(axis=1) < 40
        heights.append(column.sum())
    ratios = [h / heights[-1] for h in heights]
    assert ratios == pytest.approx([v / values[-1] for v in values], abs=0.02), heights


def test_a_clock_at_three_points_its_hands_at_twelve_and_three():
    image = pixels(templates.clock(3, 0, SIZE)).mean(axis=2)
    c, r = SIZE / 2, SIZE * 0.42

    def dark(dx: float, dy: float) -> bool:
        return image[int(c + dy * r), int(c + dx * r)] < 120

    assert dark(0.35, 0) and dark(0, -0.6)  # hour hand to 3, minute hand to 12
    assert not dark(-0.35, 0) and not dark(0, 0.35)  # nothing towards 9 or 6


def test_three_apples_stand_on_a_table_and_the_picture_is_not_flat():
    scene = Scene("room", (SceneObject("table"), SceneObject("apple", count=3, on="table")))
    composed = compose(scene, library(), SIZE)
    apples = [p for p in composed.placed if p[0] == "red-apple"]
    assert len(apples) == 3 and composed.drawn == ("table", "3 apple on the table")
    assert len({y for _, _, y, _ in apples}) == 1  # side by side, on one level
    assert pixels(composed.svg).std() > 20


def test_what_no_icon_shows_is_reported_not_drawn():
    scene = Scene("grass", (SceneObject("dog", count=2), SceneObject("quasar"),
                            SceneObject("boat", colour="purple")))  # fmt: skip
    composed = compose(scene, library(), SIZE)
    assert composed.drawn == ("2 dog", "purple boat")
    assert composed.not_drawn == (
        "quasar (no icon shows it)",
        "the colour purple of the boat (the icon is as it is)",
    )


def test_the_sun_is_yellow_and_goes_in_the_sky():
    composed = compose(Scene("sea", (SceneObject("sun", colour="yellow"),)), library(), SIZE)
    assert composed.not_drawn == () and composed.placed[0][2] < SIZE * 0.55 * 0.6


def test_malicious_svg_is_neutralised():
    evil = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="1e9" height="1000000000" onload="alert(1)"><script>alert(1)</script>'
        '<image href="http://evil.example/x.png"/><foreignObject><p>hi</p></foreignObject>'
        '<rect width="10" height="10" fill="url(http://evil.example/#p)" onclick="x()"/>'
        '<use xlink:href="http://evil.example/a.svg#b"/><use href="#local"/></svg>'
    )
    clean = sanitise(evil)
    for gone in ("script", "alert", "image", "foreignObject", "evil.example", "onclick", "1e9"):
        assert gone not in clean, gone
    assert 'href="#local"' in clean and 'width="512"' in clean
    assert len(render(evil, width=64, height=64)) > 0


@pytest.mark.parametrize(
    "svg",
    [
        "not svg",
        "<html/>",
        '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        '<svg xmlns="http://www.w3.org/2000/svg">' + "<g/>" * 20_001 + "</svg>",
    ],
)
def test_what_is_not_a_small_svg_is_refused(svg):
    with pytest.raises(InvalidRequest):
        sanitise(svg)


@pytest.mark.parametrize(
    ("prompt", "kind"),
    [
        ("a bar chart of sales: Q1 100, Q2 150", "bar chart"),
        ("pie chart of A 10, B 20", "pie chart"),
        ("a line graph of temperatures 3, 7, 5", "line chart"),
        ("a clock showing 3 o'clock", "clock"),
        ("时钟显示3点半", "clock"),
        ("the flag of Japan", "flag"),
        ("日本国旗", "flag"),
        ("a red boat on a blue sea", "scene"),
        ("三个苹果在桌子上", "scene"),
    ],
)
def test_the_kind_of_picture_is_chosen_by_rules(prompt, kind):
    assert kind_of(prompt) == kind


def test_times_numbers_and_places_are_read_by_rules():
    assert clock_time("a clock at 10:45") == (10, 45)
    assert clock_time("a clock showing 3 pm") == (3, 0)
    assert clock_time("时钟显示3点半") == (3, 30)
    assert clock_time("a clock") is None and clock_time("at 25:00") is None
    assert numbers_in("Q1 100, Q2 150.5 and 一季度200") == [100, 150.5, 200]
    assert background_of("three apples on a table") == "room"
    assert background_of("a boat on the sea") == "sea"


def test_the_models_names_lose_counts_and_colours():
    thing = _thing({"name": "three red apples", "count": 3, "colour": "", "on": "the grass"})
    assert thing is not None
    assert (thing.name, thing.colour, thing.on) == ("apples", "red", "")  # grass is a place


@pytest.mark.parametrize(
    ("words", "icon"),
    [
        ("apples", "red-apple"),
        ("苹果", "red-apple"),
        ("boat", "sailboat"),
        ("cars", "automobile"),
        ("butterflies", "butterfly"),
        ("猫", "cat"),
        ("a cat", "cat"),
    ],
)
def test_words_find_their_icons(words, icon):
    found = library().find(words)
    assert found is not None and found.name == icon


def test_thousands_separators_are_read_and_plain_words_are_not_charts():
    assert numbers_in("Q1 1,200, Q2 3,400 and 2,500,000 and 3.5") == [1200, 3400, 2500000, 3.5]
    assert kind_of("a chocolate bar on a table") == "scene"
    assert kind_of("a garden plot with flowers") == "scene"
    assert kind_of("a bar graph of visits: A 1, B 2") == "bar chart"


def test_countries_are_found_as_whole_words_in_order_and_regions_are_not_flags():
    names = flags()
    assert countries_in("flags of Japan and Brazil", names) == ["japan", "brazil"]
    assert countries_in("South Korea's flag", names) == ["south korea"]
    assert countries_in("中国国旗", names) == ["中国"]
    assert countries_in("a flag of peace", names) == []  # not the East African Community


def test_pie_slices_of_huge_numbers_still_draw():
    svg = templates.pie_chart(["a", "b"], [1e12, 3e12], "Big", SIZE)
    assert "nan" not in svg and "inf" not in svg


def test_control_characters_in_words_do_not_break_the_svg():
    svg = templates.bar_chart(["a\x01b"], [1], "t\x00itle\x1f", SIZE)
    assert len(render(svg, width=64, height=64)) > 0


def test_calendars_diagrams_and_timelines_read_their_parameters_by_rules():
    assert kind_of("a calendar of March 2027") == "calendar" and month_of("2027年3月") == (2027, 3)
    assert month_of("a calendar for Sep 1999") == (1999, 9)
    assert kind_of("a flow chart: Order -> Pay -> Ship") == "diagram"
    assert flow_steps("流程图：下单 → 付款 → 发货") == ["下单", "付款", "发货"]  # noqa: RUF001
    assert kind_of("a timeline: 1969 moon landing, 1989 the web") == "timeline"
    events = events_in("时间线：1949 建国，1978 改革开放")  # noqa: RUF001
    assert events == [("1949", "建国"), ("1978", "改革开放")]


def test_a_month_has_its_days_in_weekday_columns():
    svg = templates.month_calendar(2027, 3, SIZE)  # 1 March 2027 is a Monday
    assert "March 2027" in svg and ">31<" in svg and ">32<" not in svg
    first_day = svg.index(">1<")
    assert svg.rfind("<rect", 0, first_day) == svg.index('<rect x="24.0" y="96.0"')


def test_a_flow_diagram_draws_a_box_and_an_arrow_per_step():
    svg = templates.flow_diagram(["Order", "Pay", "Ship"], SIZE)
    assert svg.count('rx="8"') == 3 and svg.count('marker-end="url(#arrow)"') == 2
    assert "marker" in sanitise(svg)  # arrowheads survive the sanitiser
