from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "rexian.accounts"
    verbose_name = "账号与权限"

    def ready(self):
        from rexian.accounts.models import ApiToken, User, verified_tokens
        from rexian.directory.models import Department

        for model in (ApiToken, User, Department):
            for signal in (post_save, post_delete):
                signal.connect(verified_tokens.clear_now_and_after_commit, sender=model,
                               dispatch_uid=f"verified-tokens-{model.__name__}-{signal is post_save}")
