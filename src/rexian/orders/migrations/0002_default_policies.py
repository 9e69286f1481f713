"""Default time limits (GB/T 33358-2016 practice, Tianjin rules); all editable in the admin."""

from django.db import migrations

DEFAULTS = [
    # name, order_type, urgency, accept_minutes, accept_workdays, handle_hours, handle_workdays, callback_workdays
    ("默认时限", "", "", None, 1, None, 15, 2),
    ("咨询类", "consult", "", None, None, None, 3, None),
    ("求助类", "help", "", None, None, None, 3, None),
    ("投诉类", "complaint", "", None, None, None, 15, None),
    ("举报类", "report", "", None, None, None, 15, None),
    ("建议类", "suggestion", "", None, None, None, 15, None),
    ("特急（危及生命财产）", "", "emergency", 15, None, 24, None, 1),
    ("紧急", "", "urgent", 120, None, None, 3, None),
]


def seed(apps, schema_editor):
    DeadlinePolicy = apps.get_model("orders", "DeadlinePolicy")
    for name, order_type, urgency, accept_m, accept_d, handle_h, handle_d, callback_d in DEFAULTS:
        DeadlinePolicy.objects.get_or_create(
            name=name,
            defaults=dict(
                order_type=order_type,
                urgency=urgency,
                accept_minutes=accept_m,
                accept_workdays=accept_d,
                handle_hours=handle_h,
                handle_workdays=handle_d,
                callback_workdays=callback_d,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
