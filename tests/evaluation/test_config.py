import tomllib
from fractions import Fraction
from pathlib import Path

import pytest

from rexian.evaluation.monitoring.config import DEFAULT_CONFIG_PATH, load_config
from rexian.evaluation.monitoring.errors import InputError


def test_default_config_loads_with_the_documented_values(config):
    assert config.rounds == 4
    assert config.hot_min_rate == Fraction(95, 100)
    assert config.warm_min_rate == Fraction(30, 100)
    assert config.dead_min_calls == 10
    assert (config.weight_connection, config.weight_service) == (Fraction(1, 2), Fraction(1, 2))
    assert [group.label for group in config.groups] == ["服务礼仪", "沟通技巧", "问题回应"]
    assert config.item_keys == (
        "greeting",
        "ask_need",
        "apology_lookup",
        "ask_more",
        "thanks",
        "ask_details",
        "explain_policy",
        "resolved",
    )
    assert config.full_connection_min_rounds == 3
    assert config.most_improved_min_rise == 50


def test_curves_interpolate_and_stay_flat_outside(config):
    curve = config.speed_curve
    assert curve(Fraction(0)) == 100
    assert curve(Fraction(15)) == 100
    assert curve(Fraction(20)) == Fraction(260, 3)
    assert curve(Fraction(30)) == 60
    assert curve(Fraction(45)) == 30
    assert curve(Fraction(600)) == 0
    assert config.rate_curve(Fraction(19, 20)) == 95


def test_a_user_file_overrides_only_the_keys_it_names(custom_config):
    config = custom_config("[weights]\nconnection = 0.6\nservice = 0.4\n[campaign]\nrounds = 5\n")
    assert config.weight_connection == Fraction(3, 5)
    assert config.rounds == 5
    assert config.full_connection_min_rounds == 4  # derived: 5 rounds − 1 allowed
    assert config.hot_min_rate == Fraction(95, 100)
    assert config.source.endswith("custom.toml")


def test_item_weights_merge_and_new_groups_need_labels(custom_config):
    config = custom_config(
        '[service.etiquette.items]\ngreeting = 3\n'
        '[service.waiting]\nlabel = "等候体验"\nweight = 0.1\nitems = { no_music = 1 }\n'
        '[item_labels]\nno_music = "无长时间等待音乐"\n'
    )
    etiquette = config.groups[0]
    assert {item.key: item.weight for item in etiquette.items}["greeting"] == 3
    assert len(etiquette.items) == 5
    assert config.groups[-1].label == "等候体验"
    assert "no_music" in config.item_keys


def errors_of(custom_config, text: str) -> str:
    with pytest.raises(InputError) as caught:
        custom_config(text)
    return str(caught.value)


def test_unknown_key_is_named_with_a_suggestion(custom_config):
    message = errors_of(custom_config, "[weights]\nconection = 0.5\n")
    assert "custom.toml" in message
    assert "weights.conection" in message
    assert "是否应为 connection" in message


def test_unknown_table_is_named(custom_config):
    message = errors_of(custom_config, "[weight]\nconnection = 1\n")
    assert "配置项 weight：未知的配置项" in message
    assert "是否应为 weights" in message


@pytest.mark.parametrize(
    "text, key",
    [
        ("[weights]\nconnection = -1\n", "weights.connection"),
        ('[weights]\nconnection = "half"\n', "weights.connection"),
        ("[weights]\nconnection = 0\nservice = 0\n", "weights"),
        ("[line_classes]\nhot_min_rate = 1.5\n", "line_classes.hot_min_rate"),
        ("[line_classes]\nwarm_min_rate = 0.96\n", "line_classes.warm_min_rate"),
        ("[line_classes]\ndead_min_calls = 0\n", "line_classes.dead_min_calls"),
        ("[campaign]\nrounds = 2.5\n", "campaign.rounds"),
        ("[connection]\nspeed_curve = [[0, 100]]\n", "connection.speed_curve"),
        ("[connection]\nspeed_curve = [[10, 100], [5, 0]]\n", "connection.speed_curve"),
        ("[connection]\nrate_curve = [[0, 0], [1, 120]]\n", "connection.rate_curve"),
        ("[lists]\nfull_connection_allowed_imperfect_rounds = 4\n", "lists.full_connection_allowed_imperfect_rounds"),
        ('[lists]\nfull_connection_consecutive = "yes"\n', "lists.full_connection_consecutive"),
        ("[service.extra]\nlabel = \"x\"\nweight = 1\nitems = { greeting = 1 }\n", "service.extra.items.greeting"),
        ("[service.extra]\nlabel = \"x\"\nweight = 1\nitems = { Bad-Name = 1 }\n", "service.extra.items.Bad-Name"),
        ("[service.extra]\nlabel = \"x\"\nweight = 1\nitems = { round = 1 }\n", "service.extra.items.round"),
        ("[service.extra]\nlabel = \"x\"\nweight = 1\nitems = { wait = 1 }\n", "item_labels.wait"),
        ("[service.extra]\nweight = 1\nitems = { wait = 1 }\n[item_labels]\nwait = \"等\"\n", "service.extra.label"),
        ('[item_labels]\ngreetings = "问候"\n', "item_labels.greetings"),
    ],
)
def test_bad_values_are_reported_with_their_key(custom_config, text, key):
    message = errors_of(custom_config, text)
    assert f"配置项 {key}" in message
    assert "custom.toml" in message


def test_toml_syntax_errors_name_the_file_and_line(custom_config):
    message = errors_of(custom_config, "[weights\nconnection = 1\n")
    assert "custom.toml" in message and "TOML" in message and "line 1" in message


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="找不到配置文件"):
        load_config(tmp_path / "nope.toml")


def test_every_default_key_is_documented():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "evaluation.md").read_text(encoding="utf-8")
    settings = tomllib.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    for table in ("campaign", "line_classes", "weights", "connection", "lists"):
        for key in settings[table]:
            assert f"`{table}.{key}`" in docs
    for key in ("label", "weight", "items"):
        assert f"`service.<dimension>.{key}`" in docs
    assert "`item_labels.<item>`" in docs
    for item in settings["item_labels"]:
        assert f"`{item}`" in docs
