"""Demo data for the reports: knowledge-base suggestions opened from the
request form over the last weeks, some of which spared a request, so that
the dashboard's and the client reports' deflection has figures. (Time spent
comes with the sample tickets' messages.)"""

import random
from datetime import timedelta

from django.utils import timezone

from podpora.accounts.models import User
from podpora.kb import services as kb
from podpora.kb.models import Article, ArticleStatus, Visibility

ARTICLES = (
    (
        "Drukarka nie drukuje: co sprawdzić najpierw",
        "1. Czy drukarka jest włączona i ma papier?\n"
        "2. Wyłącz ją na 30 sekund i włącz ponownie.\n"
        "3. W systemie usuń zablokowane zadania z kolejki wydruku.",
    ),
    (
        "Jak zresetować hasło do poczty",
        "Otwórz portal haseł, podaj swój e-mail i kod z SMS-a. "
        "Nowe hasło działa po kilku minutach.",
    ),
    (
        "VPN: připojení z domova",
        "Nainstalujte klienta VPN z portálu, přihlaste se firemním účtem "
        "a zvolte profil *Kancelář*.",
    ),
)
VISITS = 90


def add_deflection(*, days: int = 60, seed: int = 7) -> int:
    """Publish a few help articles and record suggestion visits of client
    people over the last ``days``: about a third marked "this solved my
    problem", a third followed by a request anyway, the rest left alone.
    Returns how many visits were added (none when the articles exist)."""
    if Article.objects.filter(title=ARTICLES[0][0]).exists():
        return 0
    author = (
        User.objects.filter(email="tomasz@podpora.demo").first()
        or User.objects.exclude(agent_role="").order_by("pk").first()
    )
    customers = list(
        User.objects.filter(agent_role="", memberships__isnull=False)
        .distinct()
        .order_by("pk")[:40]
    )
    if author is None or not customers:
        return 0
    articles = [
        kb.create_article(
            actor=author,
            title=title,
            body_markdown=body,
            visibility=Visibility.PUBLIC,
            status=ArticleStatus.PUBLISHED,
        )
        for title, body in ARTICLES
    ]
    rng = random.Random(seed)
    now = timezone.now()
    for n in range(VISITS):
        when = now - timedelta(days=rng.uniform(0.1, days))
        key = f"demo-suggestion-{n}"
        user = rng.choice(customers)
        article = rng.choice(articles)
        outcome = rng.random()
        if outcome < 0.35:
            kb.mark_solved(article, session_key=key, user=user, at=when)
        else:
            kb.record_suggestion_visit(article, session_key=key, user=user, at=when)
            if outcome < 0.7:
                kb.note_request_sent(key, at=when + timedelta(minutes=5))
    return VISITS
