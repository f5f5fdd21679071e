from django.urls import path

from podpora.surveys import views

app_name = "surveys"

urlpatterns = [
    path("r/<str:token>/", views.respond, name="respond"),
    path("ticket/<int:number>/", views.rate_ticket, name="rate_ticket"),
]
