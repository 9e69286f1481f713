from django.contrib import admin, messages

from rexian.core.admin import AuditedAdmin
from rexian.knowledge.index import rebuild
from rexian.knowledge.models import DomainTerm, Synonym


class DictionaryAdmin(AuditedAdmin):
    """Saving or deleting a word rebuilds the search index when the change commits
    (`index.rebuild_after_commit`); the action is for rebuilding by hand."""

    actions = ["rebuild_index"]

    @admin.action(description="重建知识检索索引（保存或删除词语后会自动重建）")
    def rebuild_index(self, request, queryset):
        messages.success(request, f"已重建索引：{rebuild()} 条已发布知识。")


@admin.register(DomainTerm)
class DomainTermAdmin(DictionaryAdmin):
    search_fields = ("word",)


@admin.register(Synonym)
class SynonymAdmin(DictionaryAdmin):
    list_display = ("variant", "canonical")
    search_fields = ("variant", "canonical")
