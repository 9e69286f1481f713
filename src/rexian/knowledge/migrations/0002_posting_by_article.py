"""Exact rescoring reads (article, term, weight) from an index alone.

The new index replaces both indexes on the article alone: `posting_article`
and the foreign key's own. The latter is dropped by name (Django derives it
from the table and column, the same on every database) because altering the
field on SQLite would copy the whole posting table.
"""

import django.db.models.deletion
from django.db import migrations, models

FOREIGN_KEY_INDEX = "knowledge_posting_article_id_b85f33dd"


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="posting",
                    name="article",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="knowledge.article",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{FOREIGN_KEY_INDEX}"',
                    reverse_sql=f'CREATE INDEX "{FOREIGN_KEY_INDEX}" ON "knowledge_posting" ("article_id")',
                ),
            ],
        ),
        migrations.RemoveIndex(model_name="posting", name="posting_article"),
        migrations.AddIndex(
            model_name="posting",
            index=models.Index(fields=["article", "term", "weight"], name="posting_by_article"),
        ),
    ]
