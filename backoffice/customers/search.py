"""The customer search: a term read as an email, a phone number, a code and a name, each a
lookup in one index, and the order that ranks what they find.

A term matches a customer by (any of):
- its email: the whole address or its start (``email_key``), when the term has an ``@``;
- its phone: the number in any format (``phone_key``), or its last 7+ digits (``phone_tail``);
- a code: ``channel_code``, ``erp_code``, an integration mapping code or a code another
  feature registers (``code_source``: the orders their numbers) that is, or starts with, the
  term in any case (``types.code_key``: both sides' ASCII letters in small);
- its name: every word of the term starts a word of the first name, the last name or the
  email's local part, folded (``customer_search_words``), in any order.

Each is a range of a btree written ``key >= :p AND key < :p || U+10FFFF``: SQLite and
PostgreSQL both read it off the index (the keys compare byte by byte, see types.search_key).
The UNION ALL of the ranges is one MATERIALIZED CTE: the count and the page read it, the
ranges are walked once.
"""

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    any_,
    case,
    cast,
    func,
    intersect,
    literal,
    or_,
    select,
    union_all,
)

from backoffice.channels.models import IntegrationMapping
from backoffice.customers.models import Customer, customer_search_words
from backoffice.filtering import SearchFilter
from backoffice.people.keys import digits_tail, email_key, phone_key, stored_word, words
from backoffice.types import code_key, code_term

EXACT, PARTIAL = 100, 50  # ranks of an identifier hit; a name scores its whole words (0-5)
MAX_WORDS = 5
LAST = "\U0010ffff"  # after every character: "starts with p" is [p, p + LAST)
CUSTOMERS = Customer.__table__
WORDS = customer_search_words


@dataclass(frozen=True)
class SearchTerm:
    """A term read every way it can be: each key None (or empty) when it cannot be that."""

    text: str
    email: str | None
    phone: str | None
    tail: str | None
    code: str | None
    words: tuple[str, ...]


@dataclass(frozen=True)
class CodeSource:
    """A table whose codes name a customer: the customer's id column, the code column, and
    what else a row must be."""

    customer_id: ColumnElement
    code: ColumnElement
    where: tuple[ColumnElement, ...] = ()

    def starting(self, prefix: str):
        return _ids(self.customer_id, _starts(code_key(self.code), prefix), *self.where)

    def equal(self, code: str):
        return select(self.customer_id).where(code_key(self.code) == code, *self.where)


# Integration mappings here; other features add theirs (orders: the order number).
CODE_SOURCES = [
    CodeSource(
        IntegrationMapping.object_id,
        IntegrationMapping.code,
        (IntegrationMapping.object_type == "customer",),
    )
]


def code_source(customer_id: ColumnElement, code: ColumnElement) -> None:
    """Let the search find a customer by ``code`` (exact or prefix), so this package imports
    no feature that depends on it."""
    CODE_SOURCES.append(CodeSource(customer_id, code))


def parse_term(raw: str) -> SearchTerm | None:
    """The term's keys; None for a blank term."""
    text = raw.strip()
    if not text:
        return None
    single = len(text.split()) == 1
    tail = digits_tail(text)
    return SearchTerm(
        text=text,
        email=email_key(text) if single and "@" in text else None,
        phone=phone_key(text) if tail else None,
        tail=tail,
        code=code_term(text) if single else None,
        words=() if tail or "@" in text else tuple(dict.fromkeys(words(text)))[:MAX_WORDS],
    )


def _starts(column: ColumnElement, prefix: str) -> ColumnElement:
    return and_(column >= prefix, column < prefix + LAST)


def _ids(column: ColumnElement, *where: ColumnElement):
    return select(column.label("id")).where(*where)


def matching_ids(term: SearchTerm):
    """The ids of the customers the term finds (with repeats): a UNION ALL of index ranges."""
    c = CUSTOMERS.c
    branches = []
    if term.email:
        branches.append(_ids(c.id, _starts(c.email_key, term.email)))
    if term.phone:
        branches.append(_ids(c.id, c.phone_key == term.phone))
    if term.tail:
        branches.append(_ids(c.id, _starts(c.phone_tail, term.tail)))
    if term.code:
        branches += [
            _ids(c.id, _starts(code_key(c.channel_code), term.code)),
            _ids(c.id, _starts(code_key(c.erp_code), term.code)),
            *(source.starting(term.code) for source in CODE_SOURCES),
        ]
    if term.words:
        each = [_ids(WORDS.c.customer_id, _starts(WORDS.c.word, w)) for w in term.words]
        if len(each) == 1:
            branches.append(each[0])
        else:  # every word matches: the customers all of them find
            every = intersect(*each).subquery("every_word")
            branches.append(select(every.c.id))
    if not branches:
        return select(c.id).where(literal(False))
    return branches[0] if len(branches) == 1 else union_all(*branches)


def matches(term: SearchTerm, dialect: str) -> ColumnElement:
    """The search as a WHERE clause, its ids computed once per statement (a MATERIALIZED CTE,
    read by the count and by the page). PostgreSQL: ``id = ANY(ARRAY(…))``, so the rows are
    read by their primary key whatever the planner guesses of the matches (an IN may become a
    hash join over a scan of the table)."""
    found = matching_ids(term).cte("search_ids").prefix_with("MATERIALIZED")
    ids = select(found.c.id)
    if dialect == "postgresql":
        return Customer.id == any_(func.array(ids.scalar_subquery()))
    return Customer.id.in_(ids)


def rank(term: SearchTerm) -> ColumnElement:
    """How well a customer the term found matches it: EXACT for an identifier equal to the
    term, PARTIAL for one it starts (or ends, for a phone), else the number of the term's
    words that are whole words of the name."""
    c = CUSTOMERS.c
    exact, partial = [], []
    if term.email:
        exact.append(c.email_key == term.email)
        partial.append(_starts(c.email_key, term.email))
    if term.phone:
        exact.append(c.phone_key == term.phone)
    if term.tail:
        partial.append(_starts(c.phone_tail, term.tail))
    if term.code:
        exact += [
            code_key(c.channel_code) == term.code,
            code_key(c.erp_code) == term.code,
            *(c.id.in_(source.equal(term.code)) for source in CODE_SOURCES),
        ]
        partial += [_starts(code_key(column), term.code) for column in (c.channel_code, c.erp_code)]
    whole = [
        case((c.search_words.contains(stored_word(w), autoescape=True), 1), else_=0)
        for w in term.words
    ]
    names = sum(whole[1:], whole[0]) if whole else literal(0)
    whens = [(or_(*hits), value) for hits, value in ((exact, EXACT), (partial, PARTIAL)) if hits]
    score = case(*whens, else_=names) if whens else names
    return cast(score, Integer).label("search_rank")


def ranked_order(term: SearchTerm) -> list[ColumnElement]:
    """Best matches first, then the newest."""
    return [rank(term).desc(), Customer.created_date.desc(), Customer.id.desc()]


CUSTOMER_SEARCH = SearchFilter(parse_term, matches, ranked_order)
