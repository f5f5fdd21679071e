"""A queue page's rows query is compiled once per shape (``desk.compiled``):
filled in with a page's values it must be exactly what the ORM writes for
them, and the same rows."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from podpora.desk import compiled, queues
from podpora.desk.queues import Filters, Shape, rows_query
from podpora.tickets import services
from podpora.tickets.models import Channel, Priority, Status, Ticket

pytestmark = pytest.mark.django_db

FILTERS = [
    Filters(),
    Filters(priority=Priority.HIGH, status=Status.NEW),
    Filters(assignee="none", channel=Channel.EMAIL, tag="vpn"),
    Filters(team=1, organization=1, created_from=dt.date(2026, 1, 2)),
    Filters(created_to=dt.date(2026, 12, 31)),
]


@pytest.fixture
def tickets(open_ticket_for, adam, bara, sylwia, tomasz, service_desk, org_a):
    made = [
        open_ticket_for(adam, "Drukarka", team=service_desk, priority=Priority.HIGH),
        open_ticket_for(bara, "VPN", channel=Channel.EMAIL, tags=["VPN"]),
        open_ticket_for(adam, "Dysk"),
    ]
    services.assign(made[2], tomasz, actor=sylwia)
    services.set_watching(made[1], tomasz, watching=True)
    for ticket in made:
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
        )
    return made


def _cases(users, service_desk):
    for user in users:
        for slug in [*queues.QUEUES, ""]:
            for sort in ("-updated", "number", "-breach", "breach", "subject"):
                for filters in FILTERS:
                    values = queues.filter_values(filters)
                    if values is None:
                        continue
                    inputs = {
                        "user": user.pk,
                        "team_ids": [service_desk.pk],
                        "recent_since": timezone.now() - queues.RECENT,
                        **values,
                    }
                    if not slug:
                        inputs["team"] = service_desk.pk
                    shape = Shape(
                        slug, user.agent_role, sort, filters.assignee == "none"
                    )
                    yield shape, inputs


def test_filled_in_queries_are_what_the_orm_writes(
    tickets, sylwia, tomasz, service_desk
):
    shapes = set()
    for shape, inputs in _cases((sylwia, tomasz), service_desk):
        query = compiled.compiled(
            shape, lambda values, shape=shape: rows_query(shape, values), inputs
        )
        orm = rows_query(shape, inputs)
        sql, params = orm.query.sql_with_params()
        assert (query.sql, query.fill(inputs)) == (sql, list(params)), shape
        assert query.rows(inputs, 0, 51) == list(orm[:51]), shape
        shapes.add(shape)
    assert len(shapes) > 100


def test_each_shape_is_compiled_once(
    tickets, tomasz, petra, sylwia, monkeypatch, django_assert_num_queries
):
    """Pages of one shape for other people and other values share the SQL."""
    made = []
    real = compiled._compile
    monkeypatch.setattr(compiled, "_compiled", {})
    monkeypatch.setattr(
        compiled, "_compile", lambda *args: made.append(args) or real(*args)
    )

    def page(user, priority, number):
        with django_assert_num_queries(1):
            return queues.page_rows(
                user,
                queues.QUEUES["open"],
                team=None,
                team_ids=[user.pk],
                filters=Filters(priority=priority),
                sort="number",
                page=number,
            )[0]

    assert [row.subject for row in page(tomasz, Priority.HIGH, 1)] == ["Drukarka"]
    assert [row.subject for row in page(tomasz, Priority.NORMAL, 1)] == ["VPN", "Dysk"]
    assert page(petra, Priority.NORMAL, 2) == []
    assert len(made) == 1
    assert len(page(sylwia, Priority.NORMAL, 1)) == 2  # sees all: another shape
    assert len(made) == 2


def test_a_value_from_outside_the_inputs_is_refused(db):
    """A filter reading the clock itself would be frozen into the cache."""

    def reads_the_clock(inputs):
        return Ticket.objects.filter(
            requester_id=inputs["user"], updated_at__gte=timezone.now()
        ).values_list("pk")

    with pytest.raises(ValueError, match="not among its inputs"):
        compiled.compiled("clock", reads_the_clock, {"user": 1})


def test_an_unknown_tag_runs_no_rows_query(tomasz, django_assert_num_queries):
    with django_assert_num_queries(1):  # the tag's look-up
        rows, more, sort = queues.page_rows(
            tomasz,
            queues.QUEUES["open"],
            team=None,
            team_ids=[],
            filters=Filters(tag="no-such-tag"),
            sort="nonsense",
            page=1,
        )
    assert (rows, more, sort) == ([], False, queues.DEFAULT_SORT)


def test_a_shape_that_compiles_to_no_rows_is_left_to_the_orm(db):
    """ "No rows" may come from a stand-in (the ORM answers a value out of a
    column's range so): such a shape is not cached."""

    def nothing(inputs):
        return Ticket.objects.filter(requester_id=inputs["user"], pk__in=[])

    assert compiled.compiled("none", nothing, {"user": 1}) is compiled.ORM_ONLY


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL"
)
@pytest.mark.parametrize("prepare", [True, False])
def test_on_postgresql_a_shape_is_prepared_once_per_connection(
    tickets, tomasz, settings, prepare
):
    """PostgreSQL then skips planning the rows query on later pages; the
    open statuses are written into the statement so that a plan made for
    every value can still use the partial indexes on open tickets."""
    settings.PODPORA_DB_PREPARE = prepare

    def page():
        return queues.page_rows(
            tomasz,
            queues.QUEUES["open"],
            team=None,
            team_ids=[],
            filters=Filters(priority=Priority.NORMAL),
            sort="number",
            page=1,
        )[0]

    for _ in range(3):
        assert [row.subject for row in page()] == ["VPN", "Dysk"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s AND NOT from_sql",
            ['%"tickets_ticket"."priority" = $%', "%ORDER BY 2 ASC LIMIT 51 OFFSET 0"],
        )
        prepared = [row[0] for row in cursor.fetchall()]
    if not prepare:
        assert prepared == []
        return
    assert len(prepared) == 1
    assert (
        "IN ('new', 'open', 'waiting_customer', 'waiting_third_party')" in (prepared[0])
    )
    assert "$1" in prepared[0]  # the values stay parameters
