"""What kind of answer a question expects, from the question alone: "Which country…?" wants a
place, "Who…?" a person, "How many…?" a number — so candidates of that type can be preferred.

Rules, no model. The question sentence is the last one that asks (a quiz question often states
the news first: "… this week. He is a valued member of which team?"). In it every wh-word is
read: "how many/much/long/old…" directly; "which/what X" by the head noun X of the phrase that
follows ("which professional sports team was…" → team) looked up in a lexicon; "who", "where",
"when" by the word. A wh-phrase with a known head or a how-phrase wins over a bare wh-word, and
a "which" with no noun after it (", which usually sees…") is a relative pronoun and is skipped.

Types: person, organisation, place (subtype country, city or region), number (a count, an age,
a rank), amount (subtype money, percent, measure or duration), date (subtype year, month, day or
time), event_title (a named thing: subtype work, event, law, product or kind — the last for
species, diseases, drugs sold by name and the like) and other (reasons, descriptions, true or
false, "which of these words"). The words it reads are in ``assistant.language.answer_type_words``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.language.answer_type_words import (
    ABBREVIATIONS,
    AUX,
    BOUNDARY,
    CHANGE_WORDS,
    CONTAINERS,
    COPULA,
    DETERMINERS,
    HOW,
    LEXICON,
    MEASURE_UNITS,
    MODIFIERS,
    MONEY_UNITS,
    MONEY_WORDS,
    NOT_PLURALS,
    PHRASES,
    PREPOSITIONS,
    PUNCT,
    QUOTES,
    RANKED,
    WH,
    Entry,
    Kind,
)


@dataclass(frozen=True)
class AnswerType:
    """The expected answer: its type, a finer subtype or None, the head noun the type was read
    from (None when a wh-word alone decided), the rule that fired and how sure that rule is."""

    type: Kind
    subtype: str | None
    head: str | None
    rule: str
    confidence: float


_TOKEN = re.compile(r"[a-z0-9$%][a-z0-9.'&%$-]*|[,;:?!()\"“”]")
_NAME_WORD = (
    r"(?!(?:Which|What|Who|Whom|Whose|When|Where|How|Why)\b)"
    r"(?:(?:[A-Z]\.){2,}|[A-Z][\w'&-]*)"  # "U.S." or a capitalised word
)
_NAME_RUN = re.compile(rf"\b{_NAME_WORD}(?:\s+{_NAME_WORD})+")
_OTHER = AnswerType("other", None, None, "no wh-phrase", 0.3)


def answer_type(question: str) -> AnswerType:
    """The answer type the question expects (``other`` when nothing in it says)."""
    text = _normalise(question)
    asking = _candidates(_tokens(_question_sentence(text)), 0)
    found = _choose(asking + _candidates(_tokens(text), 1))
    return found if found is not None else _fallback(_tokens(text))


def _normalise(question: str) -> str:
    text = " ".join(question.replace("’", "'").replace("‘", "'").split())
    lowered = _NAME_RUN.sub(_join_name, text).lower()
    for phrase, token in PHRASES:
        lowered = lowered.replace(phrase, token)
    return lowered


def _join_name(match: re.Match[str]) -> str:
    """A run of capitalised words becomes one token ("Girl Scout cookie" → girl-scout cookie),
    so a name cannot end a noun phrase early; a sentence's first word stays apart."""
    words = match.group(0).split()
    before = match.string[: match.start()].rstrip()
    keep = words[:1] if not before or before[-1] in ".?!:" else []
    rest = words[len(keep) :]
    return " ".join([*keep, "-".join(rest)] if rest else keep)


def _question_sentence(text: str) -> str:
    """The last sentence that asks (ends in "?"), else the last sentence."""
    pieces: list[str] = []
    for piece in re.split(r"(?<=[.?!])\s+", text):
        if pieces and pieces[-1].split()[-1] in ABBREVIATIONS:
            pieces[-1] += " " + piece
        else:
            pieces.append(piece)
    asking = [p for p in pieces if "?" in p]
    return (asking or pieces or [text])[-1]


def _tokens(sentence: str) -> list[str]:
    words = []
    for token in _TOKEN.findall(sentence):
        possessive = token.endswith("'s")
        token = token[:-2] if possessive else token
        if token.endswith(".") and token not in ABBREVIATIONS:
            token = token.rstrip(".")
        words.extend([token] if token else [])
        words.extend(["'s"] if possessive else [])
    return words


def lookup(word: str) -> Entry | None:
    """The lexicon's type for a noun, singular or plural ("states" → place, region); a joined
    name by its last word ("supreme-court" → court)."""
    if word in NOT_PLURALS:
        return None
    for form in (word, *_singulars(word)):
        if form in LEXICON:
            return LEXICON[form]
    if "-" in word.strip("-"):
        return lookup(word.rsplit("-", 1)[1])
    return None


def _singulars(word: str) -> list[str]:
    forms = []
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return forms


# a candidate: (strength, source, position, type): the strongest wins (2: a known head, a
# how-phrase, an asking who/where/when), then the question sentence (source 0) over the whole
# text (source 1), then the first
Candidate = tuple[int, int, int, AnswerType]


def _candidates(tokens: list[str], source: int) -> list[Candidate]:
    found = []
    for i, token in enumerate(tokens):
        if token in WH:
            read = _read_wh(tokens, i)
            if read is not None:
                found.append((read[0], source, i, read[1]))
    return found


def _choose(candidates: list[Candidate]) -> AnswerType | None:
    if not candidates:
        return None
    best = max(c[0] for c in candidates)
    return min((c for c in candidates if c[0] == best), key=lambda c: c[1:3])[3]


def _read_wh(tokens: list[str], i: int) -> tuple[int, AnswerType] | None:
    word = tokens[i]
    if word == "how":
        return _read_how(tokens, i)
    if word in ("which", "what"):
        return _read_which(tokens, i)
    if word == "why":
        return 2, AnswerType("other", None, None, "why", 0.9)
    return _read_bare(tokens, i)


def _read_bare(tokens: list[str], i: int) -> tuple[int, AnswerType] | None:
    """who/whom/whose, where and when: asking unless they follow a noun (a relative clause)."""
    word = tokens[i]
    before = tokens[i - 1] if i else ""
    after = tokens[i + 1] if i + 1 < len(tokens) else "?"
    if word in ("where", "when"):
        if after not in AUX and after != "?":
            return None  # "the city where he lived", "when asked, …"
        if word == "where" and RANKED & set(tokens):
            return 2, AnswerType("number", "rank", None, "where … rank", 0.7)
        kind: Entry = ("place", None) if word == "where" else ("date", None)
        return 2, AnswerType(kind[0], kind[1], None, word, 0.8)
    if _after_noun(before) and after != "?":
        return None  # "the actor who played …"
    strength = 1 if before == "," else 2
    return strength, AnswerType("person", None, None, word, 0.9)


def _after_noun(before: str) -> bool:
    """Whether the word before a wh-word may be a noun ("the actor who"), not a preposition,
    an auxiliary or a past tense ("replaced by who", "appointed whom")."""
    verb = before in PREPOSITIONS or before in AUX or before.endswith("ed")
    return bool(before) and not (before in PUNCT or verb)


def _read_how(tokens: list[str], i: int) -> tuple[int, AnswerType]:
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if after == "many":
        return 2, _how_many(tokens, i)
    if after == "much":
        return 2, AnswerType("amount", _how_much(tokens, i), None, "how much", 0.85)
    if after in HOW:
        kind, subtype = HOW[after]
        return 2, AnswerType(kind, subtype, None, f"how {after}", 0.85)
    return 1, AnswerType("other", None, None, "how", 0.7)


def _how_many(tokens: list[str], i: int) -> AnswerType:
    found = _noun_head(tokens, i + 2)
    head = found[0] if found else None
    if head in MONEY_UNITS:
        return AnswerType("amount", "money", head, "how many + unit", 0.85)
    if head in MEASURE_UNITS:
        return AnswerType("amount", "measure", head, "how many + unit", 0.85)
    return AnswerType("number", None, head, "how many", 0.95)


def _how_much(tokens: list[str], i: int) -> str | None:
    """money, percent or None: "how much of", "fell by how much" ask for a share."""
    if tokens[i + 2 : i + 3] == ["of"]:
        return "percent"
    words = set(tokens)
    if i and tokens[i - 1] == "by" and words & CHANGE_WORDS:
        return "percent"
    if words & MONEY_WORDS or "box-office" in words:
        return "money"
    return None


def _read_which(tokens: list[str], i: int) -> tuple[int, AnswerType] | None:
    """which/what + noun phrase: the head noun's type, else ``other``."""
    start = _phrase_start(tokens, i + 1)
    found = _noun_head(tokens, start, owner=start == i + 1) if start is not None else None
    head = found[0] if found else None
    if found and head in ("name", "names"):
        return 2, _named(tokens, found[1])
    entry = lookup(head) if head else None
    if entry is not None:
        return 2, AnswerType(entry[0], entry[1], head, "head noun", 0.85)
    if tokens[i] == "which" and _relative(tokens, i):
        return None  # ", which usually sees …", "UAPs, which stands for what?"
    if tokens[-2:-1] in (["called"], ["named"], ["titled"]):
        return 2, AnswerType("event_title", None, head, "called", 0.6)
    rule = "unknown head noun" if head else f"{tokens[i]} without a head"
    return (1 if head else 0), AnswerType("other", None, head, rule, 0.5)


def _relative(tokens: list[str], i: int) -> bool:
    """A "which" that a verb or adverb follows (not a noun): a relative pronoun."""
    before = tokens[i - 1] if i else "?"
    after, then = [*tokens[i + 1 : i + 3], "?", "?"][:2]
    if before in ("?", "!", ":") or before in PREPOSITIONS:
        return False  # "Which is the …?", "of which highly infectious disease"
    if after in AUX or after in BOUNDARY - {"of"} or after.endswith("ly"):
        return True
    verb = after.endswith(("s", "ed")) and lookup(after) is None and then not in AUX
    return before == "," and verb


def _phrase_start(tokens: list[str], j: int) -> int | None:
    """Where the noun phrase after which/what starts: past "is the", "of the following",
    "type of"; None when a verb follows ("what is causing …")."""
    if j < len(tokens) and tokens[j] in AUX and not _opens_phrase(tokens, j + 1):
        return None
    while j < len(tokens):
        if tokens[j] in DETERMINERS or tokens[j] in ("of", "following"):
            j += 1
        elif tokens[j] in CONTAINERS and tokens[j] != "name" and tokens[j + 1 : j + 2] == ["of"]:
            j += 2  # "type of animal", "one of the changes"
        elif tokens[j] in COPULA and _opens_phrase(tokens, j + 1):
            j += 2 if tokens[j + 1] == "not" else 1  # "which of the following is the …"
        else:
            break
    return j


def _opens_phrase(tokens: list[str], j: int) -> bool:
    """A copula then a determiner ("is the", "is not one of"), not "did the" or "is causing"."""
    if tokens[j - 1] not in COPULA:
        return False
    j += 1 if tokens[j : j + 1] == ["not"] else 0
    return j < len(tokens) and (tokens[j] in DETERMINERS or tokens[j : j + 2] == ["one", "of"])


def _named(tokens: list[str], k: int) -> AnswerType:
    """ "What is the name of the X": X's type; "its name" a named thing, "his name" a person."""
    if tokens[k + 1 : k + 2] == ["of"]:
        found = _noun_head(tokens, _phrase_start(tokens, k + 1) or k + 1)
        entry = lookup(found[0]) if found else None
        if found and entry is not None:
            return AnswerType(entry[0], entry[1], found[0], "name of + head noun", 0.85)
    if k and tokens[k - 1] in ("his", "her"):
        return AnswerType("person", None, "name", "his/her name", 0.7)
    return AnswerType("event_title", None, "name", "name", 0.6)


def _noun_head(tokens: list[str], j: int, owner: bool = True) -> tuple[str, int] | None:
    """The head of the noun phrase starting at j, and where: the last lexicon noun of its run
    ("country music star" → star), else its last word. The run ends at a function word or
    punctuation, at a possessive after a noun ("which country's lawmakers"), at a verb ("which
    republican suffered a …"), or at a word that is neither a noun nor a modifier once a noun
    was seen ("which team won …"). With ``owner`` False (after "which of the") a possessive
    names the owner of the head, not the answer ("the band's albums" → albums)."""
    known: tuple[str, int] | None = None
    last: tuple[str, int] | None = None
    for k in range(j, min(len(tokens), j + 8)):
        token = tokens[k]
        if token == "'s" and not owner:
            known = last = None
        if token in QUOTES or (known is None and _joins_words(token)):
            continue  # "which formidable but controversial editor", "Poe's famous tales"
        if token in PUNCT or token in BOUNDARY:
            break
        if lookup(token) is not None:
            known = (_last_part(token), k)
        elif _ends_run(tokens, k, known is not None):
            break
        last = (token, k)
    return known or last


def _joins_words(token: str) -> bool:
    return token in ("'s", "but")


def _ends_run(tokens: list[str], k: int, after_noun: bool) -> bool:
    return tokens[k] not in MODIFIERS if after_noun else _looks_like_verb(tokens, k)


def _last_part(token: str) -> str:
    """The word of a joined name that the lexicon knows ("u.s.-senator" → senator)."""
    return token if token in LEXICON or "-" not in token else token.rsplit("-", 1)[1]


def _looks_like_verb(tokens: list[str], k: int) -> bool:
    """An -ed/-ing word before a function word ("motivated the") or after a noun-like word
    ("philanthropist contributed"), not after an adverb ("newly elected")."""
    if not tokens[k].endswith(("ed", "ing")) or tokens[k] in MODIFIERS:
        return False
    after = tokens[k + 1] if k + 1 < len(tokens) else "?"
    if after in BOUNDARY or (after in PUNCT and after not in QUOTES):
        return True
    if tokens[k].endswith("ing") or lookup(after) is not None or after in MODIFIERS:
        return False  # "racing driver", "estimated population"
    before = tokens[k - 1] if k else "?"
    adverb = before.endswith("ly") or before in ("most", "more", "least", "less", "best", "worst")
    return not (adverb or before in WH or before in DETERMINERS)


_FILL_IN = re.compile(
    r"\b(?:all|each|none|both|which|one) (?:of )?(?:these|those|the following) (.+)"
)
_TITLED = re.compile(r"\b(?:titled|called|named|dubbed) :$")


def _this_thing(tokens: list[str]) -> AnswerType | None:
    """A statement to complete about "this drug" or "these players" (not "this week")."""
    for k, token in enumerate(tokens):
        found = _noun_head(tokens, k + 1) if token in ("this", "these") else None
        entry = lookup(found[0]) if found else None
        if found and entry is not None and entry[0] != "date":
            return AnswerType(entry[0], entry[1], found[0], "this + head noun", 0.6)
    return None


def _fallback(tokens: list[str]) -> AnswerType:
    """No wh-phrase: "all of these X … except:", "Name the X", "… since:", true or false."""
    text = " ".join(tokens)
    if "truefalse" in tokens:
        return AnswerType("other", None, None, "true or false", 0.9)
    match = _FILL_IN.search(text) or re.search(r"\b(?:name|identify) (?:the|a|an|this) (.+)", text)
    found = _noun_head(match.group(1).split(), 0) if match else None
    entry = lookup(found[0]) if found else None
    if found and entry is not None:
        return AnswerType(entry[0], entry[1], found[0], "fill-in head noun", 0.7)
    this = _this_thing(tokens)
    if this is not None:
        return this
    if _TITLED.search(text):
        return AnswerType("event_title", None, None, "titled:", 0.6)
    if tokens[-2:] in (["since", ":"], ["until", ":"]) or tokens[-3:] == ["at", "least", ":"]:
        return AnswerType("date", "year", None, "since:", 0.6)
    return _OTHER
