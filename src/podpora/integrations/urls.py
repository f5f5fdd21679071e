from django.urls import path

from podpora.integrations import views

app_name = "integrations"

urlpatterns = [
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/new/", views.webhook_edit, name="webhook_new"),
    path("webhooks/<int:pk>/", views.webhook_edit, name="webhook_edit"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path(
        "webhooks/<int:pk>/deliveries/",
        views.webhook_deliveries,
        name="webhook_deliveries",
    ),
    path("deliveries/<uuid:pk>/retry/", views.delivery_retry, name="delivery_retry"),
    path("alerts/", views.alert_sources, name="alert_sources"),
    path(
        "alerts/<int:pk>/delete/",
        views.alert_source_delete,
        name="alert_source_delete",
    ),
]
