from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "rexian.telephony"
    label = "telephony"
    verbose_name = "拨测"
    default_auto_field = "django.db.models.BigAutoField"
