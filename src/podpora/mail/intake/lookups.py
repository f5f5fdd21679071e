"""What processing a mail reads from the database (people, the tickets of
Message-IDs, tickets by number, earlier copies) and what it records (the
Message-ID of each mail received): :class:`Lookups` one query at a time,
:class:`BatchLookups` for a whole batch at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from podpora.accounts.models import User, normalize_email
from podpora.accounts.services import get_or_create_customer
from podpora.mail import parsing
from podpora.mail.models import Direction, MessageReference
from podpora.tickets.models import Message, Ticket

# Our tag in a subject ("[#42]", "[Podpora #42]"): looked up here for a batch,
# read by threads.find_thread, removed by writing.clean_subject.
_TAG = re.compile(r"\[(?:[^\[\]#]{0,40}\s)?#(\d{1,12})\]")


class Lookups:
    """What processing one mail reads and records, one query at a time.

    :class:`BatchLookups` answers the same questions for a whole batch from a
    few queries made up front, and remembers what the batch itself wrote.
    """

    def __init__(self) -> None:
        self._people: dict[str, User | None] = {}

    def preload(self, addresses: Iterable[str]) -> None:
        """Look up several people in one query (the people a mail copies)."""
        wanted = {normalize_email(a) for a in addresses} - set(self._people)
        if not wanted:
            return
        found = {u.email: u for u in User.objects.filter(email__in=sorted(wanted))}
        self._people.update((a, found.get(a)) for a in wanted)

    def user(self, address: str) -> User | None:
        key = normalize_email(address)
        if key in self._people:
            return self._people[key]
        return User.objects.filter(email=key).first()

    def customer(self, address: str, name: str) -> User:
        user = self._people.get(normalize_email(address))
        if user is None:
            user, _created = get_or_create_customer(address, full_name=name)
            self._people[user.email] = user
        return user

    def delivered(self, parsed: parsing.ParsedMail) -> tuple[int, int] | None:
        """(ticket, message) of the same mail (same Message-ID and sender)
        already received through another of our addresses."""
        if not parsed.message_id:
            return None
        return (
            Message.objects.filter(
                email_message_id=parsed.message_id,
                author__email=normalize_email(parsed.from_address),
            )
            .values_list("ticket_id", "pk")
            .first()
        )

    def references(self, ids: list[str]) -> dict[str, Ticket]:
        """Message-ID → ticket for those of ``ids`` we know (newest wins)."""
        found: dict[str, Ticket] = {}
        for ref in (
            MessageReference.objects.filter(email_message_id__in=ids)
            .select_related("ticket")
            .order_by("pk")
        ):
            found[ref.email_message_id] = ref.ticket
        return found

    def ticket_numbered(self, number: int) -> Ticket | None:
        return Ticket.objects.filter(number=number).first()

    def received(self, message: Message, message_id: str, *, author: str) -> None:
        """Record the Message-ID of a mail that became ``message``."""
        MessageReference.objects.create(
            email_message_id=message_id,
            ticket_id=message.ticket_id,
            message=message,
            direction=Direction.IN,
        )


_IN_CHUNK = 500  # values per IN (...) list, well under SQLite's parameter limit


def _chunks(values: Iterable[str | int]) -> Iterator[list]:
    items = sorted(set(values), key=str)
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def _in_chunks[Row](
    values: Iterable[str | int], query: Callable[[list], Iterable[Row]]
) -> list[Row]:
    """Every row ``query`` finds for ``values``, asked for a chunk at a time."""
    found: list[Row] = []
    for chunk in _chunks(values):
        found += query(chunk)
    return found


class BatchLookups(Lookups):
    """The lookups of a whole batch in four queries (people, Message-IDs of
    the threads, subject tags, earlier copies), plus what the batch wrote.

    A mail's writes become visible to the mails after it only when its
    savepoint is released (:meth:`keep`); a mail that fails takes its writes
    with it (:meth:`drop`), so a later mail never sees a rolled-back user or
    ticket. Message references are inserted together at the end
    (:meth:`flush`), inside the batch's transaction.
    """

    def __init__(self, mails: Iterable[parsing.ParsedMail]) -> None:
        super().__init__()
        addresses: set[str] = set()
        thread_ids: set[str] = set()
        numbers: set[int] = set()
        message_ids: set[str] = set()
        for parsed in mails:
            addresses.add(normalize_email(parsed.from_address))
            addresses.update(normalize_email(a) for _n, a in [*parsed.to, *parsed.cc])
            thread_ids.update(parsed.thread_ids)
            if parsed.message_id:
                message_ids.add(parsed.message_id)
            match = _TAG.search(parsed.subject)
            if match:
                numbers.add(int(match.group(1)))
        self._addresses = addresses
        self._users: dict[str, User] = {
            u.email: u
            for u in _in_chunks(addresses, lambda c: User.objects.filter(email__in=c))
        }
        self._thread_ids = thread_ids
        refs = _in_chunks(
            thread_ids,
            lambda c: MessageReference.objects.filter(
                email_message_id__in=c
            ).select_related("ticket"),
        )
        # Newest wins, as in Lookups.references.
        self._refs: dict[str, Ticket] = {
            r.email_message_id: r.ticket for r in sorted(refs, key=lambda r: r.pk)
        }
        self._numbers = numbers
        self._tickets: dict[int, Ticket] = {
            t.number: t
            for t in _in_chunks(numbers, lambda c: Ticket.objects.filter(number__in=c))
        }
        self._message_ids = message_ids
        copies = _in_chunks(
            message_ids,
            lambda c: Message.objects.filter(email_message_id__in=c).values_list(
                "pk", "ticket_id", "email_message_id", "author__email"
            ),
        )
        # The oldest copy, as in Lookups.delivered.
        self._delivered: dict[tuple[str, str], tuple[int, int]] = {}
        for pk, ticket_id, mid, author in sorted(copies):
            self._delivered.setdefault((mid, author or ""), (ticket_id, pk))
        self._staged: list[tuple[dict, object, object]] = []
        self._staged_refs: list[MessageReference] = []
        self._new_refs: list[MessageReference] = []

    def _stage(self, table: dict, key: object, value: object) -> None:
        self._staged.append((table, key, value))

    def keep(self) -> None:
        """The mail's savepoint was released: later mails see its writes."""
        for table, key, value in self._staged:
            table[key] = value
        self._new_refs += self._staged_refs
        self.drop()

    def drop(self) -> None:
        """The mail's savepoint was rolled back: forget its writes."""
        self._staged = []
        self._staged_refs = []

    def flush(self) -> None:
        MessageReference.objects.bulk_create(self._new_refs)
        self._new_refs = []

    def _staged_value(self, table: dict, key: object) -> object:
        for staged_table, staged_key, value in reversed(self._staged):
            if staged_table is table and staged_key == key:
                return value
        return table.get(key)

    def preload(self, addresses: Iterable[str]) -> None:
        pass  # the batch looked up everybody it names at the start

    def user(self, address: str) -> User | None:
        key = normalize_email(address)
        if key not in self._addresses:
            return super().user(address)
        return self._staged_value(self._users, key)  # type: ignore[return-value]

    def customer(self, address: str, name: str) -> User:
        key = normalize_email(address)
        user = self._staged_value(self._users, key) if key in self._addresses else None
        if user is None:
            # Not Lookups.customer: what it remembers is not undone with a
            # rolled-back mail, what is staged here is.
            user, _created = get_or_create_customer(address, full_name=name)
            self._stage(self._users, key, user)
        return user  # type: ignore[return-value]

    def delivered(self, parsed: parsing.ParsedMail) -> tuple[int, int] | None:
        if not parsed.message_id:
            return None
        if parsed.message_id not in self._message_ids:
            return super().delivered(parsed)
        key = (parsed.message_id, normalize_email(parsed.from_address))
        return self._staged_value(self._delivered, key)  # type: ignore[return-value]

    def references(self, ids: list[str]) -> dict[str, Ticket]:
        if not set(ids) <= self._thread_ids:
            return super().references(ids)
        found = {}
        for mid in ids:
            ticket = self._staged_value(self._refs, mid)
            if ticket is not None:
                found[mid] = ticket
        return found  # type: ignore[return-value]

    def ticket_numbered(self, number: int) -> Ticket | None:
        if number not in self._numbers:
            return super().ticket_numbered(number)
        return self._staged_value(self._tickets, number)  # type: ignore[return-value]

    def received(self, message: Message, message_id: str, *, author: str) -> None:
        ticket = message.ticket
        self._staged_refs.append(
            MessageReference(
                email_message_id=message_id,
                ticket=ticket,
                message=message,
                direction=Direction.IN,
            )
        )
        self._stage(self._refs, message_id, ticket)
        self._stage(self._tickets, ticket.number, ticket)
        if message.email_message_id:
            key = (message.email_message_id, normalize_email(author))
            self._stage(self._delivered, key, (message.ticket_id, message.pk))
