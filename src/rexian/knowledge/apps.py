from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "rexian.knowledge"
    verbose_name = "知识库"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from rexian.knowledge.index import rebuild_after_commit
        from rexian.knowledge.models import DomainTerm, Synonym

        for model in (DomainTerm, Synonym):
            for name, signal in (("saved", post_save), ("deleted", post_delete)):
                signal.connect(rebuild_after_commit, sender=model, dispatch_uid=f"knowledge-rebuild-{model._meta.model_name}-{name}")
