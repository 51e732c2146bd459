"""The staff pages in Turkish: with ``Accept-Language: tr`` the customer list, detail, edit form
(with an error beside its field), consents, privacy and jobs pages, the flash messages and the
.xlsx export's column labels read in Turkish; the filter engine's messages too on the page,
while the API answers the same query in English. SQLite and PostgreSQL."""

import io
import re

import pytest
from openpyxl import load_workbook

from backoffice.audit.context import AuditContext
from backoffice.privacy import service as privacy
from tests.builders import make_customer
from tests.test_customer_edit_pages import edit_data

TR = {"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"}


def html(response, status=200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


@pytest.fixture
def ayse(channel):
    return make_customer(
        channel, first_name="Ayşe", last_name="Şahin", email="ayse@example.com", email_allowed=True
    )


def test_the_customer_list_speaks_turkish_and_english_by_default(agent_client, ayse):
    page = html(agent_client.get("/customers/", headers=TR))
    assert "<h1>Müşteriler</h1>" in page
    assert "Yeni müşteri" in page and "Filtreler" in page and "Kayıtlı görünümler" in page
    assert ">Kimlik</legend>" in page and "<summary>Gelişmiş</summary>" in page
    assert 'data-label="Kanal kodu"' in page and "E-posta izni" in page
    assert "Ayşe Şahin" in page  # data stays as it is
    english = html(agent_client.get("/customers/"))
    assert "<h1>Customers</h1>" in english and ">Identity</legend>" in english
    assert "Müşteriler" not in english  # the cached filter panel is kept per language


def test_filter_errors_and_chips_are_turkish_on_the_page_english_in_the_api(
    agent_client, api, ayse
):
    page = html(agent_client.get("/customers/?created_date__gte=yesterday", headers=TR))
    assert "Bazı filtreler kullanılamadı" in page
    assert "Geçerli bir tarih girin." in page and "Enter a valid date." not in page
    chips = html(agent_client.get("/customers/?is_active=true&email__startswith=ay", headers=TR))
    assert re.search(r'chip-label">Aktif:</span>\s*evet', chips)
    assert 'chip-label">E-posta şununla başlar:</span>' in chips
    answer = api.get("/api/v1/customers/?created_date__gte=yesterday", headers=TR)
    assert answer.status_code == 400
    assert answer.get_json() == {"created_date__gte": ["Enter a valid date."]}


def test_detail_and_consents_pages_in_turkish(agent_client, ayse):
    page = html(agent_client.get(f"/customers/{ayse.id}/", headers=TR))
    assert "Düzenle</a>" in page and '<h2 id="profile-title">Profil</h2>' in page
    assert "<dt>Doğum tarihi</dt>" in page and "Henüz sipariş yok." in page
    assert "İletişim izinlerini kaydet" in page
    consents = html(agent_client.get(f"/customers/{ayse.id}/consents", headers=TR))
    assert "İletişim izinleri: Ayşe Şahin" in consents and "SMS izni" in consents


def test_a_page_first_drawn_in_english_labels_its_fields_in_turkish_next(agent_client, ayse):
    # The templates are compiled by the first request that draws them: a label written as
    # 'email'|field_label must not be folded into the template in that request's language.
    english = html(agent_client.get(f"/customers/{ayse.id}/"))
    assert "<dt>Date of birth</dt>" in english and "<h3>Attributes</h3>" in english
    page = html(agent_client.get(f"/customers/{ayse.id}/", headers=TR))
    assert "<dt>Doğum tarihi</dt>" in page and "<dt>E-posta</dt>" in page
    assert "<h3>Öznitelikler</h3>" in page and "<h3>Ek alan</h3>" in page
    assert "<dt>Date of birth</dt>" in html(agent_client.get(f"/customers/{ayse.id}/"))


def test_an_edit_error_beside_its_field_and_the_flash_are_turkish(agent_client, ayse):
    data = edit_data(ayse, email="not-an-email", attributes="[1]")
    page = html(agent_client.post(f"/customers/{ayse.id}/edit", data=data, headers=TR))
    assert re.search(r'id="email-errors">\s*<li>Geçersiz e-posta adresi.</li>', page)
    assert "Süslü parantez içinde bir JSON nesnesi girin" in page
    assert "Değişiklikleri kaydet" in page and "<legend>Kişi</legend>" in page
    saved = agent_client.post(
        f"/customers/{ayse.id}/edit", data=edit_data(ayse, first_name="Ayşegül"), headers=TR
    )
    assert saved.status_code == 302
    detail = html(agent_client.get(saved.headers["Location"], headers=TR))
    assert "Değişiklikler kaydedildi." in detail
    assert "Güncellendi" in detail and "kaynak: web" in detail  # the history


def test_privacy_pages_in_turkish_with_the_service_messages(supervisor_client, ayse):
    listed = html(supervisor_client.get("/privacy/", headers=TR))
    assert "<h1>Gizlilik talepleri</h1>" in listed and "Açık talep yok." in listed
    refused = supervisor_client.post(
        "/privacy/new", data={"kind": "erasure", "email": "", "phone_number": ""}, headers=TR
    )
    page = html(refused, 400)
    assert "İlgili kişinin e-posta adresini veya telefon numarasını" in page
    found = privacy.create_request(
        AuditContext.system("test"), kind="erasure", email="ayse@example.com"
    )
    detail = html(supervisor_client.get(f"/privacy/{found.id}", headers=TR))
    assert f"Gizlilik talebi #{found.id}: silme" in detail and "İşaretli kayıtları sil" in detail
    assert ">açık</span>" in detail


def test_a_bulk_change_its_flash_and_the_jobs_pages_in_turkish(supervisor_client, channel, ayse):
    query = {"consent": "email_allowed", "value": "false", "scope": "all"}
    confirm = html(supervisor_client.get("/consents/bulk", query_string=query, headers=TR))
    assert "Filtrelere uyan 1 müşterinin <strong>E-posta izni</strong> geri çekilsin." in confirm
    done = supervisor_client.post("/consents/bulk", data=query, headers=TR)
    assert done.status_code == 302
    job_page = html(supervisor_client.get(done.headers["Location"], headers=TR))
    assert re.search(r"numaralı izin değişikliği tamamlandı\.", job_page)
    assert ": Toplu izin değişikliği</h1>" in job_page and ">tamamlandı</span>" in job_page
    assert "1 değişti" in job_page
    jobs = html(supervisor_client.get("/jobs/", headers=TR))
    assert "<h1>İşler</h1>" in jobs and 'data-label="Başlatan"' in jobs
    progress = supervisor_client.get(done.headers["Location"] + "progress", headers=TR)
    assert progress.get_json()["status"] == "done"
    assert progress.get_json()["status_label"] == "tamamlandı"


def test_the_xlsx_export_is_labelled_in_the_readers_language(supervisor_client, ayse):
    def header(headers):
        response = supervisor_client.get("/customers/export.xlsx", headers=headers)
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.get_data()))
        sheet = book[book.sheetnames[0]]
        return book.sheetnames, [cell.value for cell in next(sheet.iter_rows())]

    names, labels = header(TR)
    assert names == ["Müşteriler"]
    assert labels[:6] == ["ID", "Kanal", "E-posta", "Ad", "Soyad", "Telefon"]
    assert {"Doğum tarihi", "E-posta izni", "Siparişler", "Sipariş tutarı"} <= set(labels)
    names, labels = header({})
    assert names == ["Customers"] and labels[:3] == ["Id", "Channel", "Email"]
