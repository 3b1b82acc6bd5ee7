"""Whose claim a news sentence reports, and which wire service a syndicated article comes from.

``attribution_of``: "according to Meduza", "the governor said", "“We will fight,” Zelensky said",
"..., said Gov. Kathy Hochul", and "he said" resolved from the preceding text; words inside
quotation marks are the claim, never read for its cue. ``wire_origin`` reads bylines, datelines
and credit lines, never mere mentions ("Reuters reported on Monday").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

MAX_WORDS = 8  # the longest speaker phrase read
_CUES_TEXT = """said says told tells claimed added adds stated announced announces warned warns
reported wrote writes insisted insists argued argues estimated confirmed confirms denied denies
alleged alleges noted explained explains acknowledged admitted admits declared"""
CUES = frozenset(_CUES_TEXT.split())
INVERTIBLE = frozenset("said says added wrote writes stated insisted argued warned noted".split())
DETERMINERS = frozenset("the a an its his her their our this these one two three several".split())
CONNECTORS = frozenset("of for de da del di von van der den bin al la le du".split())
LINKS = frozenset({"of", "for"})  # a determiner after these goes on: "head of the agency"
SOURCE_LINKS = LINKS | {"with", "from", "at", "in", "to"}  # "according to a statement from the ..."
TITLES = frozenset("spokesman spokeswoman spokesperson minister president secretary chief".split())
PRONOUNS = frozenset({"he", "she", "they", "it"})
_SKIP_TEXT = """also has have had later previously recently repeatedly publicly reportedly
then once earlier initially first separately further again already jointly"""
SKIP = frozenset(_SKIP_TEXT.split())
APPOSITIVE_OPENERS = frozenset({"who", "whose", "a", "an"})
_CLAUSE_STOPS_TEXT = """that which who whom whose when where while as but because if though
although after before since until so than on last today yesterday monday tuesday wednesday
thursday friday saturday sunday"""
CLAUSE_STOPS = frozenset(_CLAUSE_STOPS_TEXT.split())
_MORE_STOPS = """what and or nor to in at by with from into about over under during amid despite
against among between through without within via per upon is was were are be been being am do does
did would could might must should not never no i we you me him them however meanwhile still now
instead tonight week month year weekend morning afternoon evening night next january february april
july september october november december"""
STOPS = CLAUSE_STOPS | CUES | PRONOUNS | frozenset(_MORE_STOPS.split())
NOT_NAMES = STOPS | DETERMINERS  # sentence-initial words dropped from a name: "Meanwhile", "The"
INVERSION_MARKS = frozenset({",", "”", '"', "’", "—", "–"})
FOLLOWERS = frozenset("in on at during after when while who whose from last this adding as".split())
# a reporting verb after these is in a clause saying when or why, not the sentence's claim:
# "… came under attack after Putin declared …"
SUBORDINATORS = frozenset("after before since until once because when whenever while".split())

_ABBREV = r"(?:Gov|Sen|Rep|Dr|Mr|Mrs|Ms|Gen|Lt|Col|Prof|Sgt|Capt|Adm|Maj|Amb|St|Jr|Sr|Rev|[A-Z])"
_TOKEN = re.compile(rf"(?:[A-Z]\.){{2,}}|\b{_ABBREV}\.(?=\s|$)|\w+(?:[’'&-]\w+)*|\S")
_QUOTED = re.compile(r"“[^”]*”?|\"[^\"]*\"?|‘[^’]*’")
_ACCORDING = re.compile(r"\b[Aa]ccording\s+to\b")
_CAP = rf"(?:(?:[A-Z]\.){{2,}}|{_ABBREV}\.|[A-ZÀ-ÖØ-Þ][\w’'-]*)"
_NAME = re.compile(rf"\b{_CAP}(?:\s+(?:(?:of|the|de|da|del|di|von|van|der|bin|al)\s+)*{_CAP})+")

_WIRES = {
    "AP": r"(?:The\s+)?Associated\s+Press|AP",
    "Reuters": r"(?:Thomson\s+)?Reuters",
    "AFP": r"AFP|Agence\s+France[-\s]Presse",
    "Bloomberg": r"Bloomberg(?:\s+News)?",
    "dpa": r"dpa|DPA|Deutsche\s+Presse-Agentur",
    "UPI": r"UPI|United\s+Press\s+International",
}
_WIRE = "|".join(f"(?P<{name}>{pattern})" for name, pattern in _WIRES.items())
_AUTHOR = re.compile(rf"\b(?:{_WIRE})\b")
_DATELINE = re.compile(rf"^[^\n()]{{0,80}}?\((?:{_WIRE})\)\s*[-—–:]", re.M)
_BYLINE = re.compile(rf"^\s*By\s+(?:[A-Z][\w.'’-]*[\s,|/]+){{0,4}}(?:{_WIRE})[ \t]*$", re.M)
_CONTRIBUTED = re.compile(
    rf"\b(?:{_WIRE})\s+(?:staff\s+)?(?:writers?|reporters?|correspondents?|journalists?)\b"
    r"[^.\n]{0,200}?\bcontributed"
)
_COPYRIGHT = re.compile(rf"(?:Copyright|©)\s*(?:\d{{4}}\s+)?(?:{_WIRE})\b")
HEAD_CHARS = 600  # where a dateline or byline is looked for


@dataclass(frozen=True)
class Attribution:
    """A reported claim's speaker as written, its cue, and the speaker's offsets in the sentence
    (for a resolved pronoun: the pronoun's offsets; ``speaker`` is then the antecedent)."""

    speaker: str
    cue: str
    start: int
    end: int

    def to_dict(self) -> dict[str, str | int]:
        return {"speaker": self.speaker, "cue": self.cue, "start": self.start, "end": self.end}


class _Tok(NamedTuple):
    text: str
    start: int
    end: int
    low: str  # the text lowercased
    word: bool  # a word or an abbreviation, not punctuation


def attribution_of(sentence: str, before: str = "") -> Attribution | None:
    """Whose claim the sentence reports, or None when it states it in its own voice.
    ``before``: the text preceding the sentence in its article (up to a few sentences), used only
    to resolve a pronoun speaker (he/she/they/it) to the last speaker found there by the same
    rules, else to its last capitalised multi-word name (None rather than a guess)."""
    claim = next((c for c in _claims(sentence) if _named(c.speaker)), None)
    if claim is None or claim.speaker.lower() not in PRONOUNS:
        return claim
    named = _antecedent(before)
    return replace(claim, speaker=named) if named else None


def wire_origin(text: str, authors: Sequence[str] = ()) -> str | None:
    """The wire service ("AP", "Reuters", "AFP", "Bloomberg", "dpa", "UPI") a syndicated article
    comes from, by its authors, its dateline or byline, or a closing credit line; else None."""
    head = text[:HEAD_CHARS]
    match = next(filter(None, map(_AUTHOR.search, authors)), None)
    match = match or _DATELINE.search(head) or _BYLINE.search(head)
    match = match or _CONTRIBUTED.search(text) or _COPYRIGHT.search(text)
    return (
        next((name for name, found in match.groupdict().items() if found), None) if match else None
    )


def _named(speaker: str) -> bool:
    """A speaker is words, never a bare number ("12 said …" counts people, names nobody)."""
    return any(ch.isalpha() for ch in speaker)


def _antecedent(before: str) -> str | None:
    claims = [c for c in _claims(before) if c.speaker.lower() not in PRONOUNS and _named(c.speaker)]
    if claims:
        return max(claims, key=lambda claim: claim.start).speaker
    names = [name for name in map(_clean_name, _NAME.findall(before)) if name]
    return names[-1] if names else None


def _clean_name(run: str) -> str | None:
    words = run.split()
    while words and words[0].lower() in NOT_NAMES:
        words.pop(0)
    return " ".join(words) if len(words) >= 2 else None


def _claims(text: str) -> Iterator[Attribution]:
    """Every attribution in the text: "according to" ones first, then one per reporting verb."""
    masked = _QUOTED.sub(_blank, text)
    toks = [_token(m) for m in _TOKEN.finditer(masked)]
    for match in _ACCORDING.finditer(masked):
        i = next((n for n, t in enumerate(toks) if t.start >= match.end()), len(toks))
        end = _phrase_after(toks, i, CLAUSE_STOPS, SOURCE_LINKS)
        if end > i:
            yield _make(text, toks[i], toks[end - 1], " ".join(match.group().split()))
    for k, tok in enumerate(toks):
        if tok.text in CUES and (claim := _speaker_at(text, toks, k)):
            yield claim


def _token(match: re.Match[str]) -> _Tok:
    text = match.group()
    return _Tok(text, match.start(), match.end(), text.lower(), text[0].isalnum())


def _blank(match: re.Match[str]) -> str:
    quoted = match.group()
    closed = len(quoted) > 1 and quoted[-1] in '”"’'
    return quoted[0] + " " * (len(quoted) - 1 - closed) + (quoted[-1] if closed else "")


def _make(text: str, first: _Tok, last: _Tok, cue: str) -> Attribution:
    return Attribution(text[first.start : last.end], cue, first.start, last.end)


def _speaker_at(text: str, toks: list[_Tok], k: int) -> Attribution | None:
    """The speaker of the reporting verb ``toks[k]``: after it ("..., said Gov. Hochul."), or
    before it, or before a relative clause or an appositive ("Hochul, a Democrat, said")."""
    cue, prev = toks[k].text, k
    while prev > 0 and toks[prev - 1].low in SKIP:
        prev -= 1
    if prev > 0 and toks[prev - 1].low in PRONOUNS:
        subordinate = prev > 1 and toks[prev - 2].low in SUBORDINATORS
        return None if subordinate else _make(text, toks[prev - 1], toks[prev - 1], cue)
    inverted = prev == k > 0 and toks[k - 1].text in INVERSION_MARKS and cue in INVERTIBLE
    if inverted and (claim := _inverted(text, toks, k, frozenset())):
        return claim  # the speaker ends the sentence or the clause
    prev = _relative(toks, prev)
    if prev > 0 and toks[prev - 1].text == "," and (opened := _appositive(toks, prev - 1)):
        prev = opened
    start = _phrase_before(toks, prev)
    if start > 0 and toks[start - 1].low in SUBORDINATORS:
        return None
    if start < prev and not toks[prev - 1].text.endswith(("'s", "’s")):
        return _make(text, toks[start], toks[prev - 1], cue)
    return _inverted(text, toks, k, FOLLOWERS) if inverted else None


def _relative(toks: list[_Tok], k: int) -> int:
    """Where the subject of a relative clause ending at ``toks[k]`` ends ("officials who spoke on
    condition of anonymity said", "Biden, who said"), else k."""
    for i in range(k - 1, -1, -1):
        if not toks[i].word or toks[i].text in CUES:
            break
        if toks[i].low == "who":
            return i - 1 if i > 0 and toks[i - 1].text == "," else i
    return k


def _inverted(text: str, toks: list[_Tok], k: int, followers: frozenset[str]) -> Attribution | None:
    end = _phrase_after(toks, k + 1, STOPS, LINKS)
    if end == k + 1 or not (toks[k + 1].text[0].isupper() or toks[k + 1].low in DETERMINERS):
        return None
    if end < len(toks) and toks[end].word and toks[end].low not in followers:
        return None  # "..., said the talks were useful": not an inverted speaker
    return _make(text, toks[k + 1], toks[end - 1], toks[k].text)


def _appositive(toks: list[_Tok], comma: int) -> int | None:
    """The comma opening ", a Democrat," or ", who visited Kyiv," closed by ``toks[comma]``."""
    i = comma - 1
    while i >= 0 and toks[i].word:
        i -= 1
    if i < 0 or toks[i].text != "," or i + 1 == comma:
        return None
    return i if toks[i + 1].low in APPOSITIVE_OPENERS else None


def _phrase_before(toks: list[_Tok], k: int) -> int:
    """Start of the noun phrase ending just before ``toks[k]`` (k when there is none): a name,
    "the (modifiers) noun", "US intelligence officials", "Secretary of State Antony Blinken"."""
    j, seen_cap = k, False
    while j > 0 and k - j < MAX_WORDS:
        tok = toks[j - 1]
        if j < k and _joins(toks, j - 1):
            seen_cap = False
        elif not tok.word or tok.low in STOPS:
            break
        elif tok.low in DETERMINERS:
            return j - 1 if j < k else k
        elif seen_cap and not tok.text[0].isupper() and tok.low not in TITLES:
            break  # a lowercase word before a name: "... talks Lavrov said"
        seen_cap = seen_cap or tok.text[0].isupper()
        j -= 1
    while j < k and toks[j].low in CONNECTORS:
        j += 1
    return j


def _joins(toks: list[_Tok], i: int) -> bool:
    """Whether ``toks[i]`` joins two parts of one phrase: "Secretary of State", "head of the
    agency", "Biden and Zelensky"."""
    if toks[i].low in DETERMINERS:
        return i > 0 and toks[i - 1].low in LINKS
    if toks[i].low != "and":
        return toks[i].low in CONNECTORS
    return 0 < i < len(toks) - 1 and toks[i - 1].text[0].isupper() and toks[i + 1].text[0].isupper()


def _phrase_after(toks: list[_Tok], i: int, stops: frozenset[str], links: frozenset[str]) -> int:
    """End (exclusive) of the noun phrase starting at ``toks[i]`` (i when there is none)."""
    j = i
    while j < len(toks) and j - i < MAX_WORDS:
        tok = toks[j]
        if not tok.word or tok.low in stops:
            break
        if tok.low in DETERMINERS and j > i and toks[j - 1].low not in links:
            break
        j += 1
    while j > i and toks[j - 1].low in CONNECTORS | DETERMINERS | links:
        j -= 1
    return j
