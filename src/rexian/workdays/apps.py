from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "rexian.workdays"
    verbose_name = "工作日历"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from rexian.workdays import calendar
        from rexian.workdays.models import CalendarOverride, HolidayNotice

        for model in (CalendarOverride, HolidayNotice):
            post_save.connect(calendar.clear_cache_now_and_after_commit, sender=model, dispatch_uid=f"clear-{model.__name__}")
            post_delete.connect(calendar.clear_cache_now_and_after_commit, sender=model, dispatch_uid=f"clear-del-{model.__name__}")
