"""Relative dates in quoted sentences resolved against the publication day (display only)."""

from __future__ import annotations

import pytest

from assistant.language.relative_dates import DateMention, annotate, resolve_dates

pytestmark = pytest.mark.unit

PUB = "2024-11-27"  # a Wednesday


def only(text: str, published_at: str = PUB) -> DateMention:
    mentions = resolve_dates(text, published_at)
    assert len(mentions) == 1, mentions
    return mentions[0]


@pytest.mark.parametrize(
    ("text", "phrase", "date", "label"),
    [
        ("It happened today.", "today", "2024-11-27", "27 Nov 2024"),
        ("Protests are planned tonight", "tonight", "2024-11-27", "27 Nov 2024"),
        ("Sirens sounded This Morning in Kyiv", "This Morning", "2024-11-27", "27 Nov 2024"),
        ("The vote was held yesterday.", "yesterday", "2024-11-26", "26 Nov 2024"),
        ("After YESTERDAY's vote", "YESTERDAY's", "2024-11-26", "26 Nov 2024"),
        ("Explosions were heard last night", "last night", "2024-11-26", "26 Nov 2024"),
        ("The court rules tomorrow", "tomorrow", "2024-11-28", "28 Nov 2024"),
        (
            "It began the day before yesterday",
            "the day before yesterday",
            "2024-11-25",
            "25 Nov 2024",
        ),
        ("Russia attacked on Monday", "on Monday", "2024-11-25", "25 Nov 2024"),
        ("Monday's strike killed two", "Monday's", "2024-11-25", "25 Nov 2024"),
        ("Sunday night the power failed", "Sunday", "2024-11-24", "24 Nov 2024"),
        ("Talks ended on Thursday", "on Thursday", "2024-11-21", "21 Nov 2024"),
        ("It was announced on Wednesday", "on Wednesday", "2024-11-27", "27 Nov 2024"),
        ("He resigned last Monday", "last Monday", "2024-11-25", "25 Nov 2024"),
        ("He resigned last Wednesday", "last Wednesday", "2024-11-20", "20 Nov 2024"),
        ("They meet next Monday", "next Monday", "2024-12-02", "2 Dec 2024"),
        ("They meet next Friday", "next Friday", "2024-11-29", "29 Nov 2024"),
        ("this Monday the plan failed", "this Monday", "2024-11-25", "25 Nov 2024"),
        ("The results come this Friday", "this Friday", "2024-11-29", "29 Nov 2024"),
        ("Prices rose last week", "last week", "2024-11-18/2024-11-24", "week of 18 Nov 2024"),
        (
            "It closed earlier this week",
            "earlier this week",
            "2024-11-25/2024-12-01",
            "week of 25 Nov 2024",
        ),
        ("Next week's summit", "Next week's", "2024-12-02/2024-12-08", "week of 2 Dec 2024"),
        ("Sales fell last month", "last month", "2024-10", "October 2024"),
        ("Sales fell this month", "this month", "2024-11", "November 2024"),
        ("Sales may fall next month", "next month", "2024-12", "December 2024"),
        ("Sales fell last year", "last year", "2023", "2023"),
        ("Sales fell this year", "this year", "2024", "2024"),
        ("Elections are due next year", "next year", "2025", "2025"),
        ("It opened three days ago", "three days ago", "2024-11-24", "24 Nov 2024"),
        ("It opened 10 days ago", "10 days ago", "2024-11-17", "17 Nov 2024"),
        ("It opened a week ago", "a week ago", "2024-11-20", "20 Nov 2024"),
        ("It opened two weeks ago", "two weeks ago", "2024-11-13", "13 Nov 2024"),
        ("Signed November 21 in Paris", "November 21", "2024-11-21", "21 Nov 2024"),
        ("Signed Nov. 21 in Paris", "Nov. 21", "2024-11-21", "21 Nov 2024"),
        ("Signed on Nov 21st in Paris", "Nov 21st", "2024-11-21", "21 Nov 2024"),
        ("Signed 21 November in Paris", "21 November", "2024-11-21", "21 Nov 2024"),
        ("Signed on the 5th of December", "5th of December", "2024-12-05", "5 Dec 2024"),
    ],
)
def test_each_phrase_kind(text: str, phrase: str, date: str, label: str) -> None:
    mention = only(text)
    assert (mention.phrase, mention.date, mention.label) == (phrase, date, label)
    assert text[mention.start : mention.end] == phrase


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Leaders will meet on Friday.", "2024-11-29"),
        ("The vote is expected to take place on Wednesday.", "2024-11-27"),
        ("She'll speak on Monday.", "2024-12-02"),
        ("The talks are scheduled for Sunday.", "2024-12-01"),
        ("He spoke on Monday. Talks will resume later.", "2024-11-25"),
        ("He will speak at the U.N. on Monday.", "2024-12-02"),
        ("Talks are scheduled Monday and will be hard.", "2024-12-02"),
        ("Biden said Friday that Florida will take years to rebuild.", "2024-11-22"),
        ("Officials announced on Monday that the bridge will reopen.", "2024-11-25"),
    ],
)
def test_the_future_looks_ahead_unless_a_past_verb_comes_first(text: str, date: str) -> None:
    assert only(text).date == date


@pytest.mark.parametrize(
    ("published_at", "text", "date"),
    [
        ("2025-01-03", "Fighting resumed December 30", "2024-12-30"),
        ("2024-12-30", "The law takes effect January 2", "2025-01-02"),
        ("2024-06-01", "The vote on May 5 was close", "2024-05-05"),
        ("2025-03-01", "Filed February 29", "2024-02-29"),
    ],
)
def test_month_day_takes_the_nearest_year(published_at: str, text: str, date: str) -> None:
    assert only(text, published_at).date == date


def test_periods_cross_the_new_year() -> None:
    text = "last week, last month and last year"
    dates = [m.date for m in resolve_dates(text, "2025-01-03")]
    assert dates == ["2024-12-23/2024-12-29", "2024-12", "2024"]


@pytest.mark.parametrize(
    "text",
    [
        "Prices may rise in May",
        "Officials may 5 times have tried",
        "troops march 5 miles a day",
        "Signed November 21, 2024 in Paris",
        "Signed 21 November 2024 in Paris",
        "Signed Nov. 21 2024 in Paris",
        "Signed 21 Nov. 2024 in Paris",
        "Results of October 2024 and May 2023",
        "Markets are closed on Mondays",
        "A holiday for todays and nextweek",
        "Signed February 30",
    ],
)
def test_verbs_absolute_dates_and_word_parts_are_left_alone(text: str) -> None:
    assert resolve_dates(text, PUB) == []


def test_a_weekday_with_its_written_date_is_not_guessed() -> None:
    assert resolve_dates("Monday, November 25, 2024, was cold", PUB) == []
    assert [m.phrase for m in resolve_dates("Thursday, Nov. 21, was cold", PUB)] == ["Nov. 21"]


@pytest.mark.parametrize("published_at", [None, "", "unknown", "2024-13-40", "27/11/2024"])
def test_no_usable_publication_date(published_at: str | None) -> None:
    assert resolve_dates("It happened yesterday", published_at) == []


@pytest.mark.parametrize("published_at", ["2024-11-27T23:15:00+00:00", "2024-11-27 08:00:00"])
def test_full_timestamp_uses_its_date_part(published_at: str) -> None:
    assert only("It happened yesterday", published_at).date == "2024-11-26"


def test_offsets_order_and_no_overlaps() -> None:
    text = "Last week's talks failed the day before yesterday; on Monday, talks resumed."
    mentions = resolve_dates(text, PUB)
    assert [m.phrase for m in mentions] == [
        "Last week's",
        "the day before yesterday",
        "on Monday",
    ]
    assert all(text[m.start : m.end] == m.phrase for m in mentions)


def test_annotate_inserts_labels_and_keeps_the_text() -> None:
    text = "Russia attacked on Monday and again yesterday, more than last week."
    shown = annotate(text, resolve_dates(text, PUB))
    assert shown == (
        "Russia attacked on Monday [25 Nov 2024] and again yesterday [26 Nov 2024],"
        " more than last week [week of 18 Nov 2024]."
    )
    assert annotate(text, []) == text


def test_a_day_that_names_an_event_says_nothing_of_its_year() -> None:
    for text in (
        "A year after Jan. 6, the country is divided.",
        "The Jan. 6 committee met.",
        "Rioters who joined the Jan. 6 attack were sentenced.",
        "The first anniversary of Jan. 6 was marked with a vigil.",
    ):
        assert not [m for m in resolve_dates(text, "2022-01-06") if m.kind == "month_day"], text


def test_to_dict() -> None:
    assert only("on Monday").to_dict() == {
        "start": 0,
        "end": 9,
        "phrase": "on Monday",
        "date": "2024-11-25",
        "label": "25 Nov 2024",
        "kind": "weekday",
    }


def test_a_real_looking_report() -> None:
    text = (
        "On November 21, Moscow launched a new ballistic weapon. "
        "Russia attacked on Monday, officials said. "
        "Ministers will meet on Friday to discuss the response."
    )
    mentions = resolve_dates(text, PUB)
    assert [(m.phrase, m.date) for m in mentions] == [
        ("November 21", "2024-11-21"),
        ("on Monday", "2024-11-25"),
        ("on Friday", "2024-11-29"),
    ]
    assert annotate(text, mentions).startswith("On November 21 [21 Nov 2024], Moscow")


def test_a_name_with_today_in_it_is_not_a_day() -> None:
    assert [m.phrase for m in resolve_dates("She told USA TODAY on Monday.", "2024-11-27")] == [
        "on Monday"
    ]
    assert resolve_dates("He spoke to USA Today about it.", "2024-11-27") == []
