"""Two installs sharing one Redis, told apart by PODPORA_REDIS_KEY_PREFIX
alone: chat pushes, cached values and queued tasks never cross."""

import asyncio
import runpy
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from channels_redis.core import RedisChannelLayer
from django.core.cache.backends.redis import RedisCache
from django.utils.module_loading import import_string

import podpora
from tests.chat.conftest import forget_redis_keys
from tests.core import tasks

REDIS_URL = "redis://127.0.0.1:6379/0"
SETTINGS = Path(podpora.__file__).parent / "settings.py"


def _install_settings(monkeypatch, prefix: str) -> dict:
    """The settings an install started with this prefix would have."""
    with monkeypatch.context() as env:
        env.setenv("REDIS_URL", REDIS_URL)
        env.setenv("PODPORA_REDIS_KEY_PREFIX", prefix)
        env.delenv("PODPORA_TASK_BACKEND", raising=False)
        return runpy.run_path(str(SETTINGS))


@pytest.fixture
def two_installs(monkeypatch, redis_prefix):
    a, b = f"{redis_prefix}-a", f"{redis_prefix}-b"
    yield {p: _install_settings(monkeypatch, p) for p in (a, b)}
    for prefix in (a, b):
        forget_redis_keys(prefix)


def _layer(conf: dict) -> RedisChannelLayer:
    return RedisChannelLayer(**conf["CHANNEL_LAYERS"]["default"]["CONFIG"])


def _keys_containing(text: str) -> list[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        return [k.decode() for k in client.scan_iter(f"*{text}*")]
    finally:
        client.close()


def test_a_chat_push_reaches_only_its_own_install(two_installs):
    (a, conf_a), (b, conf_b) = two_installs.items()
    group = f"chat-{uuid.uuid4().hex}"

    async def exchange() -> tuple[dict, dict | None]:
        layer_a, layer_b = _layer(conf_a), _layer(conf_b)
        try:
            inbox_a = await layer_a.new_channel()
            inbox_b = await layer_b.new_channel()
            await layer_a.group_add(group, inbox_a)
            await layer_b.group_add(group, inbox_b)
            await layer_a.group_send(group, {"type": "push", "body": "Dzień dobry"})
            received = await asyncio.wait_for(layer_a.receive(inbox_a), 5)
            try:
                leaked = await asyncio.wait_for(layer_b.receive(inbox_b), 1)
            except TimeoutError:
                leaked = None
            return received, leaked
        finally:
            await layer_a.close_pools()
            await layer_b.close_pools()

    # On a thread of its own: a browser test earlier in the run may have left
    # an event loop running on this one.
    with ThreadPoolExecutor(1) as thread:
        received, leaked = thread.submit(asyncio.run, exchange()).result()
    assert received["body"] == "Dzień dobry"
    assert leaked is None
    keys = _keys_containing(group)
    assert keys
    assert all(k.startswith((a, b)) for k in keys), keys


def test_cached_values_and_queued_tasks_stay_with_their_install(two_installs):
    (a, conf_a), (_, conf_b) = two_installs.items()
    cache_a, cache_b = (
        RedisCache(c["CACHES"]["default"]["LOCATION"], c["CACHES"]["default"])
        for c in (conf_a, conf_b)
    )
    cache_a.set("rl:login-ip:x", 7)
    assert cache_a.get("rl:login-ip:x") == 7
    assert cache_b.get("rl:login-ip:x") is None

    options = conf_a["TASKS"]["default"]
    backend = import_string(options["BACKEND"])("default", options)
    result = backend.enqueue(tasks.tick, (), {})
    keys = _keys_containing(result.id)
    assert keys
    assert all(k.startswith(f"{a}:") for k in keys), keys
