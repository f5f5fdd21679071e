"""One search interface, two engines.

``search(user, query, **filters)`` finds the tickets ``user`` may see
(``tickets.selectors.visible_to``) whose number, subject, thread, people,
organisation, tags or file names match every word of ``query``. Customers
match only the public thread (never notes, never tags). Results rank subject
and number hits first, then newest first; each carries highlighted HTML.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from podpora.accounts.models import User
from podpora.search.filters import TicketFilters, apply_filters
from podpora.search.models import SearchDocument
from podpora.search.text import Term, highlight, query_terms, snippet
from podpora.tickets.models import Ticket
from podpora.tickets.selectors import visible_to

PAGE_SIZE = 25


@dataclass(frozen=True)
class Hit:
    ticket: Ticket
    title_html: SafeString
    snippet_html: SafeString
    url: str = ""


def ticket_url(user: User, ticket: Ticket) -> str:
    """The ticket's page in the desk (agents) or the portal (customers)."""
    names = (
        ("desk:ticket", "desk:ticket_detail")
        if user.is_agent
        else ("portal:ticket", "portal:ticket_detail")
    )
    for name in names:
        try:
            return reverse(name, args=[ticket.number])
        except NoReverseMatch:
            continue
    return ""


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    has_more: bool = False
    fuzzy: bool = False  # nothing matched exactly; these are near matches


def _tsquery(terms: list[Term], weight: str = "") -> str:
    # Terms are folded to letters and digits, so nothing here can break the
    # tsquery syntax.
    return " & ".join(
        f"{t.text}:*{weight}"
        if t.prefix
        else f"{t.text}{':' + weight if weight else ''}"
        for t in terms
    )


def _fts5_query(terms: list[Term], columns: str = "") -> str:
    expression = " AND ".join(f'"{t.text}"{"*" if t.prefix else ""}' for t in terms)
    return f"{{{columns}}} : ({expression})" if columns else expression


def _match_postgres(
    tickets: QuerySet[Ticket], terms: list[Term], public_only: bool
) -> QuerySet[Ticket]:
    vector = "public_vector" if public_only else "all_vector"
    table = SearchDocument._meta.db_table
    return tickets.filter(search_document__isnull=False).extra(  # noqa: S610 (constant identifiers; values are parameters)
        where=[f"{table}.{vector} @@ to_tsquery('podpora_search', %s)"],
        params=[_tsquery(terms)],
        select={"title_hit": f"{table}.{vector} @@ to_tsquery('podpora_search', %s)"},
        select_params=[_tsquery(terms, "A")],
    )


def _match_sqlite(
    tickets: QuerySet[Ticket], terms: list[Term], public_only: bool
) -> QuerySet[Ticket]:
    table = Ticket._meta.db_table
    columns = "title people public_text" if public_only else ""
    return tickets.extra(  # noqa: S610 (constant identifiers; values are parameters)
        where=[
            f"{table}.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"  # noqa: S608
        ],
        params=[_fts5_query(terms, columns)],
        select={
            "title_hit": f"{table}.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"  # noqa: S608
        },
        select_params=[_fts5_query(terms, "title")],
    )


def _fuzzy_postgres(tickets: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """Typos in the subject: trigram word similarity on the folded subject."""
    table = SearchDocument._meta.db_table
    expression = f"podpora_unaccent(lower({table}.title))"
    # The default (0.6) misses a single typo in a short word ("drukrka").
    with connection.cursor() as cursor:
        cursor.execute("SET pg_trgm.word_similarity_threshold = 0.45")
    return tickets.filter(search_document__isnull=False).extra(  # noqa: S610 (constant identifiers; values are parameters)
        where=[f"podpora_unaccent(lower(%s)) <%% {expression}"],
        params=[query],
        select={
            "title_hit": f"word_similarity(podpora_unaccent(lower(%s)), {expression})"
        },
        select_params=[query],
    )


def _scoped(user: User, filters: TicketFilters) -> QuerySet[Ticket]:
    return apply_filters(visible_to(user), user, filters).select_related(
        "requester", "organization", "team", "assignee"
    )


def search(
    user: User,
    query: str,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    filters: TicketFilters | None = None,
    **filter_fields: Any,
) -> Results:
    """Search the tickets ``user`` may see. ``filters`` (or the same fields as
    keyword arguments: status, priority, team, assignee, organization,
    channel, tag, created_from, created_to) narrow it down."""
    filters = filters or TicketFilters(**filter_fields)
    page = max(1, page)
    results = Results(query=query, page=page)
    terms = query_terms(query)
    if not terms:
        return results
    public_only = not user.is_agent
    tickets = _scoped(user, filters)
    if connection.vendor == "postgresql":
        matched = _match_postgres(tickets, terms, public_only)
    else:
        matched = _match_sqlite(tickets, terms, public_only)
    offset = (page - 1) * page_size
    rows = list(
        matched.order_by("-title_hit", "-updated_at", "-pk")[
            offset : offset + page_size + 1
        ]
    )
    if (
        not rows
        and page == 1
        and connection.vendor == "postgresql"
        and len(query.strip()) >= 4
    ):
        rows = list(
            _fuzzy_postgres(tickets, query.strip()[:100]).order_by(
                "-title_hit", "-updated_at"
            )[: page_size + 1]
        )
        results.fuzzy = bool(rows)
    results.has_more = len(rows) > page_size
    rows = rows[:page_size]
    documents = {
        d.ticket_id: d
        for d in SearchDocument.objects.filter(ticket__in=[t.pk for t in rows])
    }
    for ticket in rows:
        document = documents.get(ticket.pk)
        text = ""
        if document is not None:
            text = (
                document.public_text
                if public_only
                else (f"{document.public_text}\n{document.internal_text}")
            )
            text = f"{text}\n{document.people}" if not _any_match(text, terms) else text
        results.hits.append(
            Hit(
                ticket=ticket,
                title_html=highlight(ticket.subject, terms),
                snippet_html=snippet(text, terms),
                url=ticket_url(user, ticket),
            )
        )
    return results


def _any_match(text: str, terms: list[Term]) -> bool:
    from podpora.search.text import fold

    folded = fold(text)
    return any(t.text in folded for t in terms)
