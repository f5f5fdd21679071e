"""The search columns hold folded words (and joined hyphenated words) instead
of the old stems; every article's columns are recomputed."""

from django.db import migrations

from podpora.kb.normalize import search_text
from podpora.tickets import html


def recompute(apps, schema_editor):
    article_model = apps.get_model("kb", "Article")
    changed = []
    for article in article_model.objects.only("pk", "title", "body_html").iterator():
        article.search_title = search_text(article.title)
        article.search_text = search_text(article.title, html.to_text(article.body_html))
        changed.append(article)
    article_model.objects.bulk_update(
        changed, ["search_title", "search_text"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
