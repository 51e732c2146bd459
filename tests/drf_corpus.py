"""The differential run's requests, generated from small tables of good, bad and edge values."""

from urllib.parse import quote

from tests.differential import API, Case, json_case

DATES = ["2024-01-05", "2024-1-5", "20240105", "2024-01-05T00:00:00Z", "2024-01-05 10:00",
         "", "  ", " 2024-01-05 ", "2024-13-01", "abc", "9999-12-31", "0001-01-01",
         "2024-W01-1", "１９９０-０５-１７"]  # fmt: skip
DATETIMES = ["2017-01-30T08:21:20.657225Z", "2017-01-30T08:21:20Z", "2017-01-30T08:21:20",
             "2017-01-30", "2017-01-30 08:21:20", "2017-01-30T08:21:20+03:00", "2017-01-30T08:21",
             "2017-01-30T08:21:20.6572251Z", "20170130T082120", "abc", "", " ",
             "2017-01-30T25:00"]  # fmt: skip
CHARS = ["Ann", "", "  ", " Ann ", "null", "ann", "%", "_", "Ann\t", "Zoë"]
EMAILS = ["x@y.com", " x@y.com ", "  ", "c1", "c1@example.com", "ann@example.com", "%"]
BOOLEANS = ["true", "false", "True", "FALSE", "1", "0", " true", "yes", "abc", ""]
CHOICES = ["male", "female", "registered", "guest", "Male", "", " male", "x"]
CHANNELS = ["1", "2", "3", "99", "abc", "", " 1", "1&channel=", "1&channel=2", "1.0", "-1",
            "1&channel=abc", "0", "99999999999"]  # fmt: skip
NUMBERS = ["1", "5", "1.5", "-1", "abc", "", "  ", " 5", "1e1", "5 ", "1,2", "0x5", "+5", "5.0"]
ORDERINGS = ["id", "-id", "pk", "-pk", "email", "-created_date,email", "nope", "", "-gender",
             "id,nope", " id"]  # fmt: skip
PAGES = ["1", "2", "3", "4", "0", "-1", "abc", "", "+2", " 2", "2 ", "last", "2.0", "1&page=2",
         "٢", "1_0"]  # fmt: skip
LIMITS = ["5", "0", "-1", "abc", "", "+5", " 5", "100", "101", "1000", "5&limit=3", "1.5"]

FILTERS = {
    **{f"{name}{suffix}": DATES for name in ("created_date", "modified_date")
       for suffix in ("", "__gt", "__gte", "__lt", "__lte", "__date")},
    "date_of_birth": [*DATES, "1990-5-17", "1990-05-17"],
    "date_joined": DATETIMES,
    "channel": CHANNELS,
    "email": EMAILS,
    "email__startswith": ["c1", "C1", " c1", "  ", "", "Ann@"],
    **{name: CHARS for name in ("first_name", "last_name", "phone_number", "channel_code",
                                 "erp_code")},
    **{name: BOOLEANS for name in ("is_active", "email_allowed", "sms_allowed",
                                    "call_allowed")},
    "gender": CHOICES,
    "user_type": CHOICES,
    **{f"{name}{suffix}": NUMBERS for name in ("id", "pk")
       for suffix in ("", "__gt", "__gte", "__lt", "__lte")},
    "ordering": ORDERINGS,
}  # fmt: skip


def _q(value: str) -> str:
    """A value as a query string carries it; a literal & starts the next parameter."""
    return "&".join(quote(part, safe="=") for part in value.split("&"))


def filter_cases() -> list[Case]:
    return [Case("GET", f"{API}?{name}={_q(v)}") for name, vs in FILTERS.items() for v in vs]


def page_cases() -> list[Case]:
    cases = [Case("GET", f"{API}?page={_q(v)}") for v in PAGES]
    cases += [Case("GET", f"{API}?limit={_q(v)}") for v in LIMITS]
    cases += [
        Case("GET", f"{API}?{query}")
        for query in (
            "limit=5&page=2",
            "page=2&limit=5",
            "limit=5&page=3&email__startswith=c",
            "is_active=true&limit=3&page=2&channel=1&channel=2",
            "page=2&zzz=1&aaa=2&aaa=1",
            "page=2&first_name=A%20n",
            "page=2&first_name=&limit=5",
            "limit=10&page=2",
            "page=last&limit=7",
            "page=3&limit=10",
        )
    ]
    return cases


def read_cases() -> list[Case]:
    paths = [
        "1/", "24/", "999/", "abc/", "0/", "-1/", "1/detailed/", "999/detailed/", "abc/detailed/",
        "detailed/", "detailed/?limit=2&page=2", "detailed/?channel=abc", "1/?email=zzz",
        "1/?channel=abc", "1/?format=json", "1/?page=abc", "?format=json", "?format=xml",
        "1/?format=xml", "?format=api",
    ]  # fmt: skip
    return [Case("GET", API + p) for p in paths] + [Case("HEAD", API), Case("HEAD", f"{API}1/")]


def method_cases() -> list[Case]:
    cases = []
    for path in ("", "1/", "999/", "abc/", "detailed/", "1/detailed/"):
        for method in ("DELETE", "PUT", "PATCH", "POST", "OPTIONS", "TRACE"):
            for token in (True, False):
                cases.append(json_case(method, API + path, {}, token=token))
    return cases


def token_cases() -> list[Case]:
    headers = ["", "Token", "Token ", "Token bad", "Bearer x", "Token a b", "Basic eDp5",
               "token {key}", "TOKEN {key}", "Token  {key}", "Token {key} "]  # fmt: skip
    cases = []
    for header in headers:
        for method, path in (("GET", API), ("GET", f"{API}1/"), ("GET", f"{API}abc/")):
            cases.append(Case(method, path, headers={"Authorization": header}, token=False))
    for method, path in (("PUT", API), ("DELETE", f"{API}1/"), ("GET", f"{API}?page=abc")):
        cases.append(Case(method, path, token=False))
    return cases


def accept_cases() -> list[Case]:
    accepts = ["application/json", "*/*", "application/xml", "text/html", "application/*",
               "application/json; indent=4", "text/plain", "application/json;q=0",
               "application/xml, application/json;q=0.5", "text/*", "",
               "application/vnd.api+json",
               "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]  # fmt: skip
    cases = [Case("GET", API, headers={"Accept": accept}) for accept in accepts]
    cases += [Case("GET", f"{API}1/", headers={"Accept": "application/xml"})]
    cases += [Case("GET", f"{API}abc/", headers={"Accept": "application/xml"}, token=False)]
    return cases


# -- writes: each on a scratch customer ({pk}) of its own ---------------------------------------

WRONG_TYPES = [None, True, 1, 1.5, "", " ", "x" * 300, [], {}, "abc", ["a"]]
FIELD_VALUES = {
    "email": ["test@localhost", "x@foo.test", "x@foo.local", "a@[127.0.0.1]",
              '"quoted"@example.com', "ü@example.com", "a@example.c", "a@b", "a b@c.com",
              " a@b.com ", "A@EXAMPLE.COM", "a@b.com\x00", "a@ü.com", "a..b@c.com",
              "a@-b.com", "a@b.com.", "x" * 250 + "@b.com", "a@" + "b" * 64 + ".com"],
    "first_name": ["Ann", " Ann ", "x" * 255, "x" * 256, "x" * 300 + "\x00", "a\x00b", 12],
    "last_name": ["Lovelace", "\t"],
    "phone_number": ["05555555555", "x" * 129],
    "channel_code": ["new-code", "taken", "x" * 65],
    "erp_code": ["erp", "x" * 65],
    "is_active": ["yes", "t", "TRUE", "on", 2, 0, 1.0, "abc", "0", "1", "null"],
    "email_allowed": ["no", "F", 0.0],
    "sms_allowed": ["off"],
    "call_allowed": ["n"],
    "gender": ["male", "Male", "x", 1],
    "user_type": ["guest", "Registered"],
    "date_of_birth": ["2001-01-01", "2001-1-1", "20010101", "2001-01-01T00:00:00", "2001-13-01",
                      20010101, "2001-W01-1", " 2001-01-01", "2001-01-01\n", "0000-01-01",
                      "１９９０-０５-１７"],
    "date_joined": ["2017-01-30", "2017-01-30T08:21:20.1234567Z", "2017-01-30T08:21:20Z",
                    "2017-01-30T08:21:20+03:00", "2017-01-30 08:21", "2017-01-30T25:00", 0,
                    "2017-01-30T08:21:20.657225", "20170130T082120", "2017-01-30T08",
                    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                    " 2017-01-30T08:21:20Z"],
    "channel": [1, "1", 2, 99, 1.5, "1.5", "abc", True, " 1", "0", -1, 3.0],
    "extra_field": [{"a": 1}, {"a": "\x00"}],
    "attributes": [{"logged_ip": "1.2.3.4"}],
    "pk": [999],
    "created_date": ["2000-01-01T00:00:00Z"],
}  # fmt: skip
SEED_POST = {
    "email": "test@test.com", "channel": 1, "channel_code": "1231", "gender": "male",
    "user_type": "registered", "is_active": False, "erp_code": "er_code", "email_allowed": True,
    "sms_allowed": True, "call_allowed": True, "phone_number": "05555555555", "attributes": {},
    "extra_field": {}, "date_of_birth": "2001-01-01",
}  # fmt: skip
FORM, JSON = "application/x-www-form-urlencoded", "application/json"
PUT_BODY = {"email": "test2@test.com", "channel": 1, "channel_code": "put-code"}


def field_cases() -> list[Case]:
    detail = f"{API}{{pk}}/"
    cases = []
    for name, values in FIELD_VALUES.items():
        for value in values + ([] if name in ("pk", "created_date") else WRONG_TYPES):
            cases.append(json_case("PATCH", detail, {name: value}))
    return cases


def write_cases() -> list[Case]:
    detail = f"{API}{{pk}}/"
    cases = [
        json_case("POST", API, SEED_POST),
        json_case("POST", API, {**SEED_POST, "channel_code": "taken", "channel": 2}),
        json_case("POST", API, {}),
        json_case("POST", API, {"email": "a@b.com"}),
        json_case("POST", API, {**SEED_POST, "channel_code": "p2", "email": "bad"}),
        json_case("POST", API, {**SEED_POST, "channel_code": "p3", "date_joined": "2017-01-30"}),
        json_case("POST", API, None),
        json_case("POST", API, []),
        json_case("POST", API, "text"),
        json_case("POST", API, 1),
        json_case("PUT", detail, PUT_BODY),
        json_case("PUT", detail, {"email": "a@b.com"}),
        json_case("PUT", detail, {**PUT_BODY, "channel": 2}),
        json_case("PUT", detail, {**PUT_BODY, "channel": 2, "channel_code": "taken"}),
        json_case("PATCH", detail, {"channel": 2, "channel_code": "taken"}),
        json_case("PATCH", detail, {"channel_code": "code-2"}),
        json_case("PATCH", detail, {"channel": 1, "channel_code": "code-2"}),
        json_case("PATCH", detail, None),
        json_case("PATCH", detail, []),
        json_case("PATCH", detail, {}),
        json_case("PATCH", detail, {"unknown": 1}),
        json_case("PATCH", detail, {"first_name": "x"}, headers={"If-Match": '"v0"'}),
        json_case("PATCH", f"{detail}detailed/", {"first_name": "x"}),
        json_case("PATCH", f"{API}999/", {"first_name": "x"}),
        json_case("PATCH", f"{detail}?channel=abc", {"first_name": "x"}),
        Case("PATCH", detail, body=b"", content_type="application/json"),
        Case("PATCH", detail, body=b"{bad json", content_type="application/json"),
        Case("PATCH", detail, body=b'{"first_name": NaN}', content_type="application/json"),
        Case("PATCH", detail, body=b'{"first_name": "\\ud800"}', content_type="application/json"),
        Case("PATCH", detail, body=b'{"first_name": "Text"}', content_type="text/plain"),
        Case("PATCH", detail, body=b"first_name=Form", content_type=FORM),
        Case("PATCH", detail, body=b'{"first_name": "J"}', content_type=f"{JSON}; charset=latin-1"),
        Case("PATCH", detail, body=b'{"first_name": "J"}', content_type=None),
        Case("POST", f"{API}?page=99999999999999999999", body=b"", content_type=None),
        Case("GET", f"{API}?page=99999999999999999999"),
    ]  # fmt: skip
    return cases + field_cases()


def corpus() -> list[Case]:
    cases = (
        filter_cases()
        + page_cases()
        + read_cases()
        + method_cases()
        + token_cases()
        + accept_cases()
        + write_cases()
    )
    return list({case.id: case for case in cases}.values())
