"""Whose claim a quoted news sentence reports, and which wire service a syndicated copy is from."""

from __future__ import annotations

import pytest

import assistant.language.quote_notes as quote_notes
from assistant.language.attribution import Attribution, attribution_of, wire_origin
from assistant.language.quote_notes import claim_of, note_citation
from assistant.language.relative_dates import KINDS
from assistant.records import Citation
from index.records import ArticleMeta

META = ArticleMeta("a", "Talks", None, None, (), "2024-11-26", None)

pytestmark = pytest.mark.unit

LAVROV = "Foreign Minister Sergei Lavrov met Blinken. "

# (sentence, before, expected speaker or None, expected cue)
CLAIMS = [
    (
        "According to Meduza, Vladimir Putin has set a strategic objective to take Donbas.",
        "",
        "Meduza",
        "According to",
    ),
    ("“We will not surrender,” Zelensky said.", "", "Zelensky", "said"),
    ('"We will not surrender," Zelensky said.', "", "Zelensky", "said"),
    ("The governor said the state would appeal.", "", "The governor", "said"),
    ("Officials told CNN the plan was dropped.", "", "Officials", "told"),
    ("He said the talks failed.", LAVROV, "Foreign Minister Sergei Lavrov", "said"),
    ("The state will appeal, said Gov. Kathy Hochul.", "", "Gov. Kathy Hochul", "said"),
    ("The state will appeal, said Governor Kathy Hochul.", "", "Governor Kathy Hochul", "said"),
    ("No civilians were hit, the ministry said in a statement.", "", "the ministry", "said"),
    (
        "US intelligence officials said an attack was imminent.",
        "",
        "US intelligence officials",
        "said",
    ),
    (
        "Ukrainian President Volodymyr Zelensky told reporters that the front held.",
        "",
        "Ukrainian President Volodymyr Zelensky",
        "told",
    ),
    (
        "The company's spokesperson said that the product was safe.",
        "",
        "The company's spokesperson",
        "said",
    ),
    (
        "Secretary of State Antony Blinken warned that Russia could invade.",
        "",
        "Secretary of State Antony Blinken",
        "warned",
    ),
    (
        "The Ministry of the Interior said 12 people died.",
        "",
        "The Ministry of the Interior",
        "said",
    ),
    (
        "Kremlin spokesman Dmitry Peskov denied the report.",
        "",
        "Kremlin spokesman Dmitry Peskov",
        "denied",
    ),
    ("Kathy Hochul, a Democrat, said the state would appeal.", "", "Kathy Hochul", "said"),
    ("Zelensky, who met Biden on Monday, said the talks were useful.", "", "Zelensky", "said"),
    (
        "Two officials who spoke on condition of anonymity said it was dropped.",
        "",
        "Two officials",
        "said",
    ),
    ("“We will win,” said Zelensky, who visited the front.", "", "Zelensky", "said"),
    ("Zelensky also said the war would end.", "", "Zelensky", "said"),
    ("Fighting went on in Kyiv, officials said.", "", "officials", "said"),
    (
        "The plan was dropped, according to two officials familiar with the matter.",
        "",
        "two officials familiar with the matter",
        "according to",
    ),
    # "according to" wins over a reporting verb
    ("The Kremlin said, according to TASS, that talks would resume.", "", "TASS", "according to"),
    # a quote inside the sentence is the claim, not its attribution
    (
        "“I said no,” she told reporters.",
        "Angela Merkel said she was tired. ",
        "Angela Merkel",
        "told",
    ),
    (
        "They said the strike missed.",
        "The Kremlin said Russia would respond. ",
        "The Kremlin",
        "said",
    ),
]

NOT_CLAIMS = [
    ("February 16 was designated by US intelligence as the day of Russia’s potential attack", ""),
    ("He said the talks failed.", ""),  # nobody to resolve "he" to
    ("It said the strike hit a depot.", "The ministry issued a statement. "),  # no name there
    ("Prices rose 3% in May.", ""),
    ("The said agreement was signed in 1994.", ""),
    ("The attack was reported on Monday.", ""),
    ("Apple's reported earnings beat forecasts.", ""),
    ("An estimated 3 million people fled the city.", ""),
    ("“Zelensky said it,” the caption reads.", ""),  # the cue is inside the quote
    (  # the reporting verb is in a clause saying when; the sentence states the attack itself
        "Several areas came under attack on Thursday after Russian President Vladimir Putin "
        "declared the start of a military operation.",
        "",
    ),
    ("The talks ended before he said a word.", LAVROV),
    (  # a count is not a speaker
        "They said the measure would raise costs for families.",
        "Of the 40 senators polled, 12 said they would vote against the bill. ",
    ),
]


@pytest.mark.parametrize(("sentence", "before", "speaker", "cue"), CLAIMS)
def test_speaker_and_cue(sentence: str, before: str, speaker: str, cue: str) -> None:
    claim = attribution_of(sentence, before)
    assert claim is not None
    assert (claim.speaker, claim.cue) == (speaker, cue)


@pytest.mark.parametrize(("sentence", "before"), NOT_CLAIMS)
def test_own_voice_is_not_attributed(sentence: str, before: str) -> None:
    assert attribution_of(sentence, before) is None


@pytest.mark.parametrize(
    "sentence",
    [s for s, before, _, _ in CLAIMS if not before],
)
def test_offsets_locate_the_speaker(sentence: str) -> None:
    claim = attribution_of(sentence)
    assert claim is not None
    assert sentence[claim.start : claim.end] == claim.speaker


def test_resolved_pronoun_keeps_the_pronoun_offsets() -> None:
    claim = attribution_of("Later he said the talks failed.", LAVROV)
    assert claim == Attribution("Foreign Minister Sergei Lavrov", "said", 6, 8)


def test_latest_speaker_in_before_wins() -> None:
    before = "Zelensky said the front held. Kremlin spokesman Dmitry Peskov denied it. "
    claim = attribution_of("He said talks were over.", before)
    assert claim is not None and claim.speaker == "Kremlin spokesman Dmitry Peskov"


def test_to_dict() -> None:
    claim = attribution_of("Officials told CNN the plan was dropped.")
    assert claim is not None
    assert claim.to_dict() == {"speaker": "Officials", "cue": "told", "start": 0, "end": 9}


@pytest.mark.parametrize(
    ("text", "authors", "wire"),
    [
        ("KYIV, Ukraine (AP) — Russian forces shelled the city overnight.", (), "AP"),
        ("WASHINGTON (Reuters) - The Senate passed the bill on Monday.", (), "Reuters"),
        ("(Reuters) - Oil prices rose.", (), "Reuters"),
        ("LONDON (AFP) - Britain's economy shrank.", (), "AFP"),
        ("Headline\nBERLIN (dpa) - Die Regierung hat entschieden.", (), "dpa"),
        ("The city council voted.", ["The Associated Press"], "AP"),
        ("The city council voted.", ["Jane Doe", "Reuters"], "Reuters"),
        ("The city council voted.", ["Jane Doe, Bloomberg"], "Bloomberg"),
        ("By JANE DOE, Associated Press\nThe city council voted.", (), "AP"),
        (
            "The council voted.\n\nAssociated Press writer John Roe contributed to this report.",
            (),
            "AP",
        ),
        (
            "The council voted.\n\nCopyright 2024 The Associated Press. All rights reserved.",
            (),
            "AP",
        ),
        ("Agence France-Presse writers in Paris contributed reporting.", (), "AFP"),
    ],
)
def test_wire_origin(text: str, authors: list[str], wire: str) -> None:
    assert wire_origin(text, authors) == wire


@pytest.mark.parametrize(
    ("text", "authors"),
    [
        ("The deal is off, Reuters reported on Monday, citing two sources.", ()),
        ("By Monday, Reuters reported that the deal was off.", ()),
        ("An AP photo showed the damage. The council voted.", ["Jane Doe"]),
        ("The city council voted on Tuesday to raise taxes.", ["Jane Doe"]),
        ("", ()),
    ],
)
def test_mentions_are_not_credits(text: str, authors: list[str]) -> None:
    assert wire_origin(text, authors) is None


def _lavrov() -> tuple[Citation, str]:
    text = (
        "Foreign minister Sergei Lavrov said talks were off. He said on Monday that the talks "
        "had failed, more than last week."
    )
    start = text.index("He said")
    return Citation(
        1,
        "a:0-9:x",
        "a",
        "Talks",
        None,
        "2024-11-26",
        None,
        0,
        len(text),
        text[start:],
        start,
        len(text),
    ), text


def test_notes_go_beside_the_quote_never_into_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every kind on, the notes name the quote's words and say how they were inferred; the
    quote is never changed."""
    monkeypatch.setattr(quote_notes, "DATE_KINDS", frozenset(KINDS))
    monkeypatch.setattr(quote_notes, "SPEAKER_NOTES", True)
    cited, text = _lavrov()
    noted = note_citation(cited, text, META)
    assert noted.quote == cited.quote
    notes = {(n.kind, n.phrase, n.means) for n in noted.notes}
    assert ("date", "on Monday", "25 Nov 2024") in notes
    assert ("speaker", "He", "Foreign minister Sergei Lavrov") in notes
    assert ("date", "last week", "week of 18 Nov 2024") in notes
    assert all(n.why for n in noted.notes)


def test_only_the_kinds_measured_precise_enough_are_noted() -> None:
    """By default (docs/BENCHMARKS.md, "Notes beside quotes"): periods are noted; weekdays
    and a pronoun's speaker are not, and an unshown speaker is no claim either."""
    cited, text = _lavrov()
    noted = note_citation(cited, text, META)
    assert [(n.phrase, n.means) for n in noted.notes] == [("last week", "week of 18 Nov 2024")]
    assert [m.kind for m in noted.dates] == ["period"]
    assert noted.claim_by is None


def test_a_claim_is_named_with_its_possessive() -> None:
    assert claim_of("Vladimir Putin") == "Vladimir Putin’s claim"
    assert claim_of("local officials") == "local officials’ claim"
