"""The customer search: a term read as an email, a phone number, a code and a name, each a
lookup in one index, and the order that ranks what they find.

A term matches a customer by (any of):
- its email: the whole address or its start (``email_key``), when the term has an ``@``;
- its phone: the number in any format (``phone_key``), or its last 7+ digits (``phone_tail``);
- a code: ``channel_code``, ``erp_code``, an integration mapping code or a code another
  feature registers (``code_source``: the orders their numbers) that is, or starts with, the
  term in any case (``types.code_key``: both sides' ASCII letters in small);
- its name: every word of the term starts a word of the first name, the last name or the
  email's local part, folded (``customer_search_words``), in any order; the term and the
  stored words alike split at spaces, commas, hyphens, apostrophes, dots, underscores and
  plus signs (``people.keys.words``).

Each is a range of a btree written ``key >= :p AND key < :p || U+10FFFF``: SQLite and
PostgreSQL both read it off the index (the keys compare byte by byte, see types.search_key).

Each range also says how well it matches, from the index alone (``search_hits``: one row per
customer found, its id and its rank, the best of its ranges): an identifier equal to the term
is EXACT, one it starts PARTIAL; a name scores its words found whole (``word = :w`` in the
words index). So no customer row is read to rank or count the matches: the count is the
number of hits, and a page is taken tier by tier (customers of one rank, newest first, see
``ranked_page``). The hits are one MATERIALIZED CTE: the count and the page read it, the
ranges are walked once.
"""

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    case,
    cast,
    false,
    func,
    intersect,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.selectable import CTE, Subquery

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

    def scored(self, prefix: str):
        """The customers of the codes starting with ``prefix``: EXACT for the code itself,
        else 0 (a code's start is no identifier hit of its own, see ``rank``)."""
        score = case((code_key(self.code) == prefix, EXACT), else_=0)
        return _hits(self.customer_id, score, _starts(code_key(self.code), prefix), *self.where)


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


def matching_ids(term: SearchTerm, dialect: str):
    """The ids of the customers the term finds (with repeats): a UNION ALL of index ranges —
    the search's lookup alone, unranked (bench/search.py times it beside the request)."""
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
        named, more = _named(term.words, dialect)
        branches += [select(found.subquery().c.id) for found in (named, *more)]
    if not branches:
        return select(c.id).where(literal(False))
    return branches[0] if len(branches) == 1 else union_all(*branches)


def _hits(column: ColumnElement, score: ColumnElement, *where: ColumnElement) -> Select:
    return select(column.label("id"), cast(score, Integer).label("score")).where(*where)


def scored_ids(term: SearchTerm, dialect: str) -> Select:
    """One row per customer the term finds: its id and its rank (as ``rank`` ranks it), from
    the indexes alone — each range emits its ids with how well it matches, the best counts.

    The names' main hits are one row per customer already (``_named``), and usually most of
    the hits: only those the other ranges also find are grouped with them, the rest pass
    through (grouping tens of thousands of rows is most of a common name's cost)."""
    c = CUSTOMERS.c
    branches = []  # ranges that may find a customer more than once
    if term.email:
        whole = case((c.email_key == term.email, EXACT), else_=PARTIAL)
        branches.append(_hits(c.id, whole, _starts(c.email_key, term.email)))
    if term.phone:
        branches.append(_hits(c.id, literal(EXACT), c.phone_key == term.phone))
    if term.tail:
        branches.append(_hits(c.id, literal(PARTIAL), _starts(c.phone_tail, term.tail)))
    if term.code:
        for column in (c.channel_code, c.erp_code):
            key = code_key(column)
            whole = case((key == term.code, EXACT), else_=PARTIAL)
            branches.append(_hits(c.id, whole, _starts(key, term.code)))
        branches += [source.scored(term.code) for source in CODE_SOURCES]
    named = None
    if term.words:
        named, more = _named(term.words, dialect)
        branches += more
    if not branches:
        return named if named is not None else _hits(c.id, literal(0), false())
    if named is None:
        return _best(union_all(*branches).subquery("search_ranges"))
    # Read twice below: computed once (and the statement, planned on every execution, short).
    every = union_all(*branches).cte("search_ranges").prefix_with("MATERIALIZED")
    named = named.subquery("search_named")
    # The others' hits each with its name hit (a lookup by id), grouped; then the name hits
    # the others do not hold ((id IN …) IS NOT TRUE: a hashed set of the others' ids).
    best = case((named.c.score > every.c.score, named.c.score), else_=every.c.score)
    grouped = (
        select(every.c.id, func.max(best).label("score"))
        .select_from(every.outerjoin(named, named.c.id == every.c.id))
        .group_by(every.c.id)
    )
    alone = named.c.id.in_(select(every.c.id)).is_not(true())
    return union_all(grouped, select(named.c.id, named.c.score).where(alone))


def _best(ranges: Subquery | CTE) -> Select:
    """One row per customer of ``ranges``: its best score."""
    return select(ranges.c.id, func.max(ranges.c.score).label("score")).group_by(ranges.c.id)


def _named(terms: tuple[str, ...], dialect: str) -> tuple[Select, list[Select]]:
    """The customers with a word starting with each of ``terms``, scored by the terms that
    are whole words: one row per customer, and the ranges that may hold a customer more than
    once (to be grouped with the other ranges' hits).

    One term: its whole word's entries (one per customer, the primary key's order), scored
    1; then the longer words starting with it, scored 0 (a customer with both has its best).
    Several, on PostgreSQL: the ranges joined on the customer (it hashes the smaller range
    and reads the others past it), grouped per customer, each term counting 1 when one of
    its entries is the term itself. On SQLite, whose join is a loop probing the next range
    once per entry of the first (2-3 times the cost): the ids all ranges hold (an INTERSECT,
    each range sorted once), then each term looked up whole for those only (an outer join on
    the words' primary key)."""
    ranges = [WORDS.alias(f"word_{n}") for n in range(len(terms))]
    first = ranges[0]
    if len(terms) == 1:
        word, term = first.c.word, terms[0]
        whole = _hits(first.c.customer_id, literal(1), word == term)
        longer = _hits(first.c.customer_id, literal(0), word > term, word < term + LAST)
        return whole, [longer]
    pairs = list(zip(ranges, terms, strict=True))
    if dialect == "postgresql":
        joined = first
        for r in ranges[1:]:
            joined = joined.join(r, r.c.customer_id == first.c.customer_id)
        wholes = [func.max(case((r.c.word == w, 1), else_=0)) for r, w in pairs]
        found = _hits(first.c.customer_id, sum(wholes[1:], wholes[0]))
        found = found.where(*(_starts(r.c.word, w) for r, w in pairs)).select_from(joined)
        return found.group_by(first.c.customer_id), []
    each = [select(r.c.customer_id).where(_starts(r.c.word, w)) for r, w in pairs]
    every = intersect(*each).subquery("every_word")
    joined, wholes = every, []
    for n, w in enumerate(terms):
        found = WORDS.alias(f"whole_{n}")
        on = and_(found.c.word == w, found.c.customer_id == every.c.customer_id)
        joined = joined.outerjoin(found, on)
        wholes.append(case((found.c.customer_id.is_not(None), 1), else_=0))
    return _hits(every.c.customer_id, sum(wholes[1:], wholes[0])).select_from(joined), []


def search_hits(term: SearchTerm, dialect: str) -> CTE:
    """The term's hits as one MATERIALIZED CTE (id, score); one object per term and dialect,
    so that a statement reading it in several places (the filter, the count, the page) names
    it once."""
    return _search_hits(term, dialect, len(CODE_SOURCES))  # a source added later: a new one


@lru_cache(maxsize=512)
def _search_hits(term: SearchTerm, dialect: str, _sources: int) -> CTE:
    return scored_ids(term, dialect).cte("search_hits").prefix_with("MATERIALIZED")


def matches(term: SearchTerm, dialect: str) -> ColumnElement:
    """The search as a WHERE clause, its ids computed once per statement (``search_hits``).
    PostgreSQL: ``id = ANY(ARRAY(…))``, so the rows are read by their primary key whatever the
    planner guesses of the matches (an IN may become a hash join over a scan of the table)."""
    ids = select(search_hits(term, dialect).c.id)
    if dialect == "postgresql":
        return Customer.id == any_(func.array(ids.scalar_subquery()))
    return Customer.id.in_(ids)


# A tier (the hits of one rank) is paged by one of two plans, chosen in the statement from
# the tier's size (counted from the hits): its rows read and sorted by date (n rows), or
# ix_customers_created_date walked newest first keeping the tier's ids (a hashed set), which
# reaches the page's end after about (offset + limit) * customers / n index entries. The walk
# is taken when that is at most WALK_COST * n: reading and sorting a row costs about as much
# as walking this many index entries.
WALK_COST = 16
_WALK_COST = bindparam("search_walk_cost", callable_=lambda: WALK_COST, type_=BigInteger)


def _tiers(term: SearchTerm) -> list[int]:
    """Every rank a hit of the term can have, best first."""
    scores = set()
    if term.email or term.phone or term.code:
        scores.add(EXACT)
    if term.email or term.tail or term.code:
        scores.add(PARTIAL)
    if term.code:
        scores.add(0)  # a code's start (orders, mappings)
    scores.update(range(len(term.words) + 1) if term.words else ())
    return sorted(scores, reverse=True)


@dataclass(frozen=True)
class RankedPage:
    """A ranked page as parts of one statement: the number of hits, and the page's hits
    (``id``, ``score``), unordered: sort them by score, then newest first."""

    total: ColumnElement
    hits: Subquery


def ranked_page(
    term: SearchTerm,
    dialect: str,
    where: list[ColumnElement],
    limit: ColumnElement,
    offset: ColumnElement,
) -> RankedPage:
    """The page [offset, offset + limit) of the customers the term finds that also meet
    ``where`` (the other filters), ranked: best rank first, then newest (created_date, id
    descending). Each tier gives the part of the page it holds, by its own plan."""
    found = search_hits(term, dialect)
    if where:
        found = (
            select(found.c.id, found.c.score)
            .join_from(found, CUSTOMERS, CUSTOMERS.c.id == found.c.id)
            .where(*where)
            .cte("search_found")
            .prefix_with("MATERIALIZED")
        )
    n = func.count()
    tiers = (
        select(
            found.c.score,
            cast(n, BigInteger).label("n"),
            cast(func.sum(n).over(order_by=found.c.score.desc()) - n, BigInteger).label("before"),
        )
        .group_by(found.c.score)
        .cte("search_tiers")
        .prefix_with("MATERIALIZED")
    )
    total = select(cast(func.coalesce(func.sum(tiers.c.n), 0), BigInteger)).scalar_subquery()
    parts = _tier_parts(tiers, limit, offset)
    arms = []
    for score in _tiers(term) or [0]:  # no range at all (", ,"): one empty tier
        taken = {
            name: func.coalesce(
                select(parts.c[name]).where(parts.c.score == score).scalar_subquery(), 0
            )
            for name in ("skip", "walk", "sort")
        }
        arms.append(_walked(found, score).limit(taken["walk"]).offset(taken["skip"]))
        arms.append(_sorted(found, score).limit(taken["sort"]).offset(taken["skip"]))
    # Each arm wrapped: SQLite allows no ORDER BY / LIMIT in a bare UNION member.
    # The LIMIT changes nothing (the arms hold a page at most) but PostgreSQL's estimate: the
    # arms' LIMITs are read from the tiers, so it guesses each returns a tenth of its input.
    page = union_all(*(select(arm.subquery()) for arm in arms)).limit(limit).subquery("search_page")
    return RankedPage(total, page)


def _tier_parts(tiers: CTE, limit: ColumnElement, offset: ColumnElement) -> CTE:
    """For each tier, how many of its hits the page skips and takes, and by which plan."""
    start, n = tiers.c.before, tiers.c.n
    bounds = select(
        tiers.c.score,
        n,
        case((offset > start, offset - start), else_=0).label("skip"),
        case((offset + limit - start < n, offset + limit - start), else_=n).label("stop"),
    ).subquery("search_bounds")
    b = bounds.c
    sized = select(
        b.score, b.n, b.skip, case((b.stop > b.skip, b.stop - b.skip), else_=0).label("take")
    ).subquery("search_sized")
    t = sized.c
    customers = select(cast(func.coalesce(func.max(CUSTOMERS.c.id), 0), BigInteger))
    walk = (t.skip + t.take) * customers.scalar_subquery() <= _WALK_COST * t.n * t.n
    return (
        select(
            t.score,
            t.skip,
            case((walk, t.take), else_=0).label("walk"),
            case((walk, 0), else_=t.take).label("sort"),
        )
        .cte("search_parts")
        .prefix_with("MATERIALIZED")
    )


def _newest() -> list[ColumnElement]:
    return [CUSTOMERS.c.created_date.desc(), CUSTOMERS.c.id.desc()]


def _walked(found: CTE, score: int) -> Select:
    """The tier's hits newest first, by a walk of ix_customers_created_date keeping those in
    the tier. The membership is no plain IN, which each database would turn into reading the
    tier's rows by id and sorting them (the other plan): ``(id IN (…)) IS true`` is a test
    of each entry walked, against a hashed set (PostgreSQL: a hashed SubPlan, SQLite: a LIST
    SUBQUERY)."""
    tier = select(found.c.id).where(found.c.score == score)
    return (
        select(CUSTOMERS.c.id, literal(score, Integer).label("score"))
        .where(CUSTOMERS.c.id.in_(tier).is_(true()))
        .order_by(*_newest())
    )


def _sorted(found: CTE, score: int) -> Select:
    """The tier's hits newest first, each read by its id, then sorted."""
    return (
        select(found.c.id, found.c.score)
        .join_from(found, CUSTOMERS, CUSTOMERS.c.id == found.c.id)
        .where(found.c.score == score)
        .order_by(*_newest())
    )


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
