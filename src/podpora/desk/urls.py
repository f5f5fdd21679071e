from django.urls import include, path

from podpora.desk.views import canned, images, intake, queues, ticket, ticket_actions

app_name = "desk"

urlpatterns = [
    path("", queues.home, name="home"),
    path("queues/<slug:slug>/", queues.queue, name="queue"),
    path("teams/<int:team_id>/", queues.queue, name="team_queue"),
    path("bulk/", queues.bulk, name="bulk"),
    path("go/", queues.go, name="go"),
    path("views/", queues.view_create, name="view_create"),
    path("views/<int:pk>/", queues.saved_view, name="saved_view"),
    path("views/<int:pk>/rename/", queues.view_rename, name="view_rename"),
    path("views/<int:pk>/delete/", queues.view_delete, name="view_delete"),
    path("tickets/<int:number>/", ticket.ticket_page, name="ticket"),
    path("tickets/<int:number>/thread/", ticket.thread, name="ticket_thread"),
    path("tickets/<int:number>/reply/", ticket.reply, name="ticket_reply"),
    path("tickets/<int:number>/note/", ticket.note, name="ticket_note"),
    path("tickets/<int:number>/update/", ticket.update, name="ticket_update"),
    path("tickets/<int:number>/take/", ticket_actions.take, name="ticket_take"),
    path(
        "tickets/<int:number>/escalate/",
        ticket_actions.escalate,
        name="ticket_escalate",
    ),
    path("tickets/<int:number>/merge/", ticket_actions.merge, name="ticket_merge"),
    path("tickets/<int:number>/link/", ticket_actions.link, name="ticket_link"),
    path("tickets/<int:number>/split/", ticket_actions.split, name="ticket_split"),
    path(
        "tickets/<int:number>/move-message/",
        ticket_actions.move_message,
        name="ticket_move_message",
    ),
    path("tickets/<int:number>/watch/", ticket_actions.watch, name="ticket_watch"),
    path(
        "tickets/<int:number>/canned/<int:pk>/",
        ticket_actions.canned_text,
        name="ticket_canned",
    ),
    path(
        "tickets/<int:number>/draft/<slug:kind>/",
        ticket_actions.draft,
        name="ticket_draft",
    ),
    path(
        "tickets/<int:number>/messages/<int:pk>/images/",
        images.message_images,
        name="message_images",
    ),
    path("phone/", intake.intake, name="intake"),
    path("phone/callers/", intake.caller_search, name="caller_search"),
    path("canned/", canned.canned_list, name="canned_list"),
    path("canned/new/", canned.canned_edit, name="canned_new"),
    path("canned/<int:pk>/", canned.canned_edit, name="canned_edit"),
    path("canned/<int:pk>/delete/", canned.canned_delete, name="canned_delete"),
    path("macros/", include("podpora.macros.urls")),
]
