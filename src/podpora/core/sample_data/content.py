"""What a lived-in helpdesk has besides tickets: knowledge-base articles in
Polish, Czech and English, shared canned replies, and the satisfaction
surveys customers answered after their tickets were resolved.

Each function only adds what is missing (found again by title, or by the
ticket a survey is for), so loading the demo twice makes no second copy.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from podpora.accounts.models import User
from podpora.desk.models import CannedReply
from podpora.kb import services as kb_services
from podpora.kb.models import Article, ArticleStatus, Visibility
from podpora.surveys.models import ResponseChannel, Survey, SurveyResponse
from podpora.tickets.models import Status, Ticket

# (language, title, Markdown body, visibility)
ARTICLES = (
    (
        "pl",
        "Jak połączyć się z firmową siecią VPN",
        "1. Uruchom aplikację **FortiClient**.\n"
        "2. Wybierz połączenie *Biuro* i zaloguj się swoim kontem firmowym.\n"
        "3. Zatwierdź logowanie w aplikacji Microsoft Authenticator.\n\n"
        "Jeśli połączenie zrywa się co kilka minut, sprawdź, czy laptop nie "
        "przechodzi w tryb oszczędzania energii karty sieciowej.",
        Visibility.PUBLIC,
    ),
    (
        "pl",
        "Drukarka nie drukuje: co sprawdzić, zanim zgłosisz problem",
        "- Czy drukarka jest włączona i ma papier?\n"
        "- Czy na wyświetlaczu nie ma błędu (np. *zacięcie papieru*)?\n"
        "- Usuń zadania z kolejki wydruku i wyślij dokument ponownie.\n\n"
        "Nadal nie działa? Wyślij zgłoszenie ze zdjęciem komunikatu błędu.",
        Visibility.PUBLIC,
    ),
    (
        "pl",
        "Zmiana hasła do konta Microsoft 365",
        "Hasło zmienisz na stronie https://mysignins.microsoft.com/security-info. "
        "Nowe hasło musi mieć co najmniej 12 znaków. Po zmianie zaloguj się "
        "ponownie w Outlooku i Teams na telefonie.",
        Visibility.PUBLIC,
    ),
    (
        "cs",
        "Jak se připojit k firemní VPN",
        "1. Spusťte aplikaci **FortiClient**.\n"
        "2. Vyberte připojení *Kancelář* a přihlaste se firemním účtem.\n"
        "3. Potvrďte přihlášení v aplikaci Microsoft Authenticator.",
        Visibility.PUBLIC,
    ),
    (
        "cs",
        "Tisk z Heliosu do PDF",
        "Pokud Helios při tisku do PDF spadne, nastavte jako výchozí tiskárnu "
        "*Microsoft Print to PDF* a tisk zopakujte. Pomůže také aktualizace "
        "klienta Helios na nejnovější verzi.",
        Visibility.PUBLIC,
    ),
    (
        "cs",
        "Wi-Fi ve výrobní hale: nejčastější potíže",
        "- Terminály se připojují k síti *VYROBA*, ne k síti pro hosty.\n"
        "- Po výpadku proudu nabíhají přístupové body asi 5 minut.\n"
        "- Trvá-li výpadek déle, zavolejte na linku podpory.",
        Visibility.PUBLIC,
    ),
    (
        "en",
        "Setting up e-mail on your phone",
        "Install **Microsoft Outlook** from the App Store or Google Play, sign "
        "in with your company address and confirm the sign-in in Microsoft "
        "Authenticator. The built-in mail apps are not supported.",
        Visibility.PUBLIC,
    ),
    (
        "en",
        "Requesting access to a shared folder",
        "Open a request in the portal with the folder's path and whether you "
        "need to read or also to change files. Your manager approves it; "
        "access is usually granted within one working day.",
        Visibility.PUBLIC,
    ),
    (
        "en",
        "Runbook: restarting the print spooler on the file server",
        "1. Sign in to `fs01` over RDP.\n"
        "2. `Restart-Service Spooler -Force` in an elevated PowerShell.\n"
        "3. Check the queue in Print Management; tell the requester.",
        Visibility.INTERNAL,
    ),
)

# (title, body): shared replies, with the placeholders of ``desk.canned``.
CANNED_REPLIES = (
    (
        "Powitanie (PL)",
        "Dzień dobry {{ requester_name }},\n\ndziękujemy za zgłoszenie "
        "{{ ticket_number }}. Zajmujemy się nim i wkrótce się odezwiemy.\n\n"
        "Pozdrawiam\n{{ agent_name }}",
    ),
    (
        "Prośba o zrzut ekranu (PL)",
        "Dzień dobry {{ requester_name }},\n\nczy może Pan/Pani przesłać zrzut "
        "ekranu z komunikatem błędu? Pomoże nam to szybciej znaleźć przyczynę."
        "\n\nPozdrawiam\n{{ agent_name }}",
    ),
    (
        "Rozwiązane – prośba o potwierdzenie (PL)",
        "Dzień dobry {{ requester_name }},\n\nproblem powinien być już "
        "rozwiązany. Jeśli coś nadal nie działa, wystarczy odpowiedzieć na tę "
        "wiadomość.\n\nPozdrawiam\n{{ agent_name }}",
    ),
    (
        "Pozdrav (CS)",
        "Dobrý den, {{ requester_name }},\n\nděkujeme za váš požadavek "
        "{{ ticket_number }}. Už na něm pracujeme a brzy se ozveme.\n\n"
        "S pozdravem\n{{ agent_name }}",
    ),
    (
        "Vyřešeno – prosba o potvrzení (CS)",
        "Dobrý den, {{ requester_name }},\n\nproblém by měl být vyřešen. Pokud "
        "něco stále nefunguje, stačí odpovědět na tento e-mail.\n\n"
        "S pozdravem\n{{ agent_name }}",
    ),
    (
        "Greeting (EN)",
        "Hello {{ requester_name }},\n\nthank you for your request "
        "{{ ticket_number }}. We are looking into it and will be back to you "
        "shortly.\n\nBest regards\n{{ agent_name }}",
    ),
)

# Stars with their weights, and comments customers leave now and then.
RATINGS = ((5, 56), (4, 24), (3, 10), (2, 6), (1, 4))
COMMENTS = {
    "pl": {
        5: ["Szybko i sprawnie, dziękuję!", "Super, działa."],
        4: ["Dziękuję za pomoc."],
        3: ["Trwało to dość długo."],
        2: ["Musiałam dwa razy pisać o to samo."],
        1: ["Problem wrócił następnego dnia."],
    },
    "cs": {
        5: ["Rychlé a ochotné, děkuji!", "Výborně, funguje."],
        4: ["Děkuji za pomoc."],
        3: ["Trvalo to dost dlouho."],
        2: ["Musel jsem to psát dvakrát."],
        1: ["Problém se druhý den vrátil."],
    },
}
ANSWERED_SHARE = 0.45  # of resolved tickets whose requester answered the survey


def add_articles(author: User) -> int:
    """Publish the sample articles that are missing; returns how many."""
    present = set(Article.objects.values_list("title", flat=True))
    added = 0
    for language, title, body, visibility in ARTICLES:
        if title in present:
            continue
        kb_services.create_article(
            actor=author,
            title=title,
            body_markdown=body,
            language=language,
            visibility=visibility,
            status=ArticleStatus.PUBLISHED,
        )
        added += 1
    return added


def add_canned_replies(author: User) -> int:
    """The shared canned replies that are missing; returns how many."""
    present = set(
        CannedReply.objects.filter(owner=None).values_list("title", flat=True)
    )
    missing = [
        CannedReply(title=title, body=body, created_by=author)
        for title, body in CANNED_REPLIES
        if title not in present
    ]
    CannedReply.objects.bulk_create(missing)
    return len(missing)


@transaction.atomic
def answer_surveys(*, seed: int = 7) -> int:
    """Surveys for resolved tickets of customers that have none yet, and the
    answers of some of them, dated a few hours after the resolution (written
    in bulk, like the sample tickets: no mail, no lead told about last month's
    ratings). Returns how many were answered."""
    rng = random.Random(seed)
    now = timezone.now()
    tickets = (
        Ticket.objects.filter(
            status__in=(Status.RESOLVED, Status.CLOSED),
            resolved_at__isnull=False,
            merged_into=None,
            requester__agent_role="",
            surveys__isnull=True,
        )
        .select_related("requester")
        .order_by("pk")
    )
    stars, weights = zip(*RATINGS, strict=True)
    surveys: list[Survey] = []
    answers: list[SurveyResponse] = []
    for ticket in tickets.iterator(chunk_size=2000):
        resolved_at = ticket.resolved_at or now
        survey = Survey(
            ticket=ticket,
            resolved_at=resolved_at,
            recipient=ticket.requester,
            created_at=resolved_at,
            sent_at=resolved_at,
        )
        surveys.append(survey)
        if rng.random() >= ANSWERED_SHARE:
            continue
        rating = rng.choices(stars, weights)[0]
        comments = COMMENTS.get(ticket.requester.language, COMMENTS["pl"])[rating]
        survey.answered_at = min(
            now, resolved_at + timedelta(minutes=rng.randint(10, 26 * 60))
        )
        answers.append(
            SurveyResponse(
                survey=survey,
                ticket=ticket,
                rating=rating,
                comment=rng.choice(comments) if rng.random() < 0.4 else "",
                respondent=ticket.requester,
                channel=rng.choice((ResponseChannel.LINK, ResponseChannel.PORTAL)),
                created_at=survey.answered_at,
            )
        )
    Survey.objects.bulk_create(surveys, batch_size=1000)
    for answer in answers:
        answer.survey_id = answer.survey.pk
    SurveyResponse.objects.bulk_create(answers, batch_size=1000)
    return len(answers)
