"""What the dashboards added to svgcharts: descriptions, thinned labels, value labels off, a reference line."""

import xml.etree.ElementTree as ET

from rexian.evaluation import svgcharts


def texts(svg: str) -> list[str]:
    return [element.text for element in ET.fromstring(svg).iter("text")]


def test_a_description_becomes_the_charts_desc():
    svg = svgcharts.bar_chart(["甲"], [1], title="标题", description="甲 1 件 & 更多")
    root = ET.fromstring(svg)
    assert root.find("title").text == "标题" and root.find("desc").text == "甲 1 件 & 更多"
    assert "<desc>" not in svgcharts.bar_chart(["甲"], [1], title="标题")


def test_a_long_line_chart_thins_its_labels_and_drops_point_values():
    days = [f"11/{day:02d}" for day in range(1, 31)]
    svg = svgcharts.line_chart(days, {"受理量": list(range(30))}, title="t", width=640)
    shown = [text for text in texts(svg) if text in days]
    assert shown[0] == "11/01" and 5 <= len(shown) < 30  # every n-th day
    assert "29" not in texts(svg)  # no value beside the points…
    assert len(ET.fromstring(svg).findall("circle")) == 30  # …but every point, with its value in a <title>


def test_a_short_line_chart_keeps_every_label_and_value():
    svg = svgcharts.line_chart(["1", "2", "3"], {"a": [4, 5, 6]}, title="t")
    assert {"1", "2", "3", "4", "5", "6"} <= set(texts(svg))


def test_bars_can_keep_short_labels_upright_and_leave_values_out():
    svg = svgcharts.bar_chart([str(hour) for hour in range(24)], [37] * 24, title="t", rotate_labels=False,
                              show_values=False)
    assert "rotate(" not in svg
    assert "37" not in texts(svg)
    assert len(ET.fromstring(svg).findall("rect")) == 24


def test_a_reference_line_marks_the_target():
    svg = svgcharts.bar_chart(["a", "b"], [90, 97], title="t", max_value=100, reference=(95, "目标 95%"))
    dashed = [line for line in ET.fromstring(svg).findall("line") if line.get("stroke-dasharray")]
    assert len(dashed) == 1 and "目标 95%" in texts(svg)


def test_axis_ticks_are_round_numbers():
    assert svgcharts.tick_count(100) == 5 and svgcharts.tick_count(25) == 5 and svgcharts.tick_count(20) == 4
    ticks = [text for text in texts(svgcharts.bar_chart(["a"], [3], title="t", max_value=5))]
    assert {"0", "1", "2", "3", "4", "5"} <= set(ticks)
