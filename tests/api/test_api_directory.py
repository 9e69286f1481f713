"""Reference data and the caller's own account."""


def test_departments_are_a_flattened_tree(api, city):
    response = api("agent").get("/departments")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert rows["ZJJ-WY"] == {
        "code": "ZJJ-WY",
        "name": "物业科",
        "parent": "ZJJ",
        "depth": 2,
        "full_name": "市住建局 / 物业科",
        "active": True,
        "level": {"code": "unit", "label": "其他单位"},
    }
    codes = [row["code"] for row in response.json()]
    assert codes.index("ZJJ") < codes.index("ZJJ-WY")  # parents come first


def test_inactive_departments_can_be_left_out(api, city):
    city["urban"].active = False
    city["urban"].save()
    codes = {row["code"] for row in api("agent").get("/departments", {"active": "true"}).json()}
    assert "CGJ" not in codes and "ZJJ" in codes


def test_categories_are_a_flattened_tree(api, city):
    rows = api("housing").get("/categories").json()
    assert [(row["code"], row["parent"], row["depth"]) for row in rows] == [
        ("01", None, 1),
        ("0101", "01", 2),
        ("010101", "0101", 3),
    ]
    assert rows[-1]["full_name"] == "城乡建设 / 物业管理 / 物业服务"


def test_me_names_the_user_role_and_unit(api, users):
    body = api("property").get("/me").json()
    assert body == {
        "username": "pete",
        "name": "pete",
        "role": {"code": "department", "label": "承办单位"},
        "unit": {"code": "ZJJ-WY", "name": "物业科", "full_name": "市住建局 / 物业科"},
    }
    assert api("dispatcher").get("/me").json()["unit"] is None
