"""Languages: Flask-Babel, the catalogs in ``backoffice/translations`` (tr, en).

The locale is the signed-in user's choice (``users.language``), else the ``language`` cookie
the header's switch sets (signed-out pages), else the browser's ``Accept-Language`` among
``LANGUAGES``, else English. The time zone is the user's (``users.timezone``), else
``DEFAULT_TIMEZONE``. The JSON API never reads either: everything under /api/ but its HTML
documentation page is English, whatever the request says.
"""

from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from flask import Flask, g, has_request_context, request
from flask.globals import _cv_app
from flask_babel import Babel, get_locale, get_translations, refresh
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from backoffice.config import ROOT

LANGUAGES = ("en", "tr")
# Each language named in itself, for the switch.
LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}
DEFAULT_LANGUAGE = "en"
DEFAULT_TIMEZONE = "Europe/Istanbul"
COOKIE = "language"
TRANSLATIONS = ROOT / "backoffice" / "translations"
# The API's one HTML page follows the reader's language; its JSON never does.
API_PAGES = frozenset({"api.docs"})
# How many template words a catalog keeps worded (the templates hold fewer than 1,000).
WORDS_KEPT = 4096

babel = Babel()


@lru_cache(maxsize=1)
def timezones() -> frozenset[str]:
    """The IANA time zone names this system knows."""
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    return name in timezones()


def is_machine_request() -> bool:
    return request.path.startswith("/api/") and request.endpoint not in API_PAGES


def apply_now(language: str | None = None, timezone: str | None = None) -> None:
    """Speak ``language`` in ``timezone`` for the rest of this request (the user just chose
    them: the confirmation is in the new language)."""
    g.i18n_settings = {"language": language, "timezone": timezone}
    g.pop("_formats", None)  # backoffice.formatting's, of this request
    g.pop("_i18n_translations", None)
    g.pop("_i18n_words", None)
    refresh()


def _user_setting(name: str) -> str | None:
    chosen = g.get("i18n_settings", {}).get(name)
    if chosen:
        return chosen
    user = current_user._get_current_object()  # one lookup through the proxy, not three
    if user and user.is_authenticated:
        return getattr(user, name, None)
    return None


def select_locale() -> str:
    if not has_request_context() or is_machine_request():
        return DEFAULT_LANGUAGE
    for choice in (_user_setting("language"), request.cookies.get(COOKIE)):
        if choice in LANGUAGES:
            return choice
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_timezone() -> str:
    if not has_request_context() or is_machine_request():
        return DEFAULT_TIMEZONE
    chosen = _user_setting("timezone")
    return chosen if chosen and is_timezone(chosen) else DEFAULT_TIMEZONE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    # WTForms' own messages ("This field is required.") in the page's language.
    app.config.setdefault("WTF_I18N_ENABLED", True)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # {% trans %} blocks with their whitespace collapsed, as babel.cfg extracts them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Flask-Babel's template callables look the catalog up anew at every call (~150 a list
    # page, a third of its rendering); these take it once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    # And ``_()`` / ``gettext`` / ``ngettext`` (``{% trans %}``) without Jinja's three nested
    # calls a word, each word's Markup made once per catalog (below).
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
    app.jinja_env.globals["ngettext"] = template_ngettext
    app.jinja_env.globals["language_names"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_language"] = current_language


def translations() -> Any:
    """This request's catalog (Flask-Babel's ``get_translations``), looked up once. Kept on
    ``g``, read through Flask's context variable: ``g``'s proxy costs three Python calls a
    read, and a page asks ~50-60 times (each template word)."""
    here = _cv_app.get(None)
    kept = g if here is None else here.g  # no app context: the proxy says so
    try:
        return kept._i18n_translations
    except AttributeError:
        kept._i18n_translations = found = get_translations()
        return found


def _worded(catalog: Any) -> dict[Any, Markup]:
    """The template words ``catalog`` has translated, as Markup: a catalog is read from its
    file once per process and language (Flask-Babel keeps it), so its words never go stale."""
    try:
        return catalog._template_words
    except AttributeError:
        catalog._template_words = words = {}
        return words


def worded(key: Hashable, make: Callable[[], Any]) -> Any:
    """``make()``, made once per catalog: for words whose text only the catalog decides (a
    field's label), never for anything read from the database. ``key`` names them, as a
    tuple of two or more (template words use strings and one-tuples)."""
    words = _worded(translations())
    try:
        return words[key]
    except KeyError:
        found = make()
        if len(words) < WORDS_KEPT:
            words[key] = found
        return found


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """Jinja's newstyle ``gettext`` (the translation as a format string, Markup under
    autoescape, its variables escaped into it), with each word's Markup kept per catalog."""
    catalog = translations()
    if not eval_ctx.autoescape:
        return catalog.ugettext(string) % variables
    words = _worded(catalog)
    key = string if variables else (string,)  # a word alone is kept formatted
    try:
        word = words[key]
    except KeyError:
        word = Markup(catalog.ugettext(string))  # noqa: S704  (as Jinja's: the catalog's)
        word = word if variables else word % variables
        if len(words) < WORDS_KEPT:
            words[key] = word
    return word % variables if variables else word


@pass_eval_context
def template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: Any
) -> str:
    """Jinja's newstyle ``ngettext``: ``num`` is a variable too."""
    variables.setdefault("num", num)
    found = translations().ungettext(singular, plural, num)
    return (Markup(found) if eval_ctx.autoescape else found) % variables  # noqa: S704


def current_language() -> str:
    """The page's language code, for ``<html lang>`` and the switch."""
    return str(get_locale() or DEFAULT_LANGUAGE)
