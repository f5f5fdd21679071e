"""The words of the sample data: companies, people and what they write.

Polish and Czech, as the firms Podpora is first made for. Kept apart from the
generator so the lists can grow without touching its logic.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    language: str  # "pl" or "cs"
    size: int  # how many of its people write to the helpdesk
    people: tuple[str, ...] = ()  # named people first (the demo's logins)
    notes: str = ""  # for agents, shown in the client directory


COMPANIES = (
    Company(
        "Kowalski Logistyka S.A.",
        "kowalski-logistyka.pl",
        "pl",
        40,
        ("Anna Kowalska", "Piotr Zieliński", "Katarzyna Wójcik", "Marek Lewandowski"),
        "Serwerownia w Łodzi, klucz u ochrony. Restart serwera ERP tylko po 18:00 "
        "i po telefonie do Anny Kowalskiej.",
    ),
    Company("Apteka Pod Lwem s.c.", "apteka-podlwem.pl", "pl", 8),
    Company("Biuro Rachunkowe Nowak", "br-nowak.pl", "pl", 6),
    Company(
        "Wiśniewski i Wspólnicy Kancelaria Prawna", "kancelaria-wisniewski.pl", "pl", 15
    ),
    Company("Przychodnia Zdrowie Plus sp. z o.o.", "zdrowieplus.pl", "pl", 25),
    Company("Hurtownia Elektryczna Volt", "volt-hurt.pl", "pl", 20),
    Company("Drukarnia Mazowsze S.A.", "drukarnia-mazowsze.pl", "pl", 30),
    Company("Szkoła Językowa Lingua", "lingua-szkola.pl", "pl", 10),
    Company("Piekarnia Jankowski", "piekarnia-jankowski.pl", "pl", 5),
    Company("Meble Dąbrowski sp. j.", "meble-dabrowski.pl", "pl", 18),
    Company("Gminny Ośrodek Kultury w Lesznie", "gok-leszno.pl", "pl", 7),
    Company("Transport Zając sp. z o.o.", "zajac-transport.pl", "pl", 22),
    Company("Hotel Pod Wawelem", "hotelpodwawelem.pl", "pl", 14),
    Company("Agencja Reklamowa Kreska", "kreska.com.pl", "pl", 9),
    Company("Stomatologia Uśmiech", "stomatologia-usmiech.pl", "pl", 6),
    Company(
        "Strojírny Brno a.s.",
        "strojirny-brno.cz",
        "cs",
        45,
        ("Jan Dvořák", "Lucie Černá", "Tomáš Procházka", "Veronika Kučerová"),
        "Výroba jede nonstop: odstávky jen o víkendu, vždy po dohodě s Janem Dvořákem.",
    ),
    Company("Pekárna U Mlýna s.r.o.", "pekarna-mlyn.cz", "cs", 6),
    Company("Advokátní kancelář Horák", "akhorak.cz", "cs", 10),
    Company("Stavebniny Pokorný s.r.o.", "stavebniny-pokorny.cz", "cs", 16),
    Company("Lékárna U Zlaté koruny", "lekarna-koruna.cz", "cs", 5),
    Company("Autoservis Beneš", "autoservis-benes.cz", "cs", 8),
    Company("Pivovar Hradní s.r.o.", "pivovar-hradni.cz", "cs", 20),
    Company("Účetní kancelář Veselá", "ucetni-vesela.cz", "cs", 6),
    Company("Hotel Vltava Praha", "hotel-vltava.cz", "cs", 18),
    Company("Základní škola Komenského", "zs-komenskeho.cz", "cs", 24),
    Company("Dopravní společnost Kovář", "kovar-doprava.cz", "cs", 20),
    Company("Nábytek Marek a syn", "nabytek-marek.cz", "cs", 12),
    Company("Zubní ordinace Dr. Němcová", "zubni-nemcova.cz", "cs", 4),
)

FIRST_NAMES = {
    "pl": {
        "f": (
            "Anna",
            "Katarzyna",
            "Małgorzata",
            "Agnieszka",
            "Ewa",
            "Joanna",
            "Magdalena",
            "Monika",
            "Beata",
            "Aleksandra",
            "Zofia",
            "Natalia",
        ),
        "m": (
            "Piotr",
            "Krzysztof",
            "Andrzej",
            "Tomasz",
            "Paweł",
            "Michał",
            "Marcin",
            "Grzegorz",
            "Łukasz",
            "Jakub",
            "Wojciech",
            "Mateusz",
        ),
    },
    "cs": {
        "f": (
            "Jana",
            "Eva",
            "Hana",
            "Lucie",
            "Kateřina",
            "Petra",
            "Lenka",
            "Veronika",
            "Markéta",
            "Tereza",
            "Zuzana",
            "Alena",
        ),
        "m": (
            "Jan",
            "Petr",
            "Josef",
            "Pavel",
            "Martin",
            "Tomáš",
            "Jiří",
            "Lukáš",
            "Jakub",
            "Ondřej",
            "Michal",
            "Karel",
        ),
    },
}

SURNAMES = {
    "pl": {
        "m": (
            "Nowak",
            "Kowalski",
            "Wiśniewski",
            "Wójcik",
            "Kowalczyk",
            "Kamiński",
            "Lewandowski",
            "Zieliński",
            "Szymański",
            "Woźniak",
            "Dąbrowski",
            "Kozłowski",
            "Mazur",
            "Krawczyk",
            "Piotrowski",
            "Grabowski",
        ),
        "f": (
            "Nowak",
            "Kowalska",
            "Wiśniewska",
            "Wójcik",
            "Kowalczyk",
            "Kamińska",
            "Lewandowska",
            "Zielińska",
            "Szymańska",
            "Woźniak",
            "Dąbrowska",
            "Kozłowska",
            "Mazur",
            "Krawczyk",
            "Piotrowska",
            "Grabowska",
        ),
    },
    "cs": {
        "m": (
            "Novák",
            "Svoboda",
            "Novotný",
            "Dvořák",
            "Černý",
            "Procházka",
            "Kučera",
            "Veselý",
            "Horák",
            "Němec",
            "Pokorný",
            "Marek",
            "Pospíšil",
            "Hájek",
            "Král",
            "Beneš",
        ),
        "f": (
            "Nováková",
            "Svobodová",
            "Novotná",
            "Dvořáková",
            "Černá",
            "Procházková",
            "Kučerová",
            "Veselá",
            "Horáková",
            "Němcová",
            "Pokorná",
            "Marková",
            "Pospíšilová",
            "Hájková",
            "Králová",
            "Benešová",
        ),
    },
}


@dataclass(frozen=True)
class AgentSpec:
    email: str
    name: str
    role: str  # AgentRole value
    language: str
    teams: tuple[str, ...]


@dataclass(frozen=True)
class TeamSpec:
    name: str
    tier: int
    escalates_to: str = ""
    description: str = ""


TEAMS = (
    TeamSpec("Sieci i bezpieczeństwo", 3, "", "Sieci, firewalle, VPN, bezpieczeństwo"),
    TeamSpec(
        "Infrastruktura", 2, "Sieci i bezpieczeństwo", "Serwery, kopie, Microsoft 365"
    ),
    TeamSpec(
        "Aplikacje biznesowe", 2, "Sieci i bezpieczeństwo", "ERP, księgowość, CRM"
    ),
    TeamSpec("Service Desk", 1, "Infrastruktura", "Pierwsza linia wsparcia (PL)"),
    TeamSpec("Service Desk CZ", 1, "Infrastruktura", "První linie podpory (CZ)"),
    TeamSpec("Obsługa faktur", 1, "", "Faktury, umowy, zamówienia"),
)

AGENTS = (
    AgentSpec("admin@podpora.demo", "Alicja Administratorka", "admin", "pl", ()),
    AgentSpec("sylwia@podpora.demo", "Sylwia Zielińska", "supervisor", "pl", ()),
    AgentSpec(
        "tomasz@podpora.demo", "Tomasz Wiśniewski", "agent", "pl", ("Service Desk",)
    ),
    AgentSpec(
        "marta@podpora.demo",
        "Marta Kubiak",
        "agent",
        "pl",
        ("Service Desk", "Obsługa faktur"),
    ),
    AgentSpec(
        "kamil@podpora.demo", "Kamil Jabłoński", "agent", "pl", ("Service Desk",)
    ),
    AgentSpec("oliwia@podpora.demo", "Oliwia Pawlak", "agent", "pl", ("Service Desk",)),
    AgentSpec(
        "bartosz@podpora.demo", "Bartosz Michalski", "agent", "pl", ("Service Desk",)
    ),
    AgentSpec(
        "klara@podpora.demo", "Klára Urbanová", "agent", "cs", ("Service Desk CZ",)
    ),
    AgentSpec(
        "vojtech@podpora.demo", "Vojtěch Sýkora", "agent", "cs", ("Service Desk CZ",)
    ),
    AgentSpec(
        "adela@podpora.demo", "Adéla Kolářová", "agent", "cs", ("Service Desk CZ",)
    ),
    AgentSpec("iwona@podpora.demo", "Iwona Sikora", "agent", "pl", ("Obsługa faktur",)),
    AgentSpec(
        "petra@podpora.demo", "Petra Svobodová", "agent", "cs", ("Infrastruktura",)
    ),
    AgentSpec(
        "ondrej@podpora.demo", "Ondřej Marek", "agent", "cs", ("Infrastruktura",)
    ),
    AgentSpec("rafal@podpora.demo", "Rafał Górski", "agent", "pl", ("Infrastruktura",)),
    AgentSpec(
        "dominika@podpora.demo",
        "Dominika Wróbel",
        "agent",
        "pl",
        ("Aplikacje biznesowe",),
    ),
    AgentSpec(
        "filip@podpora.demo", "Filip Doležal", "agent", "cs", ("Aplikacje biznesowe",)
    ),
    AgentSpec(
        "jaroslaw@podpora.demo",
        "Jarosław Baran",
        "supervisor",
        "pl",
        ("Sieci i bezpieczeństwo",),
    ),
    AgentSpec(
        "radek@podpora.demo", "Radek Šimek", "agent", "cs", ("Sieci i bezpieczeństwo",)
    ),
)

TEAM_LEADS = {
    "Service Desk": "sylwia@podpora.demo",
    "Service Desk CZ": "sylwia@podpora.demo",
    "Infrastruktura": "petra@podpora.demo",
    "Sieci i bezpieczeństwo": "jaroslaw@podpora.demo",
}

# (name, parent name)
CATEGORIES = (
    ("Sprzęt", ""),
    ("Drukarki", "Sprzęt"),
    ("Komputery i laptopy", "Sprzęt"),
    ("Oprogramowanie", ""),
    ("Poczta i Microsoft 365", "Oprogramowanie"),
    ("ERP i księgowość", "Oprogramowanie"),
    ("Sieć i VPN", ""),
    ("Konta i uprawnienia", ""),
    ("Serwery i kopie zapasowe", ""),
    ("Telefonia", ""),
    ("Faktury i umowy", ""),
)

TAGS = (
    "vpn",
    "drukarka",
    "outlook",
    "nowy-pracownik",
    "backup",
    "erp",
    "wifi",
    "faktura",
    "vip",
    "monitoring",
    "m365",
    "hasło",
    "teams",
    "serwer",
    "bezpieczeństwo",
    "telefon",
    "laptop",
    "uprawnienia",
)


@dataclass(frozen=True)
class Issue:
    """One kind of request, in both languages, with where it usually goes."""

    key: str
    category: str
    team: str  # "desk", "infra", "apps", "billing"
    tags: tuple[str, ...]
    pl: tuple[str, str]  # subject, body
    cs: tuple[str, str]
    weight: int = 3
    escalates: float = 0.1  # how often the 1st line hands it over


ISSUES = (
    Issue(
        "printer",
        "Drukarki",
        "desk",
        ("drukarka",),
        (
            "Drukarka w {place} nie drukuje",
            "Dzień dobry,\nod rana drukarka w {place} pokazuje błąd papieru, a papier jest. "
            "Restart nie pomógł.\nPozdrawiam",
        ),
        (
            "Tiskárna v {place} netiskne",
            "Dobrý den,\ntiskárna v {place} od rána hlásí chybu papíru, papír ale má. "
            "Restart nepomohl.\nDěkuji",
        ),
        weight=5,
        escalates=0.05,
    ),
    Issue(
        "vpn",
        "Sieć i VPN",
        "desk",
        ("vpn",),
        (
            "Nie działa VPN z domu",
            "Po wczorajszej aktualizacji Windows klient VPN nie łączy się, pokazuje błąd 809. "
            "Pracuję dziś zdalnie, proszę o pilną pomoc.",
        ),
        (
            "Nefunguje VPN z domova",
            "Po včerejší aktualizaci Windows se VPN klient nepřipojí, hlásí chybu 809. "
            "Dnes pracuji z domova, prosím o rychlou pomoc.",
        ),
        weight=4,
        escalates=0.3,
    ),
    Issue(
        "new-employee",
        "Konta i uprawnienia",
        "desk",
        ("nowy-pracownik", "uprawnienia"),
        (
            "Konto dla nowego pracownika w {place}",
            "Od poniedziałku zaczyna u nas nowa osoba w {place}. Prosimy o konto, "
            "skrzynkę pocztową i dostęp do dysku wspólnego.",
        ),
        (
            "Účet pro nového kolegu v {place}",
            "Od pondělí u nás v {place} nastupuje nový kolega. Prosíme o účet, "
            "e-mailovou schránku a přístup ke sdílenému disku.",
        ),
        weight=3,
        escalates=0.02,
    ),
    Issue(
        "outlook-password",
        "Poczta i Microsoft 365",
        "desk",
        ("outlook", "m365", "hasło"),
        (
            "Outlook ciągle prosi o hasło",
            "Outlook co kilka minut wyświetla okno logowania do skrzynki. Hasło wpisuję "
            "poprawne, a okno wraca.",
        ),
        (
            "Outlook se pořád ptá na heslo",
            "Outlook každých pár minut zobrazí přihlašovací okno ke schránce. Heslo "
            "zadávám správně, ale okno se vrací.",
        ),
        weight=5,
        escalates=0.15,
    ),
    Issue(
        "slow-internet",
        "Sieć i VPN",
        "infra",
        ("wifi",),
        (
            "Wolny internet w {place}",
            "Od wczoraj strony ładują się bardzo wolno na wszystkich komputerach w {place}. "
            "Wi-Fi często się rozłącza.",
        ),
        (
            "Pomalý internet v {place}",
            "Od včerejška se stránky na všech počítačích v {place} načítají velmi pomalu. "
            "Wi-Fi často vypadává.",
        ),
        weight=3,
        escalates=0.35,
    ),
    Issue(
        "invoice",
        "Faktury i umowy",
        "billing",
        ("faktura",),
        (
            "Faktura za {month} — brak PDF",
            "W mailu z fakturą za {month} nie ma załącznika PDF, prosimy o ponowne wysłanie.",
        ),
        (
            "Faktura za {month} nepřišla",
            "Fakturu za služby za {month} jsme neobdrželi, můžete ji prosím poslat znovu?",
        ),
        weight=2,
        escalates=0.0,
    ),
    Issue(
        "erp-login",
        "ERP i księgowość",
        "apps",
        ("erp",),
        (
            "Nie można zalogować się do systemu Comarch ERP",
            "Od rana nikt w księgowości nie może się zalogować do Comarch ERP, komunikat "
            "o nieprawidłowej licencji.",
        ),
        (
            "Nefunguje přihlášení do ERP Helios",
            "Od rána se nikdo z účtárny nemůže přihlásit do systému Helios, píše "
            "neplatná licence.",
        ),
        weight=3,
        escalates=0.4,
    ),
    Issue(
        "laptop",
        "Komputery i laptopy",
        "desk",
        ("laptop", "nowy-pracownik"),
        (
            "Nowy laptop dla osoby w {place}",
            "Prosimy o przygotowanie nowego laptopa z pakietem Office dla nowej osoby w {place}.",
        ),
        (
            "Nový notebook pro kolegyni v {place}",
            "Prosíme o přípravu nového notebooku s Office pro novou kolegyni v {place}.",
        ),
        weight=2,
        escalates=0.02,
    ),
    Issue(
        "backup",
        "Serwery i kopie zapasowe",
        "infra",
        ("backup", "serwer"),
        (
            "Kopia zapasowa serwera zakończona błędem",
            "Dziś rano przyszedł e-mail, że nocna kopia zapasowa serwera plików "
            "zakończyła się błędem.",
        ),
        (
            "Zálohování serveru selhalo",
            "Dnes ráno přišel e-mail, že noční záloha souborového serveru skončila chybou.",
        ),
        weight=2,
        escalates=0.3,
    ),
    Issue(
        "monitor",
        "Komputery i laptopy",
        "desk",
        (),
        (
            "Monitor w {place} miga",
            "Monitor Dell w {place} miga i co jakiś czas gaśnie.",
        ),
        ("Monitor v {place} bliká", "Monitor Dell v {place} bliká a občas zhasne."),
        weight=2,
        escalates=0.02,
    ),
    Issue(
        "teams-calls",
        "Poczta i Microsoft 365",
        "desk",
        ("teams", "m365"),
        (
            "Rozmowy w Teams zrywają się po kilku minutach",
            "Rozmowy wideo w Teams zrywają się po 3–5 minutach całemu działowi sprzedaży.",
        ),
        (
            "Hovory v Teams po pár minutách padají",
            "Videohovory v Teams celému obchodnímu oddělení padají po 3–5 minutách.",
        ),
        weight=2,
        escalates=0.35,
    ),
    Issue(
        "shared-mailbox",
        "Konta i uprawnienia",
        "desk",
        ("m365", "uprawnienia"),
        (
            "Dostęp do skrzynki biuro@ dla osoby w {place}",
            "Prosimy o nadanie dostępu do wspólnej skrzynki biuro@ dla osoby pracującej w {place}.",
        ),
        (
            "Přístup do schránky info@ pro kolegu v {place}",
            "Prosíme o přístup do sdílené schránky info@ pro kolegu v {place}.",
        ),
        weight=2,
        escalates=0.0,
    ),
    Issue(
        "phishing",
        "Konta i uprawnienia",
        "infra",
        ("bezpieczeństwo", "vip"),
        (
            "Podejrzany e-mail z prośbą o przelew",
            "Prezes dostał maila rzekomo od kontrahenta z prośbą o pilny przelew na nowe "
            "konto. Czy to phishing? Ktoś kliknął w link.",
        ),
        (
            "Podezřelý e-mail s žádostí o platbu",
            "Ředitel dostal e-mail údajně od dodavatele s žádostí o urgentní platbu na nový "
            "účet. Je to phishing? Někdo klikl na odkaz.",
        ),
        weight=1,
        escalates=0.6,
    ),
    Issue(
        "phone",
        "Telefonia",
        "desk",
        ("telefon",),
        (
            "Telefon stacjonarny w {place} bez sygnału",
            "Telefon VoIP w {place} nie ma sygnału, na wyświetlaczu 'No service'.",
        ),
        (
            "Pevný telefon v {place} nemá signál",
            "VoIP telefon v {place} nemá signál, na displeji je 'No service'.",
        ),
        weight=1,
        escalates=0.2,
    ),
    Issue(
        "server-down",
        "Serwery i kopie zapasowe",
        "infra",
        ("monitoring", "serwer"),
        (
            "[Alert] Serwer FS01 nie odpowiada",
            "Monitoring: host FS01 nie odpowiada na ping od 5 minut (CRITICAL).",
        ),
        (
            "[Alert] Server FS01 neodpovídá",
            "Monitoring: host FS01 neodpovídá na ping 5 minut (CRITICAL).",
        ),
        weight=1,
        escalates=0.5,
    ),
)

# Locative forms ("w księgowości", "v účtárně"): use {place} only after w / v.
PLACES = {
    "pl": (
        "księgowości",
        "magazynie",
        "recepcji",
        "sekretariacie",
        "dziale kadr",
        "sali konferencyjnej",
        "biurze w Gdańsku",
        "biurze w Poznaniu",
    ),
    "cs": (
        "účtárně",
        "skladu",
        "recepci",
        "sekretariátu",
        "personálním oddělení",
        "zasedačce",
        "pobočce Ostrava",
        "pobočce Plzeň",
    ),
}

MONTHS = {
    "pl": (
        "styczeń",
        "luty",
        "marzec",
        "kwiecień",
        "maj",
        "czerwiec",
        "lipiec",
        "sierpień",
        "wrzesień",
        "październik",
        "listopad",
        "grudzień",
    ),
    "cs": (
        "leden",
        "únor",
        "březen",
        "duben",
        "květen",
        "červen",
        "červenec",
        "srpen",
        "září",
        "říjen",
        "listopad",
        "prosinec",
    ),
}

ACKNOWLEDGE = {
    "pl": (
        "Dzień dobry,\ndziękujemy za zgłoszenie, sprawdzamy sprawę i wracamy z informacją.",
        "Dzień dobry,\nprzyjęliśmy zgłoszenie, technik zajmie się nim jeszcze dziś.",
        "Dzień dobry,\nzaglądam do tego zdalnie, proszę nie wyłączać komputera.",
    ),
    "cs": (
        "Dobrý den,\nděkujeme za požadavek, prověřujeme to a brzy se ozveme.",
        "Dobrý den,\npožadavek jsme přijali, technik se mu bude věnovat ještě dnes.",
        "Dobrý den,\npodívám se na to vzdáleně, prosím nevypínejte počítač.",
    ),
}

ASK_CUSTOMER = {
    "pl": (
        "Proszę o zrestartowanie urządzenia i informację, czy problem nadal występuje.",
        "Czy mogą Państwo podesłać zrzut ekranu z komunikatem błędu?",
        "Proszę podać numer seryjny urządzenia i godzinę, o której problem wystąpił.",
        "Czy problem dotyczy wszystkich osób, czy tylko jednego komputera?",
    ),
    "cs": (
        "Prosím restartujte zařízení a dejte vědět, zda problém přetrvává.",
        "Můžete nám poslat snímek obrazovky s chybovou hláškou?",
        "Prosím pošlete sériové číslo zařízení a čas, kdy se problém objevil.",
        "Týká se problém všech, nebo jen jednoho počítače?",
    ),
}

CUSTOMER_FOLLOW_UPS = {
    "pl": (
        "Restart nie pomógł, problem nadal występuje.",
        "W załączniku przesyłam zrzut ekranu z błędem.",
        "Dotyczy to trzech osób w dziale, u pozostałych działa.",
        "Dziękuję, teraz działa, ale czy to się nie powtórzy?",
        "Problem wrócił dziś rano, proszę o ponowne sprawdzenie.",
    ),
    "cs": (
        "Restart nepomohl, problém trvá.",
        "V příloze posílám snímek obrazovky s chybou.",
        "Týká se to tří lidí v oddělení, ostatním to funguje.",
        "Děkuji, teď to funguje, ale nestane se to znovu?",
        "Problém se dnes ráno vrátil, prosím o nové prověření.",
    ),
}

RESOLUTIONS = {
    "pl": (
        "Problem został rozwiązany, proszę potwierdzić, że wszystko działa.",
        "Zaktualizowaliśmy sterownik i ustawienia, teraz powinno działać poprawnie.",
        "Konto zostało utworzone, dane logowania wysłaliśmy SMS-em.",
        "Zmieniliśmy konfigurację po naszej stronie. Zamykam zgłoszenie, "
        "w razie problemów proszę odpisać.",
    ),
    "cs": (
        "Problém je vyřešen, prosím potvrďte, že vše funguje.",
        "Aktualizovali jsme ovladač a nastavení, nyní by to mělo fungovat.",
        "Účet je založen, přihlašovací údaje jsme poslali SMS.",
        "Upravili jsme konfiguraci na naší straně. Požadavek uzavírám, "
        "v případě potíží prosím odpovězte.",
    ),
}

THANKS = {
    "pl": ("Dziękuję, działa!", "Potwierdzam, wszystko w porządku.", "Super, dzięki."),
    "cs": ("Děkuji, funguje!", "Potvrzuji, vše v pořádku.", "Super, díky."),
}

NOTES = (
    "Sprawdziłem logi serwera, brak błędów po naszej stronie.",
    "Połączenie zdalne (AnyDesk), zaktualizowany sterownik.",
    "Klient ma starą wersję sterownika, zaplanować aktualizację.",
    "Zamówiony toner, dostawa jutro.",
    "Zkontroloval jsem nastavení na firewallu, vypadá v pořádku.",
    "Vzdáleně připojen, vyčištěna cache Outlooku a obnoven profil.",
    "Licence ERP vypršela, řešeno s dodavatelem.",
    "Czeka na odpowiedź dostawcy (zgłoszenie u operatora).",
)

HANDOVER_NOTES = (
    "Przekazuję wyżej: restart i podstawowa diagnostyka nie pomogły, "
    "podejrzenie problemu z konfiguracją serwera.",
    "Eskaluji: problém je na straně serveru, první linie to nevyřeší.",
    "Przekazuję: potrzebny dostęp administracyjny do firewalla.",
    "Předávám výš: nutná změna konfigurace VPN koncentrátoru.",
)
