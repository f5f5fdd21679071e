from django.urls import path

from podpora.kb import views

app_name = "kb"

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("a/<slug:slug>/", views.article, name="article"),
    path("a/<slug:slug>/vote/", views.vote, name="vote"),
    path("a/<slug:slug>/solved/", views.solved, name="solved"),
    path("suggest/", views.suggest, name="suggest"),
    path("agent/search/", views.agent_search, name="agent_search"),
    path(
        "agent/draft-from-message/",
        views.draft_from_message,
        name="draft_from_message",
    ),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.article_create, name="article_create"),
    path("manage/<int:pk>/", views.article_edit, name="article_edit"),
    path("manage/<int:pk>/publish/", views.article_publish, name="article_publish"),
    path("manage/preview/", views.preview, name="preview"),
]
