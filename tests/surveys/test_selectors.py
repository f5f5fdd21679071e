import pytest

from podpora.surveys import selectors, services
from podpora.tickets.selectors import visible_to


@pytest.fixture
def rated(adam, bara, open_ticket_for, resolve):
    from podpora.surveys.models import Survey

    for requester, stars in ((adam, 5), (adam, 4), (adam, 1), (bara, 3)):
        ticket = resolve(open_ticket_for(requester))
        services.respond(Survey.objects.get(ticket=ticket), rating=stars)


def test_csat_summary_counts_average_distribution_and_share(rated, sylwia):
    summary = selectors.csat_summary(visible_to(sylwia))
    assert summary.count == 4
    assert summary.average == pytest.approx(13 / 4)
    assert summary.distribution == {1: 1, 2: 0, 3: 1, 4: 1, 5: 1}
    assert summary.satisfied_share == pytest.approx(0.5)
    assert summary.surveys_sent == 4
    assert summary.response_rate == 1


def test_ratings_obey_the_viewers_access_scope(rated, bara, adam):
    assert list(
        selectors.ratings(visible_to(bara)).values_list("rating", flat=True)
    ) == [3]
    assert selectors.csat_summary(visible_to(adam)).count == 3


def test_an_empty_scope_has_no_average(db):
    from podpora.tickets.models import Ticket

    summary = selectors.csat_summary(Ticket.objects.none())
    assert (summary.count, summary.average, summary.satisfied_share) == (0, None, None)


def test_csat_summary_takes_two_queries(rated, sylwia, django_assert_num_queries):
    with django_assert_num_queries(2):
        selectors.csat_summary(visible_to(sylwia))
