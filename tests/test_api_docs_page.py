"""The API reference page: Markdown descriptions (HTML escaped), schema links, contents,
method badges, and a link in the navigation for admins."""

import re

from backoffice.api.docpage import anchor, markdown, markdown_inline, schema_refs


def test_descriptions_are_markdown_with_raw_html_escaped():
    assert markdown("Use `Token <key>`, *then* **retry**.") == (
        "<p>Use <code>Token &lt;key&gt;</code>, <em>then</em> <strong>retry</strong>.</p>\n"
    )
    assert markdown_inline("<script>alert(1)</script> and [a](javascript:alert(1))") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; and [a](javascript:alert(1))"
    )
    assert markdown(None) == ""


def test_schema_references_are_found_wherever_they_are_nested():
    schema = {
        "type": "object",
        "properties": {
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Customer"}},
            "again": {"$ref": "#/components/schemas/Customer"},
            "other": {"oneOf": [{"$ref": "#/components/schemas/Error"}]},
        },
    }
    assert schema_refs(schema) == ["Customer", "Error"]
    assert anchor("/api/v1/customers/{pk}/") == "api-v1-customers-pk"


def test_the_page_has_contents_badges_and_linked_schemas(agent_client):
    html = agent_client.get("/api/v1/docs/").get_data(as_text=True)
    toc = html.split('class="card toc"')[1].split("</nav>")[0]
    assert '<a href="#path-api-v1-customers-pk"><code>/api/v1/customers/{pk}/</code></a>' in toc
    assert '<a href="#schema-customerinput">CustomerInput</a>' in toc
    assert 'id="path-api-v1-customers-pk"' in html and 'id="schema-customer"' in html
    assert '<span class="method method-patch">PATCH</span>' in html
    # A list's page of results links to the schema of its items; a body to its input schema.
    customers = html.split('id="path-api-v1-customers"')[1].split("</section>")[0]
    assert re.search(r'<dt>200</dt><dd>OK — <a href="#schema-customer">Customer</a>', customers)
    assert 'Body: <a href="#schema-customerinput">CustomerInput</a>' in customers
    # The document's Markdown, rendered: `Authorization: Token <key>` as code, escaped.
    assert "<code>Authorization: Token &lt;key&gt;</code>" in html


def test_admins_find_the_reference_in_the_navigation(agent_client, admin_client):
    nav = lambda client: client.get("/").get_data(as_text=True).split("</nav>")[0]  # noqa: E731
    assert 'href="/api/v1/docs/"' in nav(admin_client)
    assert 'href="/api/v1/docs/"' not in nav(agent_client)
