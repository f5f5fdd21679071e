from django.urls import path

from podpora.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_request, name="new"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:number>/created/", views.created, name="created"),
    path("tickets/<int:number>/reply/", views.reply, name="reply"),
    path("tickets/<int:number>/status/", views.set_status, name="set_status"),
    path("request/", views.public_new, name="public_new"),
    path("request/sent/", views.public_sent, name="public_sent"),
    path("request/confirm/<str:key>/", views.public_confirm, name="public_confirm"),
    path("follow/renew/", views.follow_renew, name="follow_renew"),
    path("t/<str:token>/", views.follow, name="follow"),
    path("t/<str:token>/status/", views.follow_status, name="follow_status"),
    path(
        "t/<str:token>/files/<int:pk>/",
        views.follow_attachment,
        name="follow_attachment",
    ),
    path("register/", views.register, name="register"),
    path("register/sent/", views.register_sent, name="register_sent"),
    path("register/<str:token>/", views.register_confirm, name="register_confirm"),
    path("welcome/<str:token>/", views.set_password, name="set_password"),
    path("invite/", views.invite, name="invite"),
    path(
        "tickets/<int:number>/follow-links/",
        views.follow_links,
        name="follow_links",
    ),
]
