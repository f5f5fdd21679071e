from django.urls import path

from podpora.automation import views

app_name = "automation"

urlpatterns = [
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/test/", views.rule_test, name="rule_test"),
    path("rules/simulate/", views.rule_simulate, name="rule_simulate"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/<int:pk>/move/<str:direction>/", views.rule_move, name="rule_move"),
    path("sla/", views.sla_overview, name="sla"),
    path("sla/policies/new/", views.policy_edit, name="policy_new"),
    path("sla/policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("sla/calendars/new/", views.calendar_edit, name="calendar_new"),
    path("sla/calendars/<int:pk>/", views.calendar_edit, name="calendar_edit"),
    path("teams/<int:pk>/assignment/", views.team_assignment, name="team_assignment"),
]
