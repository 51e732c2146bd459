"""Helpers for the tests that walk every route."""


def url_for_rule(rule, ids: dict[str, int]) -> str:
    """A concrete URL for a rule: ids for its int arguments, a real file for static paths."""
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", str(ids.get(name, 1)))
        path = path.replace(f"<path:{name}>", "css/app.css")
    return path
