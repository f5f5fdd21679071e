"""Is a mail really from the address in its From? Pure: no database.

The answer comes from the ``Authentication-Results`` (RFC 8601) that our own
receiving server wrote: its DMARC verdict, or a DKIM or SPF pass aligned with
the From domain. Only the topmost header whose authserv-id the mailbox trusts
is read: our server adds its own on top (and should remove any that claim its
name further down), so headers a sender wrote into the mail are never
believed. A forwarder's ARC chain counts when our server says ``arc=pass``
and the first hop (``i=1``) saw DMARC pass for the same domain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import authres


class Verdict(StrEnum):
    VERIFIED = "verified"  # a trusted server vouches for the From domain
    FAILED = "failed"  # a trusted server says it is not from that domain
    UNKNOWN = "unknown"  # no trusted results, or nothing conclusive in them


@dataclass(frozen=True)
class SenderCheck:
    verdict: Verdict
    detail: str  # the results read, e.g. "dmarc=fail header.from=kowalski.pl"


_ARC_INSTANCE = re.compile(r"^\s*i\s*=\s*(\d+)\s*;\s*", re.I)


def _parse(value: str) -> authres.AuthenticationResultsHeader | None:
    try:
        return authres.AuthenticationResultsHeader.parse(
            "Authentication-Results: " + " ".join(value.split())
        )
    except Exception:  # authres raises its own SyntaxError and others
        return None


def _aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (DMARC): the same organisational domain, read as
    equal or one a subdomain of the other."""
    domain, from_domain = domain.lower().strip("."), from_domain.lower().strip(".")
    if not domain or not from_domain:
        return False
    return (
        domain == from_domain
        or from_domain.endswith("." + domain)
        or domain.endswith("." + from_domain)
    )


def _property(result: authres.AuthenticationResult, kind: str, name: str) -> str:
    for prop in result.properties:
        if prop.type == kind and prop.name == name:
            return str(prop.value or "")
    return ""


def _domain_of(value: str) -> str:
    return value.rpartition("@")[2]


def _read(results: list, from_domain: str) -> tuple[Verdict, bool]:
    """The verdict of one header's results, and whether ARC passed."""
    failed = arc = False
    for result in results:
        method, outcome = result.method.lower(), str(result.result).lower()
        if method == "dmarc":
            header_from = _property(result, "header", "from")
            if header_from and not _aligned(header_from, from_domain):
                continue
            if outcome == "pass":
                return Verdict.VERIFIED, arc
            if outcome == "fail":
                failed = True
        elif method == "dkim" and outcome == "pass":
            signer = _property(result, "header", "d") or _domain_of(
                _property(result, "header", "i")
            )
            if _aligned(signer, from_domain):
                return Verdict.VERIFIED, arc
        elif method == "spf" and outcome == "pass":
            envelope = _property(result, "smtp", "mailfrom") or _property(
                result, "smtp", "helo"
            )
            if _aligned(_domain_of(envelope), from_domain):
                return Verdict.VERIFIED, arc
        elif method == "arc" and outcome == "pass":
            arc = True
    return (Verdict.FAILED if failed else Verdict.UNKNOWN), arc


def check_sender(
    from_address: str,
    trusted_ids: frozenset[str],
    authentication_results: Sequence[str],
    arc_results: Sequence[str] = (),
) -> SenderCheck:
    """What the trusted receiving server says of ``from_address``; the headers
    are given topmost first, as they stand in the mail."""
    from_domain = _domain_of(from_address)
    if not trusted_ids or not from_domain:
        return SenderCheck(Verdict.UNKNOWN, "")
    ours = None
    for value in authentication_results:
        parsed = _parse(value)
        if parsed is not None and parsed.authserv_id.lower() in trusted_ids:
            ours = parsed
            break
    if ours is None:
        return SenderCheck(Verdict.UNKNOWN, "")
    detail = "; ".join(str(r) for r in ours.results)[:500]
    verdict, arc = _read(ours.results, from_domain)
    if verdict is Verdict.VERIFIED or not arc:
        return SenderCheck(verdict, detail)
    # Forwarded: what the first hop of the sealed chain saw.
    for text in arc_results:
        instance = _ARC_INSTANCE.match(text)
        if instance is None or instance.group(1) != "1":
            continue
        first_hop = _parse(text[instance.end() :])
        if first_hop is not None:
            hop_verdict, _arc = _read(first_hop.results, from_domain)
            if hop_verdict is Verdict.VERIFIED:
                return SenderCheck(Verdict.VERIFIED, f"{detail}; arc i=1")
    return SenderCheck(verdict, detail)
