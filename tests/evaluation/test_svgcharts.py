import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction

from rexian.evaluation import svgcharts


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bar_chart_draws_one_bar_per_known_value_and_escapes_labels():
    svg = svgcharts.bar_chart(["<热线>", "温线", "冷线"], [3, None, Decimal("1.5")], title="A & B")
    root = parse(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "A & B"
    assert len(root.findall("rect")) == 2
    assert "&lt;热线&gt;" in svg and "<热线>" not in svg
    assert "—" in svg  # the missing value is shown as a dash


def test_many_bar_labels_are_rotated():
    svg = svgcharts.bar_chart([f"第{n}类" for n in range(12)], list(range(12)), title="t")
    assert "rotate(-45" in svg
    parse(svg)


def test_horizontal_bar_chart_scales_to_max_value():
    svg = svgcharts.horizontal_bar_chart(["北京", "内蒙古"], [50, 100], title="省份", max_value=100, width=500)
    widths = [float(rect.get("width")) for rect in parse(svg).findall("rect")]
    assert widths[1] == 2 * widths[0]


def test_line_chart_breaks_at_missing_values_and_shows_a_legend():
    svg = svgcharts.line_chart(
        ["1", "2", "3", "4", "5"],
        {"本期": [1, 2, None, 4, 5], "上期": [Fraction(1, 2), 1, 1.5, 2, 2.5]},
        title="接通率",
        unit="%",
    )
    root = parse(svg)
    assert len(root.findall("polyline")) == 3  # 本期 split in two, 上期 whole
    assert len(root.findall("circle")) == 9
    assert "本期" in svg and "上期" in svg


def test_empty_data_still_makes_a_valid_chart():
    for svg in (
        svgcharts.bar_chart([], [], title="空"),
        svgcharts.horizontal_bar_chart([], [], title="空"),
        svgcharts.line_chart([], {}, title="空"),
    ):
        parse(svg)


def test_charts_reference_nothing_outside_and_as_file_adds_the_namespace():
    svg = svgcharts.bar_chart(["a"], [1], title="t")
    assert "http" not in svg
    standalone = svgcharts.as_file(svg)
    assert standalone.startswith("<?xml") and 'xmlns="http://www.w3.org/2000/svg"' in standalone
    parse(standalone.split("\n", 1)[1])


def test_nice_ceiling_and_text_width():
    values = (0, 7, 10, 11, 23, 86, 100, 0.3)
    assert [svgcharts.nice_ceiling(value) for value in values] == [1, 10, 10, 20, 25, 100, 100, 0.5]
    assert svgcharts.text_width("北京", 10) == 20
    assert svgcharts.text_width("ab", 10) == 12
    assert svgcharts.escape('"<&>') == "&quot;&lt;&amp;&gt;"
