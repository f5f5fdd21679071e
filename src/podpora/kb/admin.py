from django.contrib import admin

from podpora.kb import services
from podpora.kb.models import Article, Category, SuggestionVisit


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "category",
        "language",
        "visibility",
        "status",
        "author",
        "updated_at",
        "helpful_yes",
        "helpful_no",
    ]
    list_filter = ["status", "visibility", "language", "category"]
    search_fields = ["title", "slug"]
    filter_horizontal = ["organizations"]
    raw_id_fields = ["source_message", "author"]
    readonly_fields = ["helpful_yes", "helpful_no", "created_at", "published_at"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # The admin bypasses kb.services, so derive the rendered HTML and the
        # search columns here too: an article is never shown unsanitised.
        services.fill_derived(obj)
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)


@admin.register(SuggestionVisit)
class SuggestionVisitAdmin(admin.ModelAdmin):
    list_display = [
        "article",
        "organization",
        "opened_at",
        "solved_at",
        "request_sent_at",
    ]
    list_filter = ["opened_at"]
    raw_id_fields = ["article", "user", "organization"]
