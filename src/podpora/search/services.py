"""One search interface, two engines.

``search(user, query, **filters)`` finds the tickets ``user`` may see
(``tickets.selectors.visible_to``) whose number, subject, thread, people,
organisation, tags or file names match every word of ``query``. Customers
match only the public thread (never notes, never tags). Results rank subject
and number hits first, then newest first; each carries highlighted HTML.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Max, Min, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from podpora.accounts.models import User
from podpora.search import typos
from podpora.search.filters import TicketFilters, apply_filters
from podpora.search.models import SearchDocument
from podpora.search.text import Term, fold, highlight, query_terms, snippet
from podpora.tickets.models import Ticket
from podpora.tickets.selectors import visible_to

PAGE_SIZE = 25
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Hit:
    ticket: Ticket
    title_html: SafeString
    snippet_html: SafeString
    url: str = ""


@cache
def _has_route(name: str) -> bool:
    # The desk and portal are separate apps; a failed reverse is slow, so
    # whether each route exists is worked out once.
    try:
        reverse(name, args=[1])
    except NoReverseMatch:
        return False
    return True


def ticket_url(user: User, ticket: Ticket) -> str:
    """The ticket's page in the desk (agents) or the portal (customers)."""
    name = "desk:ticket" if user.is_agent else "portal:ticket"
    return reverse(name, args=[ticket.number]) if _has_route(name) else ""


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    has_more: bool = False
    fuzzy: bool = False  # nothing matched exactly; these are near matches
    # Some tickets are not in the index yet: only numbers and e-mail
    # addresses are sure to be found.
    index_incomplete: bool = False


def _tsquery(terms: list[Term]) -> str:
    # Terms are folded to letters and digits, so nothing here can break the
    # tsquery syntax. Each term: any of its stems as a prefix, or for a pair
    # such as "wi fi" both words.
    def one(term: Term) -> str:
        if term.whole:
            return term.text
        options = [f"{p}:*" for p in term.prefixes]
        if term.parts:
            options.append("(" + " & ".join(one(part) for part in term.parts) + ")")
        return "(" + " | ".join(options) + ")"

    return " & ".join(one(t) for t in terms)


def _fts5_query(terms: list[Term], columns: str = "") -> str:
    def one(term: Term) -> str:
        if term.whole:
            return f'"{term.text}"'
        options = [f'"{p}"*' for p in term.prefixes]
        if term.parts:
            options.append("(" + " AND ".join(one(part) for part in term.parts) + ")")
        return "(" + " OR ".join(options) + ")"

    expression = " AND ".join(one(t) for t in terms)
    return f"{{{columns}}} : ({expression})" if columns else expression


def _match_postgres(
    tickets: QuerySet[Ticket], terms: list[Term], public_only: bool, tier: str
) -> QuerySet[Ticket]:
    table = SearchDocument._meta.db_table
    vector = f"{table}.{'public_vector' if public_only else 'all_vector'}"
    in_title = f"{table}.title_vector @@ to_tsquery('podpora_search', %s)"
    if tier == "title":
        where, params = [in_title], [_tsquery(terms)]
    else:
        where = [f"{vector} @@ to_tsquery('podpora_search', %s)", f"NOT ({in_title})"]
        params = [_tsquery(terms), _tsquery(terms)]
    return tickets.filter(search_document__isnull=False).extra(  # noqa: S610 (constant identifiers; values are parameters)
        where=where, params=params
    )


def _match_sqlite(
    tickets: QuerySet[Ticket], terms: list[Term], public_only: bool, tier: str
) -> QuerySet[Ticket]:
    inside = f"{Ticket._meta.db_table}.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"  # noqa: S608
    title = _fts5_query(terms, "title")
    if tier == "title":
        where, params = [inside], [title]
    else:
        columns = "title people public_text" if public_only else ""
        where = [inside, f"NOT ({inside})"]
        params = [_fts5_query(terms, columns), title]
    return tickets.extra(where=where, params=params)  # noqa: S610


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


def _direct(query: str, terms: list[Term]) -> Q | None:
    """A ticket number or a requester's e-mail address: looked up on the
    tickets themselves, so they are found even while the index is empty or
    being rebuilt."""
    text = query.strip()
    if len(terms) == 1 and terms[0].whole and text.lstrip("#").isdigit():
        return Q(number=int(terms[0].text))
    if _EMAIL.fullmatch(text):
        return Q(requester__email__iexact=text)
    return None


def _tiers(
    match: Callable[[QuerySet[Ticket], list[Term], bool, str], QuerySet[Ticket]],
    tickets: QuerySet[Ticket],
    terms: list[Term],
    public_only: bool,
    direct: Q | None,
) -> list[QuerySet[Ticket]]:
    """The matches, best first: the ticket with that number or from that
    address, then number and subject hits, then the rest. Each tier is simply
    "newest first": a plain ORDER BY updated_at … LIMIT, which the database
    answers by walking the index and stopping early for common words, or
    from the full-text index for rare ones."""
    newest = ("-updated_at", "-pk")
    tiers = []
    if direct is not None:
        tiers.append(tickets.filter(direct).order_by(*newest))
        tickets = tickets.exclude(direct)
    tiers += [
        match(tickets, terms, public_only, tier).order_by(*newest)
        for tier in ("title", "rest")
    ]
    return tiers


def _page(tiers: list[QuerySet[Ticket]], offset: int, wanted: int) -> list[Ticket]:
    """``wanted`` rows from ``offset`` on, through the tiers in turn."""
    rows: list[Ticket] = []
    skip = offset
    for tier in tiers:
        if len(rows) >= wanted:
            break
        batch = list(tier[: skip + wanted - len(rows)])
        if len(batch) <= skip:  # the whole tier lies before the page
            skip -= len(batch)
            continue
        rows += batch[skip:]
        skip = 0
    return rows


def index_incomplete() -> bool:
    """Whether some tickets have no search document (the index is being
    rebuilt, or tickets were loaded without it). Compares the lowest and
    highest ticket ids on both sides: two index look-ups, whatever the size;
    the rebuild and bulk loads both leave a gap at one end."""
    tickets = Ticket.objects.aggregate(low=Min("pk"), high=Max("pk"))
    documents = SearchDocument.objects.aggregate(
        low=Min("ticket_id"), high=Max("ticket_id")
    )
    return tickets != documents


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
    results = Results(query=query, page=page, index_incomplete=index_incomplete())
    terms = query_terms(query)
    if not terms:
        return results
    public_only = not user.is_agent
    tickets = _scoped(user, filters)
    match = _match_postgres if connection.vendor == "postgresql" else _match_sqlite
    newest = ("-updated_at", "-pk")
    offset = (page - 1) * page_size
    wanted = page_size + 1
    direct = _direct(query, terms)
    rows = _page(_tiers(match, tickets, terms, public_only, direct), offset, wanted)
    if not rows and page == 1 and connection.vendor == "sqlite":
        better = typos.corrected(terms)
        if better:
            rows = _page(_tiers(match, tickets, better, public_only, None), 0, wanted)
            results.fuzzy = bool(rows)
            terms = better if rows else terms
    if (
        not rows
        and page == 1
        and connection.vendor == "postgresql"
        and len(query.strip()) >= 4
    ):
        rows = list(
            _fuzzy_postgres(tickets, query.strip()[:100]).order_by(
                "-title_hit",  # type: ignore[misc]  # an extra(select=…) column
                *newest,
            )[:wanted]
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
    folded = fold(text)
    return any(p in folded for t in terms for p in t.prefixes)
