from django.urls import path

from podpora.clients import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_edit, name="new"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/people/", views.person_add, name="person_add"),
    path("<int:pk>/people/<int:person_pk>/", views.person_change, name="person_change"),
]
