"""Search as people type it: Turkish-aware names, emails, phones in any format, codes; ranked;
on the API, the list page and the quick search; anonymized customers never found."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from backoffice.channels.models import IntegrationMapping
from backoffice.customers.service import CustomerService
from backoffice.extensions import db
from backoffice.orders.models import Order
from tests.builders import make_channel, make_customer
from tests.test_customer_pages import text

DAY = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture
def people(channel):
    other = make_channel(name="Web Shop", channel_type="web")
    made = {
        "murat": make_customer(
            channel, channel_code="TY-100000", first_name="Murat", last_name="Yılmaz",
            email="murat.yilmaz@example.com", phone_number="05344149106",
        ),
        "demir": make_customer(channel, first_name="Murat", last_name="Demir", email="md@x.com"),
        "muratcan": make_customer(
            channel, first_name="Muratcan", last_name="Yıldız", email="mcy@x.com"
        ),
        "isik": make_customer(channel, first_name="İsmail", last_name="Işık", email="i@x.com"),
        "istanbullu": make_customer(channel, first_name="Can", last_name="İSTANBULLU"),
        "ayse": make_customer(channel, first_name="Ayşe Nur", last_name="Çelik", email="a@x.com"),
        "deniz_code": make_customer(channel, channel_code="deniz", first_name="Ali"),
        "deniz_name": make_customer(channel, first_name="Deniz", last_name="Kaya"),
        # The same person in another channel: the email in other letters, another phone.
        "murat_web": make_customer(
            other, first_name="M.", last_name="Yilmaz", email="MURAT.YILMAZ@example.com",
            phone_number="+90 532 000 00 00",
        ),
        "former": make_customer(
            other, first_name="Murat", last_name="Yılmaz", email="old.murat@example.com",
            phone_number="0534 414 91 06",
        ),
    }  # fmt: skip
    for n, customer in enumerate(made.values()):
        customer.created_date = DAY + timedelta(days=n)
    db.session.add(Order(channel_id=channel.id, number="SO-7781", customer_id=made["ayse"].id))
    db.session.add(
        IntegrationMapping(
            channel_id=channel.id, object_type="customer", object_id=made["isik"].id, code="ERP9-55"
        )
    )
    db.session.commit()
    CustomerService().anonymize_customer(made["former"])
    made["other"] = other
    return made


def found(api, term, **params):
    response = api.get("/api/v1/customers/", query_string={"search": term, **params})
    assert response.status_code == 200, response.get_json()
    return [row["pk"] for row in response.get_json()["results"]]


@pytest.mark.parametrize(
    "term",
    ["murat yılmaz", "Murat Yilmaz", "MURAT YILMAZ", "yil mur", "Yılmaz Murat", "murat y",
     "murat.yilmaz@example.com", "Murat.Yilmaz@Example.COM", "murat.yil", "ty-100000", "TY-1000"],
)  # fmt: skip
def test_murat_is_found_however_he_is_typed(api, people, term):
    ids = found(api, term)
    assert people["murat"].id in ids and people["former"].id not in ids


@pytest.mark.parametrize("term", ["murat", "Murat", "MURAT", "mUrAt"])
def test_a_first_name_alone_finds_every_murat_whole_words_first(api, people, term):
    ids = found(api, term)
    # A whole word (the first names, the email's "murat.yilmaz") before a prefix (Muratcan);
    # among equals, the newest first.
    assert ids == [people[k].id for k in ("murat_web", "demir", "murat", "muratcan")]


def test_names_rank_by_the_words_matched_whole(api, people):
    ids = found(api, "murat yil")
    assert ids == [people[k].id for k in ("murat_web", "murat", "muratcan")]
    assert found(api, "murat yılmaz") == [people[k].id for k in ("murat_web", "murat")]
    assert found(api, "yil mur") == [people[k].id for k in ("murat_web", "muratcan", "murat")]


def test_a_term_joined_by_marks_is_read_as_its_words(api, people):
    # As the email's local part is stored: its parts, each a word found anywhere in the name.
    want = [people[k].id for k in ("murat_web", "murat")]
    for term in ("murat.yilmaz", "Yılmaz-Murat", "yilmaz+murat"):
        assert found(api, term) == want, term
    assert found(api, "murat_yil") == found(api, "murat yil")
    assert found(api, "murat.demir") == [people["demir"].id]  # first name and last name


@pytest.mark.parametrize(
    "term",
    ["05344149106", "0534 414 91 06", "+905344149106", "0090 534 414 91 06",
     "(0534) 414-91-06", "5344149106", "4149106", "414 91 06"],
)  # fmt: skip
def test_the_phone_is_found_in_every_format_and_by_its_last_digits(api, people, term):
    assert found(api, term) == [people["murat"].id]


@pytest.mark.parametrize(
    ("term", "who"),
    [("IŞIK", "isik"), ("ışık", "isik"), ("isik", "isik"), ("ISIK", "isik"), ("İSMAİL", "isik"),
     ("ismail", "isik"), ("Ismail", "isik"), ("İSTANBUL", "istanbullu"),
     ("istanbul", "istanbullu"), ("ayse nur", "ayse"), ("Nur AYŞE", "ayse"), ("celik", "ayse"),
     ("so-7781", "ayse"), ("SO-77", "ayse"), ("erp9-55", "isik")],
)  # fmt: skip
def test_turkish_letters_marks_and_codes(api, people, term, who):
    assert found(api, term) == [people[who].id]


@pytest.fixture
def mixed_codes(channel):
    """Codes stored in mixed case, on each table the search reads codes from."""
    made = {
        "channel_code": make_customer(channel, channel_code="Ty-777aB", first_name="Ece"),
        "erp_code": make_customer(channel, erp_code="ErP-55xY", first_name="Ece"),
        "order": make_customer(channel, first_name="Ece"),
        "mapping": make_customer(channel, first_name="Ece"),
    }
    db.session.add(Order(channel_id=channel.id, number="So-88Qz", customer_id=made["order"].id))
    db.session.add(
        IntegrationMapping(channel_id=channel.id, object_type="customer",
                           object_id=made["mapping"].id, code="Ext-99kL")
    )  # fmt: skip
    db.session.commit()
    return made


@pytest.mark.parametrize(
    ("terms", "who"),
    [(["Ty-777aB", "ty-777ab", "TY-777AB", "tY-777", "ty-"], "channel_code"),
     (["ErP-55xY", "erp-55xy", "ERP-55XY", "eRp-5"], "erp_code"),
     (["So-88Qz", "so-88qz", "SO-88QZ", "sO-8"], "order"),
     (["Ext-99kL", "ext-99kl", "EXT-99KL", "eXT-9"], "mapping")],
)  # fmt: skip
def test_a_code_stored_in_mixed_case_is_found_in_any_case(api, mixed_codes, terms, who):
    for term in terms:
        assert found(api, term) == [mixed_codes[who].id], term
    # An exact code ranks as an identifier: before a customer who only has it as a name.
    shadow = make_customer(mixed_codes[who].channel, first_name=terms[0])
    assert found(api, terms[1]) == [mixed_codes[who].id, shadow.id]


def test_the_count_and_the_page_read_the_matches_once(app, api, people):
    response, selects = count_selects(app, lambda: api.get("/api/v1/customers/?search=murat"))
    assert response.get_json()["count"] == 4
    (search,) = [s for s in selects if "search_hits" in s]
    assert search.count("search_hits AS MATERIALIZED") == 1
    # The ranges but the whole word's once; its entries in two halves: those the other ranges
    # also find (grouped with them), and the rest.
    assert search.count("search_ranges AS MATERIALIZED") == 1
    assert search.count("word_0.word > ") == 1 and search.count("word_0.word = ") == 2


def test_an_exact_identifier_comes_before_names(api, people):
    assert found(api, "deniz") == [people["deniz_code"].id, people["deniz_name"].id]
    # Asked for an ordering, the search filters only.
    ordered = found(api, "deniz", ordering="-created_date")
    assert ordered == [people["deniz_name"].id, people["deniz_code"].id]


def test_the_search_combines_with_every_filter(api, people, channel):
    web = people["other"].id
    assert found(api, "murat yilmaz", channel=web) == [people["murat_web"].id]
    assert found(api, "murat", first_name="Muratcan") == [people["muratcan"].id]
    scoped = api.get(f"/api/v1/channel/{web}/customers/?search=yilmaz").get_json()
    assert [row["pk"] for row in scoped["results"]] == [people["murat_web"].id]
    detailed = api.get("/api/v1/customers/detailed/?search=4149106").get_json()
    assert detailed["count"] == 1 and detailed["results"][0]["orders_info"] is not None


@pytest.mark.parametrize(
    "term", ["old.murat@example.com", "old.murat", "0534 414 91 06", "murat yılmaz"]
)
def test_an_anonymized_customer_is_never_found_by_a_former_value(api, people, term):
    assert people["former"].id not in found(api, term)


def test_nothing_found_and_a_blank_search_filters_nothing(api, people):
    assert found(api, "zzzz") == []
    assert found(api, "mur zzzz") == []
    for term in (", ,", "@ @", "- ,"):  # no key at all: no range to read
        assert found(api, term) == []
    assert len(found(api, "  ", limit=50)) == len(people) - 1


def test_a_too_long_term_is_a_clear_400(api, people):
    response = api.get("/api/v1/customers/", query_string={"search": "x" * 201})
    assert response.status_code == 400
    assert response.get_json() == {"search": ["Ensure this value has at most 200 characters."]}


def count_selects(app, call):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response, [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


@pytest.mark.parametrize("term", ["murat", "yil mur", "0534 414 91 06", "ty-100000", "a@x.com"])
def test_a_search_is_at_most_three_statements_on_every_door(app, api, agent_client, people, term):
    api.get("/api/v1/customers/")  # the token's first use is recorded once
    # the API: the token, the page; the list page: the user, the channels with the saved
    # views, the page
    for call, budget in (
        (lambda: api.get("/api/v1/customers/", query_string={"search": term}), 2),
        (lambda: agent_client.get("/customers/", query_string={"search": term}), 3),
        (lambda: agent_client.get("/customers/search", query_string={"q": term}), 3),
    ):
        response, selects = count_selects(app, call)
        assert response.status_code in (200, 302)
        assert len(selects) <= budget, selects


def test_the_list_page_searches_and_shows_the_search_as_a_chip(agent_client, people):
    html = text(agent_client.get("/customers/?search=Murat+Yilmaz&is_active=true"))
    assert "murat.yilmaz@example.com" in html and "md@x.com" not in html
    assert re.search(r'chip-label">Search:</span>\s*Murat Yilmaz', html)
    assert 'name="search" value="Murat Yilmaz"' in html
    # The search box keeps the other filters.
    assert '<input type="hidden" name="is_active" value="true">' in html


def test_the_quick_search_opens_one_exact_hit_and_lists_the_rest(agent_client, people):
    response = agent_client.get("/customers/search?q=ty-100000")
    assert response.headers["Location"] == f"/customers/{people['murat'].id}/"
    response = agent_client.get("/customers/search?q=0534 414 91 06")
    assert response.headers["Location"] == f"/customers/{people['murat'].id}/"
    html = text(agent_client.get("/customers/search?q=murat"))
    assert "4</strong> matches" in html and "mcy@x.com" in html


def test_options_and_openapi_advertise_the_search(api):
    body = api.options("/api/v1/customers/").get_json()
    assert body["search"] == {"param": "search", "title": "Search", "description": "A search term."}
    document = api.get("/api/v1/schema/").get_json()
    for path in ("/api/v1/customers/", "/api/v1/customers/detailed/"):
        params = document["paths"][path]["get"]["parameters"]
        assert {
            "name": "search",
            "in": "query",
            "required": False,
            "description": "A search term.",
            "schema": {"type": "string"},
        } in params


def test_related_records_share_the_email_or_the_phone(api, agent_client, people, channel):
    same_phone = make_customer(people["other"], first_name="Mr", phone_number="+905344149106")
    body = api.get(f"/api/v1/customers/{people['murat'].id}/related/").get_json()
    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    matched = {row["pk"]: row["matched_on"] for row in body["results"]}
    assert matched == {people["murat_web"].id: ["email"], same_phone.id: ["phone"]}
    assert body["results"][0]["channel"] == people["other"].id  # the customer's own fields
    # The anonymized record with the same phone is not there; nor does it have related records.
    anonymized = api.get(f"/api/v1/customers/{people['former'].id}/related/").get_json()
    assert anonymized["count"] == 0
    assert api.get("/api/v1/customers/999999/related/").status_code == 404
    paged = api.get(f"/api/v1/customers/{people['murat'].id}/related/?limit=1").get_json()
    assert paged["count"] == 2 and paged["next"].endswith("limit=1&page=2")
    html = text(agent_client.get(f"/customers/{people['murat'].id}/"))
    assert "Same person elsewhere" in html and "same email" in html and "same phone" in html
    assert f'href="/customers/{people["murat_web"].id}/"' in html


def test_related_records_are_one_statement_beside_the_token(app, api, people):
    murat, path = people["murat"], f"/api/v1/customers/{people['murat'].id}/related/"
    same_phone = make_customer(people["other"], first_name="Mr", phone_number="+905344149106")
    api.get(path)  # the token's first use is recorded once
    # the token, the page; the last page of several: the first page (its count) first
    for query, budget in (("", 2), ("?page=last", 2), ("?limit=1&page=last", 3)):
        response, selects = count_selects(app, lambda q=query: api.get(path + q))
        assert response.status_code == 200 and len(selects) == budget, selects
    # Someone with no other record: an empty page, still one statement.
    alone = f"/api/v1/customers/{people['demir'].id}/related/"
    response, selects = count_selects(app, lambda: api.get(alone))
    assert response.get_json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert len(selects) == 2
    last = api.get(path + "?limit=1&page=last").get_json()
    assert last["count"] == 2 and last["next"] is None and last["previous"].endswith("limit=1")
    assert [row["pk"] for row in last["results"]] == [people["murat_web"].id]  # the older
    first = api.get(path + "?limit=1").get_json()["results"]
    assert [(row["pk"], row["matched_on"]) for row in first] == [(same_phone.id, ["phone"])]
    assert murat.id not in [row["pk"] for row in api.get(path).get_json()["results"]]


@pytest.mark.parametrize("query", ["", "?page=2", "?page=99999999999999", "?page=x", "?page=0"])
def test_related_records_of_no_customer_are_not_found_whatever_the_page(api, people, query):
    response = api.get(f"/api/v1/customers/999999/related/{query}")
    assert response.status_code == 404 and response.get_json() == {"detail": "Not found."}


@pytest.mark.parametrize("query", ["?page=2", "?page=99999999999999", "?page=x", "?page=0"])
def test_related_records_past_the_end_are_an_invalid_page(api, people, query):
    for person in ("murat", "demir"):  # with other records, and with none
        response = api.get(f"/api/v1/customers/{people[person].id}/related/{query}")
        assert response.status_code == 404 and response.get_json() == {"detail": "Invalid page."}
