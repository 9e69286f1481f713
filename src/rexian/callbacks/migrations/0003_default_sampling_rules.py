"""Every complaint and report is called back; the rest follow the REXIAN_*_SAMPLE_PERCENT settings."""

from django.db import migrations


def seed(apps, schema_editor):
    Rule = apps.get_model("callbacks", "CallbackSamplingRule")
    for name, order_type in (("投诉件全部回访", "complaint"), ("举报件全部回访", "report")):
        Rule.objects.get_or_create(name=name, defaults={"order_type": order_type, "route": "any", "percent": 100})


class Migration(migrations.Migration):
    dependencies = [("callbacks", "0002_callback_next_attempt_at_callbacksamplingrule")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
