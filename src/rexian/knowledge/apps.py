from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "rexian.knowledge"
    verbose_name = "知识库"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from rexian.knowledge import text
        from rexian.knowledge.models import DomainTerm, Synonym

        for model in (DomainTerm, Synonym):
            post_save.connect(text.clear_cache, sender=model, dispatch_uid=f"kb-clear-{model.__name__}")
            post_delete.connect(text.clear_cache, sender=model, dispatch_uid=f"kb-clear-del-{model.__name__}")
