"""单位 and 分类 against the orders worked by hand (see conftest.worked)."""

from django.urls import reverse


def rows_by(table, column=0):
    header, *rows = table
    return {row[column]: dict(zip(header, row)) for row in rows}


def test_it_lists_each_units_kpis(login, worked, tables_of):
    units = rows_by(tables_of(login("supervisor").get(reverse("dashboards:units")))["units"])
    housing, urban = units["ZJJ"], units["CGJ"]
    assert housing["单位"] == "市住建局"
    assert housing["派单量"] == "1"  # A; C came to it by 改派, which is not a new order
    assert housing["按时签收率"] == "100.00%"
    assert housing["退单率"] == "0.00%"  # no return of the dispatch (A) and the reassignment (C)
    assert housing["办结率"] == "100.00%"  # A and C, both closed, are its current orders
    assert housing["综合满意率"] == "33.33%"  # A 满意; C 不满意 twice; cut, not rounded
    assert urban["退单率"] == "100.00%" and urban["综合满意率"] == "—"
    assert list(units) == ["ZJJ", "CGJ"]  # the units with events, in tree order


def test_it_ranks_the_scorecard_for_the_chosen_month(login, worked, tables_of):
    month = worked.strftime("%Y-%m")
    tables = tables_of(login("supervisor").get(reverse("dashboards:units"), {"month": month}))
    scorecard = tables["scorecard"]
    assert scorecard[0][:4] == ["排名", "单位编码", "单位", "得分"]
    # 住建局: (100 × 20 + 100 × 30 + 33.33… × 40 + 100 × 10) / 100, cut; 城管局 only returned its order.
    assert [row[:4] for row in scorecard[1:]] == [["1", "ZJJ", "市住建局", "73.33"], ["2", "CGJ", "市城管局", "0.00"]]


def test_a_month_without_data_gives_an_empty_scorecard(login, worked, tables_of):
    tables = tables_of(login("supervisor").get(reverse("dashboards:units"), {"month": "2020-02"}))
    assert tables["scorecard"][1:] == [["本时段没有数据。"]]


def test_a_bad_month_is_reported_not_a_500(login, worked):
    response = login("supervisor").get(reverse("dashboards:units"), {"month": "2026-13"})
    assert response.status_code == 200
    assert "考核月份“2026-13”无效" in response.content.decode()


def test_it_draws_the_unit_charts(login, worked):
    html = login("supervisor").get(reverse("dashboards:units"), {"month": worked.strftime("%Y-%m")}).content.decode()
    assert 'aria-label="综合满意率（%）"' in html and 'aria-label="考核得分（分）"' in html
    assert "本时段没有超期工单" in html  # no overdue event: no chart, a sentence


def test_it_rolls_categories_up_to_the_top_level(login, worked, tables_of):
    tables = tables_of(login("supervisor").get(reverse("dashboards:categories")))
    expected = ["5", "25.00%", "75.00%", "100.00%", "50.00%", "50.00%", "4"]
    assert tables["top_categories"][1:] == [["01", "城乡建设", *expected]]
    assert tables["categories"][1:] == [["010101", "城乡建设 / 物业管理 / 物业服务", *expected]]


def test_the_roll_up_recomputes_rates_from_summed_counts(login, worked, users, make_order, city, tables_of):
    from rexian.directory.models import Category

    other = Category.objects.create(code="010102", name="电梯", parent=city["category"].parent)
    make_order(title="F", category=other.code)
    tables = tables_of(login("supervisor").get(reverse("dashboards:categories")))
    top = tables["top_categories"][1]
    assert top[:3] == ["01", "城乡建设", "6"]
    assert top[3] == "20.00%"  # 1 direct answer of 5 valid (D voided): not the mean of 25 % and 0 %
    leaves = [row[:3] for row in tables["categories"][1:]]
    assert leaves == [["010101", "城乡建设 / 物业管理 / 物业服务", "5"], ["010102", "城乡建设 / 物业管理 / 电梯", "1"]]
