from search.backends.database import PostgresBackend, SqliteBackend
from search.query import MAX_QUERY_CHARS, MAX_TERMS, marked_html, parse_text
from search.sources import plain_text


def test_words_phrases_and_exclusions():
    parsed = parse_text('Offline "Wi-Fi maps" -car wi-fi NEAR(x) AND')
    assert parsed.terms == (("offline",), ("wi", "fi", "maps"), ("wi", "fi"), ("near", "x"), ("and",))
    assert parsed.excluded == ("car",)


def test_only_word_characters_survive():
    parsed = parse_text("\" * : ( ) ^ & | ! <-> ' ; -- \x00\x02")
    assert not parsed and parsed.terms == () and parsed.excluded == ()


def test_long_queries_are_cut_at_a_word_boundary():
    parsed = parse_text("maps " * 2000)
    assert parsed.truncated and parsed.terms == (("maps",),)
    one_long_word = parse_text("x" * 10_000)
    assert one_long_word.truncated and one_long_word.terms == (("x" * MAX_QUERY_CHARS,),)


def test_number_of_terms_is_capped():
    assert len(parse_text(" ".join(f"w{n}" for n in range(50))).terms) == MAX_TERMS


def test_fts5_match_strings_quote_every_word():
    parsed = parse_text('maps AND "wi fi" -car NEAR')
    assert (
        SqliteBackend.match_expression(parsed, "all") == '("maps" AND "and" AND "wi fi" AND "near") NOT "car"'
    )
    assert (
        SqliteBackend.match_expression(parse_text("offline ma"), "any", prefix=True) == '"offline" OR "ma"*'
    )


def test_tsquery_is_built_from_words_only():
    assert (
        PostgresBackend.raw_tsquery(parse_text('maps "wi fi" -car'), "all") == "(maps & (wi <-> fi)) & !car"
    )
    assert PostgresBackend.raw_tsquery(parse_text("offline ma"), "any", prefix=True) == "offline | ma:*"


def test_marked_html_escapes_member_text_and_keeps_only_our_marks():
    assert (
        marked_html("<b>\x02maps\x03</b> & \x02more")
        == "&lt;b&gt;<mark>maps</mark>&lt;/b&gt; &amp; <mark>more</mark>"
    )
    assert marked_html("stray \x03 end") == "stray  end"


def test_plain_text_separates_blocks():
    assert plain_text("<p>one &amp; <em>two</em>.</p><p>three</p>") == "one & two. three"
