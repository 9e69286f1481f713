from rexian.evaluation.monitoring.campaign import evaluate
from rexian.evaluation.monitoring.probes import load_probes, write_probes
from rexian.evaluation.monitoring.synthetic import PROVINCES, generate_campaign, hotline_places


def test_same_seed_same_campaign_other_seed_other_campaign():
    assert generate_campaign(hotlines=20, seed=4) == generate_campaign(hotlines=20, seed=4)
    assert generate_campaign(hotlines=20, seed=4)[0] != generate_campaign(hotlines=20, seed=5)[0]


def test_shape_of_the_default_campaign(config):
    current, previous = generate_campaign()
    assert len(current) == len(previous) == 334 * 4 * 10
    evaluation = evaluate(current, config, previous, probes_file="synthetic")
    assert len(evaluation.hotlines) == 334
    assert len({result.metrics.province for result in evaluation.hotlines}) == 31
    classes = evaluation.line_classes
    assert all(classes[key] >= 20 for key in ("hot", "warm", "cold", "dead"))
    assert 10 < float(evaluation.mean_seconds_to_human) < 30
    assert evaluation.lists["full_connection"] and evaluation.lists["most_improved"]
    assert all(len(result.metrics.rounds) == 4 for result in evaluation.hotlines)


def test_service_quality_follows_line_quality(config):
    evaluation = evaluate(generate_campaign(hotlines=200, seed=2)[0], config)
    service = {"hot": [], "cold": []}
    for result in evaluation.hotlines:
        if result.metrics.line_class in service and result.scores.service is not None:
            service[result.metrics.line_class].append(result.scores.service)
    assert sum(service["hot"]) / len(service["hot"]) > sum(service["cold"]) / len(service["cold"])


def test_dead_lines_were_called_at_different_times(config):
    evaluation = evaluate(generate_campaign(hotlines=50, seed=9)[0], config)
    for result in evaluation.hotlines:
        assert result.metrics.distinct_times == result.metrics.calls


def test_more_hotlines_than_cities_get_county_lines():
    places = hotline_places(400)
    cities = sum(len(names) for _code, _province, names in PROVINCES)
    assert len({hotline_id for hotline_id, _, _ in places}) == 400
    assert places[cities][2].endswith("·区县2")


def test_generated_probes_pass_the_loader(tmp_path, config):
    current, _ = generate_campaign(hotlines=5, seed=1)
    path = tmp_path / "p.csv"
    write_probes(path, current, config.item_keys)
    assert load_probes(path, config) == current
