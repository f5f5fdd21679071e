from django.urls import path

from podpora.macros import views

app_name = "macros"

urlpatterns = [
    path("", views.macro_list, name="list"),
    path("new/", views.macro_edit, name="new"),
    path("<int:pk>/", views.macro_edit, name="edit"),
    path("<int:pk>/delete/", views.macro_delete, name="delete"),
    path("apply/<int:number>/", views.apply, name="apply"),
]
