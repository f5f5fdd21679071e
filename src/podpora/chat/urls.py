from django.urls import path

from podpora.chat import views

app_name = "chat"

urlpatterns = [
    path("w/<str:public_key>/config", views.widget_config, name="config"),
    path("w/<str:public_key>/start", views.widget_start, name="start"),
    path("w/<str:public_key>/offline", views.widget_offline, name="offline"),
    path("w/<str:public_key>/<uuid:token>/upload", views.widget_upload, name="upload"),
    path("w/<str:public_key>/<uuid:token>/end", views.widget_end, name="visitor_end"),
    path("w/<str:public_key>/try", views.demo_page, name="demo_page"),
    path("files/<int:pk>", views.attachment, name="attachment"),
    path("console/", views.console, name="console"),
    path("console/waiting", views.console_waiting, name="console_waiting"),
    path("console/<int:pk>/", views.session_panel, name="session"),
    path("console/<int:pk>/accept", views.accept, name="accept"),
    path("console/<int:pk>/transfer", views.transfer, name="transfer"),
    path("console/<int:pk>/end", views.end_chat, name="end"),
    path("console/<int:pk>/convert", views.convert, name="convert"),
    path("availability", views.availability, name="availability"),
    path("widgets/", views.widgets, name="widgets"),
    path("widgets/new", views.widget_edit, name="widget_new"),
    path("widgets/<int:pk>/", views.widget_edit, name="widget_edit"),
]
