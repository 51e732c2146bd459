"""The catalogs are complete and current, and no user-visible string escapes them.

- every template (one test per file, so a failure names it): no text node or text attribute
  with letters outside ``{% trans %}`` / ``_()``, no literal text printed by ``{{ }}``, none
  passed to a macro's text parameter;
- every Python module (one test per file): ``flash()``, form labels and descriptions,
  ``ValidationError`` and validator messages are gettext calls, not literals;
- ``messages.pot`` is what ``make messages`` extracts from the sources today;
- the ``tr`` and ``en`` catalogs hold every message; every ``tr`` entry is translated, not
  fuzzy, with the same placeholders.

Fix a failure with ``make messages``, then translate in
backoffice/translations/tr/LC_MESSAGES/messages.po (README, "Languages").
"""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
TRANSLATIONS = ROOT / "backoffice" / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGUAGES = ("tr", "en")

# Text that is the same in every language: the brand, and what shows verbatim.
IGNORED_TEXT = {"Backoffice"}
LETTER = re.compile(r"[^\W\d_]")
GETTEXT = {
    "_",
    "gettext",
    "ngettext",
    "pgettext",
    "npgettext",
    "_l",
    "lazy_gettext",
    "lazy_pgettext",
}
TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label", "aria-roledescription"}
# Elements whose content is code or script, never prose.
VERBATIM = {"code", "kbd", "samp", "pre", "script", "style"}
# Macro parameters that are text a reader sees, whatever the macro.
TEXT_PARAMETERS = {
    "label",
    "noun",
    "title",
    "submit",
    "heading",
    "legend",
    "help",
    "note",
    "caption",
    "message",
    "text",
    "group_heading",
    "value_heading",
}


def _has_text(value: str) -> bool:
    for ignored in IGNORED_TEXT:
        value = value.replace(ignored, "")
    return bool(LETTER.search(value))


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _env() -> Environment:
    # The app's template extensions ({% trans %}, {% cache %}); babel.cfg names them too.
    return Environment(  # noqa: S701  (parsed, never rendered)
        extensions=["jinja2.ext.i18n", "flask_caching.jinja2ext.CacheExtension"]
    )


# -- templates ------------------------------------------------------------------------------


def _skeleton(env: Environment, source: str) -> str:
    """The template's HTML with every Jinja construct taken out: a ``{{ }}`` becomes ``§``,
    a tag nothing, and a ``{% trans %}`` block (already marked) nothing."""
    parts, depth, in_trans, after_block_begin = [], 0, False, False
    for _line, kind, value in env.lex(source):
        if kind == "whitespace":
            continue
        if kind == "block_begin":
            after_block_begin = True
            continue
        if after_block_begin and kind == "name":
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        after_block_begin = False
        if kind == "variable_begin":
            depth += 1
            if not in_trans:
                parts.append("§")
        elif kind == "variable_end":
            depth -= 1
        elif kind == "data" and not in_trans:
            parts.append(value)
    return "".join(parts)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.verbatim = 0

    def handle_starttag(self, tag, attrs):
        if tag in VERBATIM:
            self.verbatim += 1
        for name, value in attrs:
            if name in TEXT_ATTRIBUTES and value and _has_text(value):
                self.found.append(f'{tag} {name}="{value}"')

    def handle_endtag(self, tag):
        if tag in VERBATIM and self.verbatim:
            self.verbatim -= 1

    def handle_data(self, data):
        if not self.verbatim and _has_text(data):
            self.found.append(data.strip())


def _macro_parameters(env: Environment) -> dict[str, list[str]]:
    """Every macro of the templates, by name: its parameters' names."""
    found = {}
    for path in TEMPLATES.rglob("*.html"):
        for macro in env.parse(path.read_text()).find_all(nodes.Macro):
            found[macro.name] = [arg.name for arg in macro.args]
    return found


# Filters whose argument is a key they word in the current language (a field name).
KEY_FILTERS = frozenset({"field_label"})


def _printed_literals(node: nodes.Node) -> list[str]:
    """The literal strings an output expression prints (through conditions, ``~`` and
    filters), leaving gettext calls alone."""
    if isinstance(node, nodes.Const):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, nodes.CondExpr):
        return _printed_literals(node.expr1) + (_printed_literals(node.expr2) if node.expr2 else [])
    if isinstance(node, nodes.Concat):
        return [text for child in node.nodes for text in _printed_literals(child)]
    if isinstance(node, nodes.Filter) and node.node is not None:
        # A filter that looks a key up in translated labels prints no literal of its own.
        return [] if node.name in KEY_FILTERS else _printed_literals(node.node)
    return []


def _looks_like_text(value: str) -> bool:
    """A literal that reads as words ("Job pages", "Search"), not a key ("chart-orders")."""
    return _has_text(value) and (" " in value.strip() or value.strip()[:1].isupper())


def _unmarked_literals(env: Environment, source: str, macros: dict[str, list[str]]) -> list[str]:
    tree = env.parse(source)
    found = []
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            found += [f"{{{{ {text!r} }}}}" for text in _printed_literals(child) if _has_text(text)]
    for call in tree.find_all(nodes.Call):
        name = call.node.name if isinstance(call.node, nodes.Name) else None
        if name not in macros:
            continue
        named = list(zip(macros[name], call.args, strict=False))
        named += [(kw.key, kw.value) for kw in call.kwargs]
        for parameter, value in named:
            if not isinstance(value, nodes.Const) or not isinstance(value.value, str):
                continue
            if (parameter in TEXT_PARAMETERS and _has_text(value.value)) or _looks_like_text(
                value.value
            ):
                found.append(f"{name}({parameter}={value.value!r})")
    for macro in tree.find_all(nodes.Macro):
        names = [arg.name for arg in macro.args][-len(macro.defaults) :] if macro.defaults else []
        for parameter, default in zip(names, macro.defaults, strict=True):
            if (
                parameter in TEXT_PARAMETERS
                and isinstance(default, nodes.Const)
                and isinstance(default.value, str)
                and _has_text(default.value)
            ):
                found.append(f"macro {macro.name}({parameter}={default.value!r})")
    for assign in tree.find_all(nodes.Assign):
        value = assign.node.value if isinstance(assign.node, nodes.Const) else None
        if isinstance(value, str) and _looks_like_text(value):
            found.append(f"set {value!r}")
    return found


@pytest.fixture(scope="module")
def macros():
    return _macro_parameters(_env())


@pytest.mark.parametrize(
    "template", sorted(_relative(p) for p in TEMPLATES.rglob("*.html")), ids=str
)
def test_template_text_is_marked_for_translation(template, macros):
    env = _env()
    source = (ROOT / template).read_text()
    finder = _TextFinder()
    finder.feed(_skeleton(env, source))
    finder.close()
    unmarked = finder.found + _unmarked_literals(env, source, macros)
    assert not unmarked, f"{template}: text not marked for translation: {unmarked}"


def test_the_template_check_finds_unmarked_text(macros):
    """The check above can fail: each kind of unmarked text is caught, marked text is not."""
    env = _env()
    source = """{% from "macros/lists.html" import pagination %}
      <h1>Customers</h1><input placeholder="Find one">{{ "never" if x else _("ok") }}
      {{ pagination(page, label='Job pages') }}<p>{{ _("Fine") }}
      {% trans %}Also fine{% endtrans %}</p>
      <code>flask run</code><a title="{{ _('Marked') }}">Backoffice</a>"""
    finder = _TextFinder()
    finder.feed(_skeleton(env, source))
    found = finder.found + _unmarked_literals(env, source, macros)
    assert found == [
        "Customers",
        'input placeholder="Find one"',
        "{{ 'never' }}",
        "pagination(label='Job pages')",
    ]


# -- Python ---------------------------------------------------------------------------------

VALIDATORS = {
    "DataRequired",
    "InputRequired",
    "Optional",
    "Length",
    "Email",
    "EqualTo",
    "Regexp",
    "NumberRange",
    "AnyOf",
    "NoneOf",
    "URL",
}


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _is_literal(node: ast.AST | None) -> bool:
    """A string literal, an f-string, or a literal joined to something."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and _has_text(node.value)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_literal(node.left) or _is_literal(node.right)
    return False


def _unmarked_python(source: str) -> list[str]:
    """The literal messages of ``source``; form fields only where WTForms is imported (the
    API's ``Field`` specs are English, as the API is)."""
    found = []
    forms = "wtforms" in source
    for call in ast.walk(ast.parse(source)):
        if not isinstance(call, ast.Call):
            continue
        name = _callee(call)
        keywords = {kw.arg: kw.value for kw in call.keywords}
        first = call.args[0] if call.args else None
        checked = []
        if name == "flash":
            checked = [first]
        elif name in ("ValidationError", "StopValidation"):
            checked = [first, keywords.get("message")]
        elif forms and name.endswith("Field") and name[:1].isupper():
            checked = [first, keywords.get("label"), keywords.get("description")]
        elif name in VALIDATORS:
            checked = [keywords.get("message")]
        elif name == "append" and getattr(call.func, "value", None) is not None:
            owner = call.func.value  # form.form_errors.append("…")
            if isinstance(owner, ast.Attribute) and owner.attr == "form_errors":
                checked = [first]
        for node in checked:
            if _is_literal(node):
                found.append(f"line {node.lineno}: {name}({ast.unparse(node)[:60]})")
    return sorted(found, key=lambda text: int(text.split(":")[0].split()[1]))


@pytest.mark.parametrize(
    "module", sorted(_relative(p) for p in (ROOT / "backoffice").rglob("*.py")), ids=str
)
def test_python_messages_are_marked_for_translation(module):
    unmarked = _unmarked_python((ROOT / module).read_text())
    assert not unmarked, f"{module}: messages not marked for translation: {unmarked}"


def test_the_python_check_finds_unmarked_messages():
    source = """from wtforms import StringField
flash("Saved.")
flash(_("Saved."))
name = StringField("Name", validators=[Length(max=3, message="Too long")])
ok = StringField(_l("Name"), description=_l("Help"))
raise ValidationError(f"Bad {value}")
form.form_errors.append("Wrong")
"""
    found = _unmarked_python(source)
    assert [line.split(":")[0] for line in found] == [
        "line 2",
        "line 4",
        "line 4",
        "line 6",
        "line 7",
    ]


# -- catalogs -------------------------------------------------------------------------------


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages the sources hold today, extracted exactly as ``make messages`` does."""
    out = tmp_path_factory.mktemp("catalog") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(TRANSLATIONS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "-k",
            "lazy_pgettext:1c,2",
            "--omit-header",
            "-o",
            str(out),
            str(ROOT),
        ]
    )
    return _read(out)


def test_the_pot_file_is_current(extracted):
    committed = _ids(_read(POT))
    current = _ids(extracted)
    assert not current - committed, f"run `make messages`: new messages {current - committed}"
    assert not committed - current, f"run `make messages`: gone messages {committed - current}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_holds_every_message(language, extracted):
    catalog = _read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    missing = _ids(extracted) - _ids(catalog)
    assert not missing, f"{language}: run `make messages`; missing {sorted(map(str, missing))}"


def test_every_turkish_entry_is_translated():
    catalog = _read(TRANSLATIONS / "tr" / "LC_MESSAGES" / "messages.po")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    for message, errors in catalog.check():
        problems += [f"{message.id!r}: {error}" for error in errors]
    assert not problems, "tr catalog: " + "; ".join(problems)
