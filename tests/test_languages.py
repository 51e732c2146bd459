"""Turkish and English: which language a page speaks, the header's switch, the time zone
setting, Babel's formats, order currencies, and the JSON API that never changes."""

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.frontend import CommandLineInterface
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment
from sqlalchemy import select

from backoffice import formatting
from backoffice.auth.models import ApiToken, User
from backoffice.extensions import db
from backoffice.i18n import TRANSLATIONS, translations
from backoffice.orders.models import Order
from backoffice.orders.service import OrderService
from tests.builders import make_channel, make_customer
from tests.conftest import sign_in
from tests.test_order_service import payload

MOMENT = datetime(2026, 12, 2, 11, 5, tzinfo=UTC)  # 14:05 in Istanbul, 06:05 in New York


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    """The .mo files, as `make` builds them (git ignores them): compiled when stale."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            CommandLineInterface().run(["pybabel", "--quiet", "compile", "-d", str(TRANSLATIONS)])
            break


def html(response) -> str:
    return response.get_data(as_text=True)


def heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", html(response), re.S).group(1).strip()


def set_language(user: User, language: str | None, timezone: str | None = None) -> None:
    user.language, user.timezone = language, timezone
    db.session.commit()


# -- which language -------------------------------------------------------------------------


def test_signed_out_pages_follow_the_browser_then_english(client):
    assert heading(client.get("/login")) == "Sign in"
    assert heading(client.get("/login", headers={"Accept-Language": "tr-TR,tr;q=0.9"})) == (
        "Oturum aç"
    )
    # Neither German nor French is offered: the first offered language the browser accepts.
    assert heading(client.get("/login", headers={"Accept-Language": "de, tr;q=0.5"})) == "Oturum aç"
    assert heading(client.get("/login", headers={"Accept-Language": "de, fr"})) == "Sign in"
    assert '<html lang="tr">' in html(client.get("/login", headers={"Accept-Language": "tr"}))


def test_the_users_setting_comes_before_the_browser(app, users):
    client = sign_in(app.test_client(), users["agent"])
    english = {"Accept-Language": "en-US,en;q=0.9"}
    turkish = {"Accept-Language": "tr"}
    assert "Müşteriler" in html(client.get("/", headers=turkish))  # no setting: the browser
    set_language(users["agent"], "tr")
    page = html(client.get("/", headers=english))
    assert '<html lang="tr">' in page and ">Müşteriler</a>" in page and ">Oturumu kapat<" in page
    set_language(users["agent"], "en")
    assert ">Customers</a>" in html(client.get("/", headers=turkish))


def test_the_header_switch_remembers_the_choice_and_needs_its_csrf_token(app, users):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = html(client.get("/login"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert 'name="language" value="tr"' in page and ">Türkçe</button>" in page

    refused = client.post("/language", data={"language": "tr", "next": "/login"})
    assert refused.status_code == 400

    # Signed out: a cookie keeps it for the sign-in page.
    chosen = client.post(
        "/language", data={"language": "tr", "next": "/login", "csrf_token": token}
    )
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/login"
    assert heading(client.get("/login", headers={"Accept-Language": "en"})) == "Oturum aç"
    bad = client.post("/language", data={"language": "xx", "csrf_token": token})
    assert bad.status_code == 400
    away = client.post(
        "/language", data={"language": "tr", "next": "https://evil.example/", "csrf_token": token}
    )
    assert away.headers["Location"] == "/"  # no open redirect

    # Signed in: the user's record keeps it, on every browser.
    app.config["WTF_CSRF_ENABLED"] = False
    agent = sign_in(app.test_client(), users["agent"])
    app.config["WTF_CSRF_ENABLED"] = True
    token = re.search(r'name="csrf_token" value="([^"]+)"', html(agent.get("/"))).group(1)
    switched = agent.post(
        "/language", data={"language": "tr", "next": "/?x=1", "csrf_token": token}
    )
    assert switched.headers["Location"] == "/?x=1"
    assert db.session.scalar(select(User.language).where(User.id == users["agent"].id)) == "tr"
    app.config["WTF_CSRF_ENABLED"] = False
    fresh = sign_in(app.test_client(), users["agent"])
    assert ">Müşteriler</a>" in html(fresh.get("/", headers={"Accept-Language": "en"}))


def test_wtforms_and_sign_in_messages_follow_the_language(client, users):
    turkish = {"Accept-Language": "tr"}
    page = html(client.post("/login", data={"email": "", "password": ""}, headers=turkish))
    assert "Bu alan zorunludur." in page  # WTForms' own message, in WTForms' tr catalog
    page = html(client.post("/login", data={"email": "a@b.example", "password": "x" * 9},
                            headers=turkish))  # fmt: skip
    assert "E-posta ya da parola yanlış veya hesap devre dışı." in page
    redirected = client.get("/", headers=turkish, follow_redirects=True)
    assert "Devam etmek için lütfen oturum açın." in html(redirected)  # login_manager's


def test_error_pages_speak_the_language(agent_client):
    page = agent_client.get("/customers/999999/", headers={"Accept-Language": "tr"})
    # the user has no setting: the browser's language
    assert page.status_code == 404 and heading(page) == "Bulunamadı"
    assert "Ana sayfaya git" in html(page)


# -- the JSON API never changes -------------------------------------------------------------


def test_the_api_answers_the_same_in_every_language(api, users, channel):
    set_language(users["agent"], "tr")
    requests = [
        ("GET", "/api/v1/customers/?page=999", None),
        ("GET", "/api/v1/customers/?is_active=maybe", None),
        ("GET", "/api/v1/customers/999999/", None),
        ("GET", "/api/v1/nowhere/", None),
        ("POST", "/api/v1/orders/", {**payload(channel), "amount": "x", "currency": "EURO"}),
        ("GET", "/api/v1/orders/", None),
        ("GET", "/api/v1/schema/", None),
    ]
    assert api.post("/api/v1/orders/", json=payload(channel, "L-1")).status_code == 201
    for method, url, body in requests:
        english = api.open(method, url, json=body, headers={"Accept-Language": "en"})
        turkish = api.open(method, url, json=body, headers={"Accept-Language": "tr"})
        assert english.status_code == turkish.status_code, url
        assert english.get_data() == turkish.get_data(), url
        assert "Content-Language" not in turkish.headers
    invalid = api.post("/api/v1/orders/", json={**payload(channel), "amount": "x"},
                       headers={"Accept-Language": "tr"})  # fmt: skip
    assert invalid.json == {"amount": ["A valid number is required."]}
    anonymous = api.client.get("/api/v1/customers/", headers={"Accept-Language": "tr"})
    assert anonymous.status_code == 401
    assert json.loads(anonymous.get_data()) == {
        "detail": "Authentication credentials were not provided."
    }


# -- time zone and formats ------------------------------------------------------------------


def _token_created_at(user: User, moment: datetime) -> None:
    token = ApiToken(user=user, token_hash="h" * 64, prefix="abcd1234", created_date=moment)
    db.session.add(token)
    db.session.commit()


def test_times_show_in_the_users_time_zone_and_language(agent_client, users):
    _token_created_at(users["agent"], MOMENT)
    page = html(agent_client.get("/account", headers={"Accept-Language": "en"}))
    assert re.search(r"Dec 2, 2026, 2:05\s?PM", page)  # Europe/Istanbul by default
    set_language(users["agent"], "tr", "America/New_York")
    page = html(agent_client.get("/account"))
    assert "2 Ara 2026 06:05" in page


def test_the_account_page_sets_language_and_time_zone(agent_client, users):
    page = html(agent_client.get("/account"))
    assert 'value="Europe/Istanbul"' in page
    saved = agent_client.post("/account", data={"language": "tr", "timezone": "Asia/Tokyo"})
    assert saved.status_code == 302
    user = db.session.get(User, users["agent"].id)
    db.session.refresh(user)
    assert (user.language, user.timezone) == ("tr", "Asia/Tokyo")
    assert "Ayarlarınız kaydedildi." in html(agent_client.get("/account"))

    refused = agent_client.post("/account", data={"language": "tr", "timezone": "Mars/Olympus"})
    assert refused.status_code == 200
    assert "Bu bir saat dilimi adı değil." in html(refused)  # beside the field, in Turkish
    assert agent_client.post("/account", data={"language": "de", "timezone": "UTC"}).status_code
    db.session.refresh(user)
    assert (user.language, user.timezone) == ("tr", "Asia/Tokyo")  # nothing bad was saved


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ("TRY\u00a01,825.75", "€1,825.75", "1,234,567", "66.7%", "Dec 2, 2026")),
        ("tr", ("₺1.825,75", "€1.825,75", "1.234.567", "%66,7", "2 Ara 2026")),
    ],
)
def test_numbers_money_and_days_follow_the_language(app, language, expected):
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert (
            formatting.money(Decimal("1825.75")),
            formatting.money(Decimal("1825.75"), "EUR"),
            formatting.number(1234567),
            formatting.percent(0.667),
            formatting.day(MOMENT),
        ) == expected
        assert formatting.show(True) == ("yes" if language == "en" else "evet")


def test_outside_a_request_values_stay_plain_text_in_utc():
    assert formatting.when(MOMENT) == "2026-12-02 11:05 UTC"
    assert formatting.money(Decimal("5.5"), "EUR") == "5.50 EUR"


# -- orders carry their currency ------------------------------------------------------------


def test_an_order_keeps_the_currency_it_came_with(agent_client, users, channel):
    order = OrderService().ingest_order(payload(channel, currency="eur")).order
    assert order.currency == "EUR"
    again = OrderService().ingest_order(payload(channel, status="shipped")).order
    assert again.currency == "EUR"  # left out: kept
    plain = OrderService().ingest_order(payload(channel, "TY-2")).order
    assert plain.currency == "TRY"  # the default
    set_language(users["agent"], "tr")
    page = html(agent_client.get(f"/orders/{order.id}/"))
    assert "<dd>€149,90</dd>" in page
    page = html(agent_client.get(f"/orders/{plain.id}/"))
    assert "<dd>₺149,90</dd>" in page


def test_the_order_import_reads_a_currency(runner, channel, tmp_path):
    source = tmp_path / "orders.jsonl"
    rows = [payload(channel, "C-1", currency="USD"), payload(channel, "C-2")]
    source.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    result = runner.invoke(args=["orders", "import", str(source)])
    assert result.exit_code == 0, result.output
    found = dict(db.session.execute(select(Order.number, Order.currency)).all())
    assert found == {"C-1": "USD", "C-2": "TRY"}


@pytest.mark.parametrize("language", ["en", "tr"])
def test_the_fast_date_formats_match_babels(language):
    """formatting compiles a locale's patterns into plain %-formatting: the very text
    Babel's formatter gives, for every month and hour."""
    style = formatting._style(language)
    day_pattern = style.locale.date_formats["medium"].pattern
    moment_pattern = (
        style.locale.datetime_formats["medium"]
        .replace("{1}", day_pattern)
        .replace("{0}", style.locale.time_formats["short"].pattern)
    )
    for month in range(1, 13):
        for hour in (0, 1, 11, 12, 13, 23):
            moment = datetime(2026, month, 9 + month, hour, 7)
            assert style.moment(moment) == format_datetime(moment, moment_pattern, locale=language)
            assert style.day(moment.date()) == format_date(
                moment.date(), day_pattern, locale=language
            )


@pytest.mark.parametrize("language", ["en", "tr", "de_CH", "hi_IN", "ar", "fa"])
def test_the_fast_money_format_matches_babels(language):
    """formatting.money's fast path (a customer page has ~30 amounts): the very text Babel's
    format_currency gives (then spaced), for amounts of every size and sign, rounding ties
    included; a locale whose pattern it does not follow keeps Babel's path."""
    locale = Locale.parse(language)
    amounts = [Decimal(n) / 1000 for n in range(-2015, 2016, 5)]
    amounts += [Decimal(text) for text in ("0", "-0", "0.125", "999999.995", "12345678901.23")]
    amounts += [Decimal(10) ** k + Decimal("0.5") for k in range(12)]
    for currency in ("TRY", "EUR", "USD", "JPY", "KWD", "XYZ", "try"):
        fast = formatting._currency_format(currency, locale)
        if fast is None:
            continue
        symbol = formatting._symbol(currency, locale)
        for amount in amounts:
            babel = formatting._spaced(format_currency(amount, currency, locale=locale), symbol)
            assert fast(amount) == babel, (currency, amount)
    if language in ("en", "tr"):
        assert all(formatting._currency_format(c, locale) for c in ("TRY", "EUR", "USD", "JPY"))


@pytest.mark.parametrize("language", ["en", "tr", "de_CH", "hi_IN", "ar", "fa", "fr"])
def test_the_fast_whole_number_format_matches_babels(app, language):
    """formatting.number's fast path for whole numbers (a list page's range and pages): the
    very text Babel's format_decimal gives, for every size and sign; a locale whose grouping
    or signs it does not follow keeps Babel's path."""
    locale = Locale.parse(language)
    fast = formatting.integer_format(locale)
    if language in ("en", "tr"):
        assert fast is not None
    if fast is None:
        return
    values = [*range(-1100, 1101, 7), *(10**k + d for k in range(19) for d in (-1, 0, 1))]
    values += [-v for v in values]
    for value in values:
        assert fast(value) == format_decimal(value, locale=locale), value
    if language in ("en", "tr"):  # the pages' languages
        with app.test_request_context("/", headers={"Accept-Language": language}):
            assert formatting.number(-1234567) == format_decimal(-1234567, locale=locale)


@pytest.mark.parametrize("language", ["en", "tr"])
def test_a_columns_days_are_days(app, language):
    """formatting.days(): ``day`` with the request's formats looked up once (a table column)."""
    values = [MOMENT, MOMENT.replace(hour=22), MOMENT.replace(tzinfo=None), MOMENT.date(), None]
    values += values  # each day worded once, then read back
    with app.test_request_context("/", headers={"Accept-Language": language}):
        column = formatting.days()
        assert [column(value) for value in values] == [formatting.day(v) for v in values]
    assert formatting.days() is formatting.day  # outside a request: plain ISO days


def test_template_words_say_what_jinjas_own_gettext_says_made_once_per_catalog(app):
    """The templates' ``_()``, ``gettext`` and ``ngettext`` (``{% trans %}``) give what
    Jinja's newstyle callables give (Markup, variables escaped, ``%%``, plurals, no
    autoescape); a word without variables is translated and made Markup once per catalog."""
    sources = [
        "{{ _('Customers') }} {{ _('Customers') }}",
        "{{ _('by %(actor)s', actor=who) }}",
        "{{ gettext('Page %(number)s of %(pages)s', number=who, pages=2) }}",
        "{% trans %}Customers{% endtrans %} {% trans name=who %}Hi {{ name }} 100%{% endtrans %}",
        "{% for n in (1, 2) %}{% trans count=n %}{{ count }} other record with this email or "
        "phone.{% pluralize %}{{ count }} other records with this email or phone.{% endtrans %}"
        "{% endfor %}",
        "{{ ngettext('%(num)d active', '%(num)d active', 3) }}",
        "{% autoescape false %}{{ _('by %(actor)s', actor=who) }}{% endautoescape %}",
        "{{ _('Find: email, phone, code or name')|length }}",
    ]
    for language, expected in (("tr", "yapan: &lt;b&gt;"), ("en", "by &lt;b&gt;")):
        with (
            app.app_context(),
            app.test_request_context("/", headers={"Accept-Language": language}),
        ):
            catalog = translations()
            stock = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
            stock.policies["ext.i18n.trimmed"] = True
            stock.install_gettext_translations(catalog, newstyle=True)
            for source in sources:
                ours = app.jinja_env.from_string(source).render(who="<b>")
                assert ours == stock.from_string(source).render(who="<b>"), source
            assert app.jinja_env.from_string(sources[1]).render(who="<b>") == expected

            looked_up, real = [], catalog.ugettext
            catalog.ugettext = lambda s, seen=looked_up, real=real: seen.append(s) or real(s)
            try:
                words = app.jinja_env.from_string(
                    "{% for n in range(50) %}{{ _('Customers') }}{{ _('Sign out') }}{% endfor %}"
                )
                assert words.render().count(real("Sign out")) == 50
            finally:
                del catalog.ugettext
            # "Customers" was worded by the renders above, "Sign out" once for 50 calls
            assert looked_up in ([], ["Sign out"])


def test_the_api_reference_page_follows_the_reader_but_its_schema_does_not(admin_client):
    turkish = {"Accept-Language": "tr"}
    page = html(admin_client.get("/api/v1/docs/", headers=turkish))
    assert '<html lang="tr">' in page and "İçindekiler" in page  # the page: the reader's
    schema = admin_client.get("/api/v1/schema/", headers=turkish)
    assert schema.get_data() == admin_client.get("/api/v1/schema/").get_data()


def test_a_list_page_looks_its_catalog_up_per_page_not_per_row(agent_client, monkeypatch):
    """Flask-Babel finds the request's catalog anew at each call (context and domain lookups):
    the rows' words are looked up once a request, so 25 rows cost what 5 rows cost."""
    import flask_babel

    channel = make_channel(name="Trendyol")
    for n in range(25):
        make_customer(channel, first_name=f"Ayşe {n}", email_allowed=n % 2 == 0)
    db.session.commit()
    calls = []
    real = flask_babel.Domain.get_translations
    monkeypatch.setattr(
        flask_babel.Domain, "get_translations", lambda self: calls.append(1) or real(self)
    )

    def lookups(limit: int) -> int:
        calls.clear()
        page = agent_client.get(f"/customers/?limit={limit}", headers={"Accept-Language": "tr"})
        assert page.status_code == 200 and "E-posta izni" in page.get_data(as_text=True)
        assert page.get_data(as_text=True).count("Ayşe ") == limit
        return len(calls)

    lookups(5)  # the filter fields, rendered once for every page size
    assert lookups(25) == lookups(10)  # was about nine more a row
