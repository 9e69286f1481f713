from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rexian.accounts"
    verbose_name = "账号与权限"

    def ready(self):
        from rexian.accounts.models import ApiToken, User, verified_tokens
        from rexian.directory.models import Department

        verified_tokens.clear_on_change(ApiToken, User, Department)
