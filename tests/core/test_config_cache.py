"""Configuration kept in process memory: rules, SLA policies and webhooks are
read on every ticket change, so each process keeps a copy and reloads it when
any of them changes, in this process at once and in others within a second."""

import pytest
from django.core.cache import cache

from podpora.automation.models import Match, Rule, Trigger
from podpora.core import config_cache
from podpora.tickets.models import Priority

pytestmark = pytest.mark.django_db


def _urgent_rule(word: str) -> Rule:
    return Rule.objects.create(
        name=f"{word} is urgent",
        trigger=Trigger.CREATED,
        match=Match.ANY,
        conditions=[{"field": "subject", "op": "contains", "value": word}],
        actions=[{"type": "set_priority", "value": str(Priority.URGENT)}],
    )


def test_a_rule_saved_in_this_process_applies_to_the_next_ticket(adam, open_ticket_for):
    assert open_ticket_for(adam, "Serwer leży").priority == Priority.NORMAL

    _urgent_rule("serwer")

    ticket = open_ticket_for(adam, "Serwer leży znowu")
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT


def test_a_switched_off_rule_stops_at_once(adam, open_ticket_for):
    rule = _urgent_rule("serwer")
    first = open_ticket_for(adam, "Serwer leży")
    first.refresh_from_db()
    assert first.priority == Priority.URGENT

    rule.is_active = False
    rule.save()

    second = open_ticket_for(adam, "Serwer leży znowu")
    second.refresh_from_db()
    assert second.priority == Priority.NORMAL


def test_another_process_change_is_seen_after_the_recheck_interval(monkeypatch):
    loads = []

    def load() -> str:
        loads.append(1)
        return f"copy {len(loads)}"

    clock = [1000.0]
    monkeypatch.setattr(config_cache.time, "monotonic", lambda: clock[0])
    assert config_cache.cached("thing", load) == "copy 1"
    # Another process saves a rule: it starts a new generation in the cache.
    cache.set(config_cache.GENERATION_KEY, "from-another-process", timeout=None)

    clock[0] += config_cache.RECHECK_SECONDS / 2
    assert config_cache.cached("thing", load) == "copy 1"  # not asked yet

    clock[0] += config_cache.RECHECK_SECONDS
    assert config_cache.cached("thing", load) == "copy 2"
    assert config_cache.cached("thing", load) == "copy 2"


def test_a_cleared_cache_makes_every_process_reload(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(config_cache.time, "monotonic", lambda: clock[0])
    values = iter(["old", "new"])
    assert config_cache.cached("thing", lambda: next(values)) == "old"

    cache.clear()
    clock[0] += 2 * config_cache.RECHECK_SECONDS

    assert config_cache.cached("thing", lambda: next(values)) == "new"


def test_the_kept_configuration_is_frozen_data_no_caller_can_change(
    adam, open_ticket_for
):
    """Rules, SLA policies and webhooks are shared by every thread of a
    process: what the cache hands out is plain frozen data, not model rows,
    so a caller that tries to change it fails instead of changing it for all."""
    import dataclasses

    from podpora.automation import rules, sla
    from podpora.automation.data import install_defaults
    from podpora.integrations import webhooks
    from podpora.integrations.models import Webhook

    install_defaults()
    _urgent_rule("serwer")
    Webhook.objects.create(
        name="CRM", url="https://crm.example.com/hook", events=["ticket.created"]
    )
    open_ticket_for(adam, "Serwer leży")  # loads everything

    rule = rules.active_rules(Trigger.CREATED)[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.name = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        rule.conditions[0]["value"] = "changed"  # type: ignore[index]
    assert isinstance(rule.actions, tuple)

    policy = sla.default_policy()
    assert policy is not None
    assert policy.targets
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.warning_percent = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.targets[0].resolution_minutes = 1  # type: ignore[misc]

    (hook,) = webhooks.subscribers("ticket.created")
    with pytest.raises(dataclasses.FrozenInstanceError):
        hook.events = frozenset()  # type: ignore[misc]
    assert not hasattr(hook, "secret")  # the delivery reads it fresh
