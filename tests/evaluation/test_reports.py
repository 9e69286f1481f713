import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import openpyxl
import pytest

from rexian.evaluation.monitoring.campaign import evaluate
from rexian.evaluation.monitoring.report_html import render_html, write_html
from rexian.evaluation.monitoring.report_json import to_dict, write_json
from rexian.evaluation.monitoring.report_xlsx import NOTES_SHEET, write_xlsx
from rexian.evaluation.monitoring.synthetic import generate_campaign


@pytest.fixture(scope="module")
def evaluation():
    from rexian.evaluation.monitoring.config import load_config

    current, previous = generate_campaign(hotlines=60, seed=3)
    return evaluate(current, load_config(), previous, probes_file="now.csv", previous_file="then.csv")


def test_json_holds_the_promised_fields(evaluation, tmp_path):
    write_json(evaluation, tmp_path / "report.json")
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {"campaign", "summary", "hotlines", "lists", "provinces", "items", "groups", "rounds"} <= set(report)
    line = report["hotlines"][0]
    for key in (
        "hotline_id",
        "province",
        "city",
        "calls",
        "connection_rate",
        "mean_seconds_to_human",
        "line_class",
        "dead_line",
        "scores",
        "rank_overall",
        "rank_service",
        "previous_rank_overall",
    ):
        assert key in line
    assert set(line["scores"]) >= {"connection", "service", "overall"}
    assert set(report["lists"]) == {"overall", "service", "full_connection", "most_improved"}
    assert all(isinstance(key, str) for key in report["lists"]["overall"])
    assert report["campaign"]["rounds"] == 4 and report["campaign"]["calls"] == 60 * 40
    assert report["campaign"]["config"]["weights"] == {"connection": 0.5, "service": 0.5}
    assert {"province", "rank", "hotlines", "mean_overall_score", "dead_lines"} <= set(report["provinces"][0])


def test_json_rates_are_cut_fractions(evaluation):
    report = to_dict(evaluation)
    for line in report["hotlines"]:
        assert 0 <= line["connection_rate"] <= 1
        exact = line["answered"] / line["calls"]
        assert line["connection_rate"] <= exact < line["connection_rate"] + 0.0001 + 1e-12
        assert len(repr(line["connection_rate"]).split(".")[-1]) <= 4
    for item in report["items"]:
        assert item["rate"] is None or 0 <= item["rate"] <= 1


def test_json_ranks_are_consistent_with_lists(evaluation):
    report = to_dict(evaluation)
    ranks = {line["hotline_id"]: line["rank_overall"] for line in report["hotlines"]}
    listed = [ranks[key] for key in report["lists"]["overall"]]
    assert listed == sorted(listed)
    assert max(listed) <= 30
    for key in report["lists"]["most_improved"]:
        line = next(line for line in report["hotlines"] if line["hotline_id"] == key)
        assert line["rank_rise"] == line["previous_rank_overall"] - line["rank_overall"] >= 50


def test_xlsx_reads_back_with_chinese_headers(evaluation, tmp_path):
    path = tmp_path / "report.xlsx"
    write_xlsx(evaluation, path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[:7] == [
        "监测概况",
        "总体排行榜（前 30 名）",
        "服务水平排行榜（前 30 名）",
        "百分百接通榜",
        "最佳进步榜",
        "省份排行",
        "检查项达成率",
    ]
    assert NOTES_SHEET in workbook.sheetnames
    sheet = workbook["全部热线排名"]
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["排名", "热线编号", "省份", "城市", "总体得分"]
    assert sheet.max_row == 61
    rate_cell = sheet.cell(2, header.index("接通率") + 1)
    assert isinstance(rate_cell.value, (int, float)) and rate_cell.number_format == "0.00%"
    assert sheet.cell(2, 1).value == 1


def test_html_is_self_contained_and_parses(evaluation, tmp_path):
    write_html(evaluation, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page

    class Collector(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.links, self.html_lang = [], [], None

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            attrs = dict(attrs)
            if tag == "html":
                self.html_lang = attrs.get("lang")
            self.links += [value for name, value in attrs.items() if name in ("src", "href", "xlink:href")]

    collector = Collector()
    collector.feed(page)
    collector.close()
    assert collector.html_lang == "zh-Hans"
    assert collector.links == []
    assert "script" not in collector.tags and "link" not in collector.tags and "img" not in collector.tags
    # classes, rounds, province scores, province dead lines, three service dimensions
    assert collector.tags.count("svg") == 7
    assert collector.tags.count("table") == 8
    for svg in page.split("<svg")[1:]:
        ET.fromstring("<svg" + svg.split("</svg>")[0] + "</svg>")  # each chart is well-formed XML
    assert "热线接通分类" in page and "百分百接通榜" in page and "最佳进步榜" in page


def test_html_shows_cut_percentages(probes, config):
    evaluation = evaluate(probes("W", "A" * 1899 + "N" * 101), config, probes_file="w.csv")
    page = render_html(evaluation)
    assert "94.95%" in page and "95.00%" not in page.replace("≥ 95%", "")


def test_html_escapes_names_from_the_data(probes, config):
    evaluation = evaluate(probes("<b>X</b>", "AB", city="<script>alert(1)</script>"), config, probes_file="x.csv")
    page = render_html(evaluation)
    assert "<script>" not in page and "&lt;script&gt;" in page
