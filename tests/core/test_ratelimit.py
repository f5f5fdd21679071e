import ipaddress
import subprocess
import sys

import pytest

from podpora.core import ratelimit
from podpora.core.ratelimit import client_address
from tests.core.processes import REPO, environment

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8::/32")]


def test_a_peer_that_is_not_a_proxy_is_the_client_whatever_it_forwards():
    assert client_address("198.51.100.7", ["1.2.3.4"], PROXIES) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_last_forwarded_hop_is_the_client():
    assert client_address("10.0.0.2", ["198.51.100.7"], PROXIES) == "198.51.100.7"


def test_the_forwarded_chain_is_walked_from_the_right_past_trusted_hops_only():
    # The client made up "1.2.3.4"; our proxies appended what they saw.
    chain = ["1.2.3.4, 198.51.100.7, 10.1.1.1"]
    assert client_address("10.0.0.2", chain, PROXIES) == "198.51.100.7"


def test_several_forwarded_headers_read_as_one_list():
    headers = ["1.2.3.4", "198.51.100.7, 10.1.1.1"]
    assert client_address("10.0.0.2", headers, PROXIES) == "198.51.100.7"


def test_ipv6_and_ports_are_understood():
    assert client_address("2001:db8::1", ["[2001:db9::5]:443"], PROXIES) == (
        "2001:db9::5"
    )
    assert client_address("10.0.0.2", ["198.51.100.7:5000"], PROXIES) == (
        "198.51.100.7"
    )


def test_a_trusted_proxy_without_a_header_or_with_garbage_is_the_client():
    assert client_address("10.0.0.2", [], PROXIES) == "10.0.0.2"
    assert client_address("10.0.0.2", ["not-an-address"], PROXIES) == "10.0.0.2"


def test_with_no_trusted_proxies_the_header_is_never_read():
    assert client_address("10.0.0.2", ["198.51.100.7"], []) == "10.0.0.2"


def test_a_websocket_scope_is_read_the_same_way(settings):
    settings.PODPORA_TRUSTED_PROXIES = ["127.0.0.1"]
    scope = {
        "client": ("127.0.0.1", 5000),
        "headers": [(b"x-forwarded-for", b"203.0.113.9")],
    }
    assert ratelimit.scope_client_ip(scope) == "203.0.113.9"
    settings.PODPORA_TRUSTED_PROXIES = []
    assert ratelimit.scope_client_ip(scope) == "127.0.0.1"


@pytest.mark.django_db
def test_a_limit_says_how_long_to_wait_once_used_up():
    limit = ratelimit.Limit("test", attempts=2, window_seconds=60)
    assert ratelimit.take(limit, "x") == 0
    assert ratelimit.take(limit, "x") == 0
    assert 55 <= ratelimit.take(limit, "x") <= 60
    assert ratelimit.take(limit, "y") == 0
    ratelimit.reset(limit, "x")
    assert ratelimit.retry_after(limit, "x") == 0


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start():
    started = subprocess.run(
        # The system checks that every start runs (podpora.core.checks).
        [sys.executable, "-m", "podpora.cli", "check"],
        cwd=REPO,
        env=environment(PODPORA_TRUSTED_PROXIES="10.0.0.0/8,proxy.internal"),
        capture_output=True,
        text=True,
    )
    assert started.returncode != 0
    output = started.stdout + started.stderr
    assert "'proxy.internal' is not an address or a CIDR" in output
