"""Default scorecard: 按时签收率 20, 按时办结率 30, 综合满意率 40, 退单率 10 (lower is better)."""

from django.db import migrations

DEFAULT_INDICATORS = [
    ("on_time_accept_rate", 20, True),
    ("on_time_completion_rate", 30, True),
    ("satisfaction_rate", 40, True),
    ("return_rate", 10, False),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("metrics", "ScorecardIndicator")
    for kpi, weight, higher in DEFAULT_INDICATORS:
        Indicator.objects.get_or_create(kpi=kpi, defaults={"weight": weight, "higher_is_better": higher})


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
