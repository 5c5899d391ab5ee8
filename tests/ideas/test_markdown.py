from ideas.markdown import render_markdown


def test_formatting_survives():
    html = render_markdown("**bold** and *em*\n\n- one\n- two\n\n[link](https://example.com)")
    assert "<strong>bold</strong>" in html
    assert "<li>one</li>" in html
    assert 'href="https://example.com"' in html
    assert 'rel="nofollow ugc noopener noreferrer"' in html


def test_raw_html_and_script_are_inert():
    html = render_markdown('<script>alert(1)</script><img src=x onerror="alert(2)">')
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text, not run


def test_javascript_links_are_dropped():
    html = render_markdown("[click](javascript:alert(1)) ![x](javascript:alert(2)) <javascript:alert(3)>")
    assert "<a" not in html and "<img" not in html  # left as plain text


def test_event_handler_attributes_never_pass():
    html = render_markdown('<a href="https://x.test" onclick="steal()">x</a>')
    assert "<a " not in html  # no element carries the handler
    assert html.startswith("<p>&lt;a ")  # the member's text is shown, escaped
