"""ORM queries compiled once per shape and filled in with each page's values.

A queue page's rows query is the same SQL for every page of one *shape* (the
queue, which filters are given, the sort, the user's role, how many teams
they are in); only the values differ: the user's id, the team, the filter
values, the time "recently" starts. Building and compiling it through the
ORM cost about a millisecond a page, a tenth of the page. So the query is
still written with the ORM, once per shape and process, with stand-in
values; the positions of the stand-ins among the compiled parameters are
remembered, and a page puts its own values there.

It is built twice, with two sets of stand-ins, and both must compile to the
same SQL with every other parameter equal: a value that comes from anywhere
but the inputs (the clock read inside a filter, say) would differ between
the two and is refused, rather than being frozen into the cache.
"""

import datetime as dt
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

Value = int | str | dt.datetime
Inputs = Mapping[str, Value | Sequence[int]]

_MAX_SHAPES = 512


@dataclass(frozen=True, slots=True)
class _Slot:
    """A parameter taken from the inputs: ``name`` (and ``index`` in a list),
    prepared for the database like the ORM prepared the stand-in."""

    name: str
    index: int | None
    prepare: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    params: tuple[Any, ...]  # a constant, or a _Slot to fill in
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]

    def fill(self, inputs: Inputs) -> list[Any]:
        return self._fill(self.params, inputs)

    @staticmethod
    def _fill(params_or_slots: tuple[Any, ...], inputs: Inputs) -> list[Any]:
        params = []
        for param in params_or_slots:
            if isinstance(param, _Slot):
                value = inputs[param.name]
                if param.index is not None:
                    value = value[param.index]  # type: ignore[index]
                param = param.prepare(value)
            params.append(param)
        return params

    def rows(
        self, inputs: Inputs, start: int = 0, stop: int | None = None
    ) -> list[tuple[Any, ...]]:
        """Rows ``start:stop`` (all rows when ``stop`` is None), with the ORM's
        conversions applied."""
        # The bounds are written into the text (they are integers): each page
        # is then one statement, planned for the few rows it reads.
        bounds = (
            "" if stop is None else f" LIMIT {int(stop - start)} OFFSET {int(start)}"
        )
        if _prepares():
            sql, slots = _prepared_form(self.sql, self.params)
            with _preparing_cursor() as cursor:
                cursor.execute(f"{sql}{bounds}", self._fill(slots, inputs))
                found = cursor.fetchall()
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"{self.sql}{bounds}", self.fill(inputs))
                found = cursor.fetchall()
        if not self.converters:
            return found
        converted = []
        for row in found:
            values = list(row)
            for position, functions, expression in self.converters:
                value = values[position]
                for function in functions:
                    value = function(value, expression, connection)
                values[position] = value
            converted.append(tuple(values))
        return converted


def _prepares() -> bool:
    """Whether rows queries are prepared statements (PostgreSQL only).

    Planning the rows query takes PostgreSQL about as long as running it
    (0.4 ms). Prepared, a shape is planned for its first pages on a
    connection, and then runs on a plan PostgreSQL keeps for any values if
    that plan is no costlier than the ones made for the actual values.
    ``PODPORA_DB_PREPARE`` turns it off, for poolers that can't keep
    prepared statements.
    """
    return connection.vendor == "postgresql" and settings.PODPORA_DB_PREPARE


def _preparing_cursor() -> Any:
    """A cursor that binds parameters on the server and prepares statements.

    Django's own cursors bind on the client and never prepare, so this one
    alone keeps statements on the connection.
    """
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django turns preparing off
        raw.prepare_threshold = 0
    cursor: Any = ServerBindingCursor(raw)  # type: ignore[call-arg]
    # Wrapped like Django's cursors: logged queries, execute wrappers, errors.
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


_PLACEHOLDER = re.compile(r"%%|%s")


@lru_cache(maxsize=_MAX_SHAPES)
def _prepared_form(sql: str, params: tuple[Any, ...]) -> tuple[str, tuple[_Slot, ...]]:
    """``sql`` with its constants written in as literals, and the slots
    that stay parameters.

    A plan made once for every value can use a partial index (the open
    tickets of a team, say) only if the index's condition is met by the
    query's text, not by a parameter whose value the plan doesn't know.
    The constants (the open statuses, say) are the same on every page of a
    shape, so writing them in loses nothing.
    """
    ops: Any = connection.ops
    remaining = iter(params)
    slots: list[_Slot] = []

    def put(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%%"
        param = next(remaining)
        if isinstance(param, _Slot):
            slots.append(param)
            return "%s"
        literal: str = ops.compose_sql("%s", [param])  # PostgreSQL's quoting
        return literal.replace("%", "%%")

    return _PLACEHOLDER.sub(put, sql), tuple(slots)


def _same(value: Any) -> Any:
    return value


# The stand-ins made a query that matches nothing (``.none()``, a value out
# of a column's range): the real values may not, so such a shape is left to
# the ORM.
ORM_ONLY = Compiled("", (), ())

_compiled: dict[Hashable, Compiled] = {}


def _kind(value: Value | Sequence[int]) -> Hashable:
    if isinstance(value, list | tuple):
        return ("ids", len(value))
    return type(value).__name__


def _stand_ins(inputs: Inputs, seed: int) -> dict[str, Any]:
    """Values of the same kinds as ``inputs`` that no real query would hold."""
    stand_ins: dict[str, Any] = {}
    for position, (name, value) in enumerate(sorted(inputs.items())):
        if isinstance(value, bool):
            raise TypeError(f"{name}: a flag belongs in the shape, not the inputs")
        if isinstance(value, int):
            # Small enough for any integer column: the ORM answers a value
            # out of a column's range with "no rows" instead of SQL.
            stand_ins[name] = 10_000 * seed + position
        elif isinstance(value, str):
            stand_ins[name] = f"\x1dstand-in {seed} {name}\x1d"
        elif isinstance(value, dt.datetime):
            stand_ins[name] = dt.datetime(1901 + seed, 1, 1, tzinfo=dt.UTC) + (
                dt.timedelta(minutes=position)
            )
        else:  # ids
            base = 1_000_000_000 * seed + 1_000_000 * position
            stand_ins[name] = [base + i for i in range(len(value))]
    return stand_ins


def _compile(build: Callable[[Inputs], QuerySet[Any]], inputs: Inputs) -> Compiled:
    compiled: list[tuple[str, tuple[Any, ...], Any]] = []
    stand_ins = [_stand_ins(inputs, seed) for seed in (1, 2)]
    for values in stand_ins:
        compiler = build(values).query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return ORM_ONLY
        compiled.append((sql, tuple(params), compiler))
    (sql, params, compiler), (other_sql, other_params, _) = compiled
    if sql != other_sql or len(params) != len(other_params):
        raise ValueError("The query's SQL depends on more than its shape.")

    # Where each stand-in may show up among the parameters, and how to
    # prepare a real value like it.
    adapt = connection.ops.adapt_datetimefield_value
    where: list[dict[Any, tuple[str, int | None, Callable[[Any], Any]]]] = []
    for values in stand_ins:
        found: dict[Any, tuple[str, int | None, Callable[[Any], Any]]] = {}
        for name, value in values.items():
            if isinstance(value, list):
                for i, item in enumerate(value):
                    found[item] = (name, i, int)
            else:
                found[value] = (name, None, _same)
                if isinstance(value, dt.datetime):
                    found[adapt(value)] = (name, None, adapt)  # as text (SQLite)
        where.append(found)
    slots: list[Any] = []
    for param, other in zip(params, other_params, strict=True):
        first, second = where[0].get(param), where[1].get(other)
        if first is not None and second is not None and first[:2] == second[:2]:
            name, index, prepare = first
            if isinstance(param, int):
                prepare = type(param)  # int, or the driver's smallint, bigint…
            slots.append(_Slot(name, index, prepare))
        elif first is None and second is None and param == other:
            slots.append(param)
        else:
            raise ValueError("A value of the query is not among its inputs.")

    fields = [column[0] for column in compiler.select[: compiler.col_count]]
    converters = tuple(
        (position, tuple(functions), expression)
        for position, (functions, expression) in compiler.get_converters(fields).items()
    )
    return Compiled(sql, tuple(slots), converters)


def compiled(
    shape: Hashable, build: Callable[[Inputs], QuerySet[Any]], inputs: Inputs
) -> Compiled:
    """The query ``build`` makes for ``inputs``, compiled once per ``shape``
    (and kinds of inputs) in this process, or ``ORM_ONLY``. ``build`` must
    use nothing but the shape and the inputs."""
    key = (
        connection.alias,
        connection.vendor,
        shape,
        tuple((name, _kind(value)) for name, value in sorted(inputs.items())),
    )
    found = _compiled.get(key)
    if found is None:
        if len(_compiled) >= _MAX_SHAPES:
            _compiled.clear()
        found = _compiled[key] = _compile(build, inputs)
    return found
