"""partykg.model.anchor: a quote becomes the one span it occupies in the text;
prefix and suffix make a repeated quote unique; a miss says where it differs."""

from __future__ import annotations

import pytest

from partykg.model.anchor import CONTEXT, AnchorError, Span, anchor, explain_miss, find_all, line_of

TEXT = ("The party leads.\n"
        "The masses move; the party follows.\n"
        "Then the party leads again, and the masses follow.\n")


def test_exact_quote_that_occurs_once():
    span = anchor(TEXT, "the party follows")
    assert span == Span(34, 51)
    assert span.exact(TEXT) == "the party follows"


def test_prefix_makes_a_repeated_quote_unique():
    span = anchor(TEXT, "party leads", prefix="Then the ")
    assert span == Span(TEXT.index("party leads again"), TEXT.index("party leads again") + 11)


def test_suffix_makes_a_repeated_quote_unique():
    span = anchor(TEXT, "the masses", suffix=" follow")
    assert span.start == TEXT.rindex("the masses") and span.exact(TEXT) == "the masses"


def test_prefix_and_suffix_together():
    span = anchor(TEXT, "party", prefix="Then the ", suffix=" leads")
    assert span.start == TEXT.index("Then the party") + len("Then the ")


def test_ambiguous_quote_lists_the_lines():
    with pytest.raises(AnchorError) as exc:
        anchor(TEXT, "party leads")
    assert exc.value.message == "the quote occurs 2 times in the text (lines 1, 3)"
    assert exc.value.hint.startswith("add a `prefix:` (the words just before)")


def test_prefix_that_does_not_touch_the_quote():
    with pytest.raises(AnchorError) as exc:
        anchor(TEXT, "party leads", prefix="Then the")  # the space is missing
    assert exc.value.message == ("the quote is in the text (line 1, 3) but not with this "
                                 "prefix/suffix")


def test_quote_not_found_says_where_it_stops_matching():
    with pytest.raises(AnchorError) as exc:
        anchor(TEXT, "The masses move; the party leads.")
    assert exc.value.message == "the quote is not in the text"
    assert exc.value.hint == ('the quote matches the text up to "…e masses move; the party " '
                              '(text line 2); then the text has "follows.\nThen the party l" '
                              'where the quote has "leads."; copy the passage exactly')


def test_miss_at_the_beginning_points_to_the_end():
    assert explain_miss(TEXT, "Die masses follow.") == (
        'the end of the quote "e masses follow.…" is at text line 3, but its beginning '
        "differs from the text; copy the passage exactly")


def test_miss_with_nothing_in_common():
    assert explain_miss(TEXT, "Spontaneity!") == (
        "no part of the quote was found; check that it is from this source's text")


def test_empty_quote():
    with pytest.raises(AnchorError, match="the quote is empty"):
        anchor(TEXT, "")


def test_context_around_a_span_is_cut_at_the_text_edges():
    span = anchor(TEXT, "The party")
    assert span.prefix(TEXT) == ""
    assert span.suffix(TEXT) == TEXT[9:9 + CONTEXT] and len(span.suffix(TEXT)) == CONTEXT == 32
    last = anchor(TEXT, "follow.")
    assert last.suffix(TEXT) == "\n" and last.prefix(TEXT) == TEXT[last.start - 32:last.start]


def test_find_all_counts_overlapping_hits_and_line_of():
    assert find_all("aaaa", "aa") == [0, 1, 2]
    assert find_all(TEXT, "party") == [4, 38, 62]
    assert [line_of(TEXT, i) for i in (0, 16, 17, len(TEXT))] == [1, 1, 2, 4]
