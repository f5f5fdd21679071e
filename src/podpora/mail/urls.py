from django.urls import path

from podpora.mail import views

app_name = "mail"

urlpatterns = [
    path("", views.inbound_list, name="inbound"),
    path("<int:pk>/raw", views.inbound_raw, name="inbound_raw"),
    path(
        "<int:pk>/<slug:action>",
        views.inbound_action,
        name="inbound_action",
    ),
]
