"""Which Authentication-Results make a From address believable."""

import pytest

from podpora.mail.authenticity import Verdict, check_sender

OURS = frozenset({"mx.podpora.test"})


@pytest.mark.parametrize(
    ("results", "arc", "verdict"),
    [
        (["mx.podpora.test; dmarc=pass header.from=kowalski.pl"], [], Verdict.VERIFIED),
        (["mx.podpora.test; dkim=pass header.d=kowalski.pl"], [], Verdict.VERIFIED),
        (
            ["mx.podpora.test; dkim=pass header.d=mail.kowalski.pl"],
            [],
            Verdict.VERIFIED,
        ),
        (
            ["mx.podpora.test; spf=pass smtp.mailfrom=b@kowalski.pl"],
            [],
            Verdict.VERIFIED,
        ),
        # Passes for another domain say nothing of this one.
        (["mx.podpora.test; dkim=pass header.d=evil.test"], [], Verdict.UNKNOWN),
        (["mx.podpora.test; spf=pass smtp.mailfrom=x@evil.test"], [], Verdict.UNKNOWN),
        (["mx.podpora.test; dmarc=pass header.from=evil.test"], [], Verdict.UNKNOWN),
        (["mx.podpora.test; dmarc=fail header.from=kowalski.pl"], [], Verdict.FAILED),
        (["mx.podpora.test; none"], [], Verdict.UNKNOWN),
        # A stranger's server is not ours; only our topmost header counts.
        (["mx.evil.test; dmarc=pass header.from=kowalski.pl"], [], Verdict.UNKNOWN),
        (
            [
                "mx.podpora.test; none",
                "mx.podpora.test; dmarc=pass header.from=kowalski.pl",
            ],
            [],
            Verdict.UNKNOWN,
        ),
        (["garbage ;;; ==="], [], Verdict.UNKNOWN),
        # Forwarded by a list that broke DKIM: the sealed first hop saw DMARC pass.
        (
            ["mx.podpora.test; arc=pass; dmarc=fail header.from=kowalski.pl"],
            ["i=1; mx.list.example; dmarc=pass header.from=kowalski.pl"],
            Verdict.VERIFIED,
        ),
        (
            ["mx.podpora.test; arc=fail; dmarc=fail header.from=kowalski.pl"],
            ["i=1; mx.list.example; dmarc=pass header.from=kowalski.pl"],
            Verdict.FAILED,
        ),
    ],
)
def test_verdict_from_our_servers_results(results, arc, verdict):
    assert check_sender("adam@kowalski.pl", OURS, results, arc).verdict is verdict


def test_nothing_is_believed_when_the_mailbox_trusts_no_server():
    results = ["mx.podpora.test; dmarc=pass header.from=kowalski.pl"]
    assert check_sender("adam@kowalski.pl", frozenset(), results).verdict is (
        Verdict.UNKNOWN
    )
