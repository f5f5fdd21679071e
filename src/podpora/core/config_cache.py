"""Configuration read on every ticket change, kept in process memory.

Rules, SLA policies with their calendars, and webhooks change a few times a
month but are read by every ticket change. Each process keeps what it loaded
until the shared *generation* (one key in the Django cache, seen by every web
and worker process) changes; saving or deleting any watched model changes it.

The generation changes twice: at once, so the writing transaction (and a test
inside one) sees its own change, and again after the commit, so that a process
that reloaded in between, still seeing the old rows, loads again.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "podpora:config-generation"


# How long a process trusts its copy without asking the shared cache: a
# change made in another process is seen within this time, one made in this
# process at once.
RECHECK_SECONDS = 1.0

_lock = threading.Lock()
_generation: str | None = None
_checked_at = 0.0
_values: dict[str, Any] = {}


def _current_generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # A cleared or restarted cache: start a new generation, so every
        # process reloads rather than trusting what it kept.
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY, "")
    return str(generation)


def freeze(value: Any) -> Any:
    """``value`` (JSON-like data) made read-only: mappings become
    ``MappingProxyType``, lists and sets tuples and frozensets, all the way down."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(freeze(v) for v in value)
    return value


def cached[T](name: str, load: Callable[[], T]) -> T:
    """``load()``'s result, loaded once per process and generation.

    What ``load`` returns is shared by every thread of the process, so it
    must be plain frozen data, never model instances: frozen dataclasses,
    tuples, frozensets, ``MappingProxyType`` (:func:`freeze` makes JSON
    read-only). A caller cannot then change what the next one reads.
    """
    global _generation, _checked_at
    now = time.monotonic()
    with _lock:
        generation = _generation
        fresh = generation is not None and now - _checked_at < RECHECK_SECONDS
        if fresh and name in _values:
            return _values[name]  # type: ignore[no-any-return]
    if not fresh:
        generation = _current_generation()
        with _lock:
            if generation != _generation:
                _values.clear()
                _generation = generation
            _checked_at = now
            if name in _values:
                return _values[name]  # type: ignore[no-any-return]
    value = load()
    with _lock:
        if _generation == generation:
            _values[name] = value
    return value


def changed() -> None:
    """Start a new generation now and again once the transaction commits."""

    def bump() -> None:
        global _generation
        with _lock:
            _generation = None  # this process reloads at once
            _values.clear()
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump, robust=True)


def _on_change(sender: type[models.Model], **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loading fixtures
    changed()


def watch(*model_classes: type[models.Model]) -> None:
    """Drop cached configuration whenever one of ``model_classes`` changes
    (saved, deleted, or one of its many-to-many relations edited)."""
    for model in model_classes:
        uid = f"podpora-config-{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + "-delete")
        for field in model._meta.many_to_many:
            through = field.remote_field.through  # type: ignore[attr-defined]
            m2m_changed.connect(
                _on_change, sender=through, dispatch_uid=uid + field.name
            )


def forget() -> None:
    """Drop this process's copies (tests call it between tests)."""
    global _generation
    with _lock:
        _generation = None
        _values.clear()
