"""Random JSON thrown at intake: the API answers 201 or 422, never a 500."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_helpers import ApiClient

FIELDS = [
    "phone", "name", "id_number", "order_type", "urgency", "channel", "category", "title", "content",
    "address", "area_code", "latitude", "longitude", "confidential",
]  # fmt: skip
VALID = {"phone": "13812345678", "order_type": "consult", "title": "问路", "content": "怎么走"}

# Every code point, lone surrogates and NUL included.
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=6,
)
# Well-typed values, so that many bodies get through to the form and the database.
plausible = st.fixed_dictionaries(
    {},
    optional={
        "name": any_text,
        "title": st.text(min_size=1, max_size=210),
        "address": st.text(max_size=310),
        "urgency": st.sampled_from(["normal", "urgent", "emergency", "", "soon"]),
        "channel": st.sampled_from(["phone", "web", "open311", "fax"]),
        "category": st.sampled_from(["01", "010101", "", "zz"]),
        "area_code": st.from_regex(r"\d{5,13}", fullmatch=True),
        "latitude": st.floats(-100, 100) | st.decimals(-100, 100, places=8).map(str),
        "longitude": st.floats(-200, 200),
        "confidential": st.booleans(),
    },
)
bodies = st.one_of(
    plausible.map(lambda extra: {**VALID, **extra}),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4).map(lambda noise: {**VALID, **noise}),
    st.dictionaries(st.sampled_from([*FIELDS, "extra"]), json_values, max_size=8),
    json_values,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies)
def test_intake_answers_201_or_422(tokens, city, body):
    response = ApiClient(tokens["agent"]).post("/orders", json.dumps(body))
    assert response.status_code in (201, 422), (body, response.content)
    assert response["Content-Type"].startswith("application/json")
