from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "rexian.workdays"
    verbose_name = "工作日历"

    def ready(self):
        from rexian.workdays.calendar import snapshot
        from rexian.workdays.models import CalendarOverride, HolidayNotice

        snapshot.clear_on_change(CalendarOverride, HolidayNotice)
