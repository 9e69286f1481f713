from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "rexian.knowledge"
    verbose_name = "知识库"

    def ready(self):
        from rexian.knowledge import text
        from rexian.knowledge.models import DomainTerm, Synonym

        text.segmenters.clear_on_change(DomainTerm, Synonym)
