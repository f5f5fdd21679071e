"""Read queries for surveys, shared by the desk, the portal and reports.

Reports call :func:`ratings` and :func:`csat_summary` with a queryset of
tickets already limited to the viewer's scope (``tickets.selectors.visible_to``)
and any filters (period, organisation, team, agent …), so ratings obey the
same access scope as everything else.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count, QuerySet

from podpora.surveys.models import MAX_RATING, MIN_RATING, Survey, SurveyResponse
from podpora.tickets.models import Ticket

SATISFIED_FROM = 4  # 4 and 5 stars count as satisfied (CSAT %)


def ratings(
    tickets: QuerySet[Ticket],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[SurveyResponse]:
    """Survey responses for ``tickets``; ``start``/``end`` bound the time the
    rating was given (``[start, end)``)."""
    responses = SurveyResponse.objects.filter(ticket__in=tickets.values("pk"))
    if start is not None:
        responses = responses.filter(created_at__gte=start)
    if end is not None:
        responses = responses.filter(created_at__lt=end)
    return responses


@dataclass(frozen=True)
class CsatSummary:
    count: int
    average: float | None  # mean stars, None without responses
    distribution: dict[int, int] = field(default_factory=dict)  # stars → responses
    surveys_sent: int = 0

    @property
    def satisfied_share(self) -> float | None:
        """CSAT: the share of 4- and 5-star answers."""
        if not self.count:
            return None
        happy = sum(
            n for stars, n in self.distribution.items() if stars >= SATISFIED_FROM
        )
        return happy / self.count

    @property
    def response_rate(self) -> float | None:
        return self.count / self.surveys_sent if self.surveys_sent else None


def csat_summary(
    tickets: QuerySet[Ticket],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> CsatSummary:
    """Average, distribution and response rate in two queries."""
    responses = ratings(tickets, start=start, end=end)
    by_stars = dict(
        responses.order_by()
        .values_list("rating")
        .annotate(n=Count("pk"))
        .values_list("rating", "n")
    )
    distribution = {
        stars: by_stars.get(stars, 0) for stars in range(MIN_RATING, MAX_RATING + 1)
    }
    count = sum(distribution.values())
    average = (
        sum(stars * n for stars, n in distribution.items()) / count if count else None
    )
    sent = Survey.objects.filter(ticket__in=tickets.values("pk"), sent_at__isnull=False)
    if start is not None:
        sent = sent.filter(sent_at__gte=start)
    if end is not None:
        sent = sent.filter(sent_at__lt=end)
    return CsatSummary(
        count=count,
        average=average,
        distribution=distribution,
        surveys_sent=sent.count(),
    )


def ticket_ratings(ticket: Ticket) -> list[SurveyResponse]:
    """Every rating of one ticket (one per resolution), newest first."""
    return list(
        SurveyResponse.objects.filter(ticket=ticket)
        .select_related("survey")
        .order_by("-created_at")
    )


def average_rating(tickets: QuerySet[Ticket]) -> float | None:
    return ratings(tickets).aggregate(avg=Avg("rating"))["avg"]
