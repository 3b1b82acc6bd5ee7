"""Follow-up questions: a question that cannot stand alone is rewritten into a standalone query
from the conversation (the previous user question and the names the previous answer cited).

A question needs the conversation only when it says so (``needs_context``):
- it opens with a continuation ("and …", "what about …", "also …", "but …");
- it is an ellipsis: no word of its own to search for ("Why?", "How many?", "And when?");
- it leans on a pronoun with no antecedent in the question ("Who fired it?", "What did he
  say?", "How many people live there?"), where an antecedent is a name, a number or a noun after
  an article earlier in the question ("What did Biden authorize and why was it criticized?"
  stands alone).
A short question is not a follow-up for being short: "Which missile was fired at Dnipro?" and
"What is happening in Kherson?" are asked as written, whatever came before. Whether the rewrite
is then used is the caller's call (``assistant.pipeline``: only when it retrieves better
evidence than the question alone).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.requests import Turn
from assistant.retrieval.retriever import MAX_QUERY_CHARS
from index.catalog.keyword import STOPWORDS

_LEADING = re.compile(
    r"^(and what about|and how about|what about|how about|and also|and|but|also|so|plus|"
    r"what else about|then)\b[\s,]*",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w’'-]+")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*")
_MARKER = re.compile(r"\[\d+\]")
# words that carry no subject of their own: question words, auxiliaries, function words
_FUNCTION = frozenset(
    """what which who whom whose when where why how many much long often far old else exactly
    is are was were be been being do does did done have has had can could will would shall
    should may might must the a an of in on at to for from by with about as into over after
    before than then so and or but not no yes any some more most less also just only still
    again ever there here that this these those it its they them their he him his she her we
    us our you your i me my one ones come happen happened happens mean means matter say said
    tell told think know why's what's who's it's that's there's""".split()
)
_PRONOUNS = frozenset(
    "it its they them their theirs he him his she her hers there those these".split()
)
_DEMONSTRATIVES = frozenset("this that these those".split())  # pronouns when not before a noun
_DETERMINERS = frozenset("the a an this that these those its his her their our".split())
# a demonstrative followed by one of these is still a pronoun ("why did this happen")
_AFTER_PRONOUN = _FUNCTION | frozenset("mean happen matter cause start end work".split())

_PERSONAL = frozenset("he him his she her hers".split())
_AUXILIARIES = frozenset(
    "is are was were be been do does did have has had can could will would should may might "
    "must".split()
)
_QUANTITY = re.compile(r"^(how (many|much|long|often|far)|which one|what kind)\b", re.IGNORECASE)

# a rewrite draws at most this much from the history, so a long earlier turn never makes the
# query longer than the question plus a few hundred characters (nor past MAX_QUERY_CHARS)
MAX_DRAWN_CHARS = 300
MAX_NAMES = 4
MAX_NAME_CHARS = 60
MIN_DRAWN_CHARS = 20
FRAGMENT_WORDS = 6
SHORT_LEAD_WORDS = 8  # a short answer leading an answer is at most this long


def needs_context(question: str) -> bool:
    """True when ``question`` cannot stand alone (see the module docstring)."""
    q = question.strip()
    if _LEADING.match(q):
        return True
    words = _WORD.findall(q)
    lowered = [w.lower() for w in words]
    if not any(w not in _FUNCTION for w in lowered):
        return True  # an ellipsis: nothing of its own to search for
    if _QUANTITY.match(q) and _fragment(words, lowered):
        return True  # "How many times this year?"
    return _dangling_pronoun(words, lowered)


def _fragment(words: list[str], lowered: list[str]) -> bool:
    """Short, with no auxiliary verb and no name: a piece of a question, not a question."""
    names = any(w[0].isupper() for w in words[1:])
    return len(words) <= FRAGMENT_WORDS and not names and not set(lowered) & _AUXILIARIES


def _dangling_pronoun(words: list[str], lowered: list[str]) -> bool:
    """A pronoun (or a demonstrative used as one) before any possible antecedent."""
    for i, word in enumerate(lowered):
        if _is_pronoun(lowered, i, words):
            return not _has_antecedent(words, lowered, i, person=word in _PERSONAL)
    return False


def _is_pronoun(lowered: list[str], i: int, words: Sequence[str] = ()) -> bool:
    word = lowered[i]
    if word in _DEMONSTRATIVES:
        after = lowered[i + 1] if i + 1 < len(lowered) else ""
        return not after or after in _AFTER_PRONOUN or _points_back(words, i)
    return word in _PRONOUNS and not (word == "there" and _existential(lowered, i))


def _points_back(words: Sequence[str], i: int) -> bool:
    """ "that city", "those talks": a demonstrative before a common noun refers to something
    said before ("that Russia …", "that the …" are clauses; "this" can point at the present)."""
    if words[i].lower() not in ("that", "those") or i + 1 >= len(words):
        return False
    after = words[i + 1]
    return after[0].islower() and after not in _FUNCTION and after not in _DETERMINERS


def _existential(lowered: list[str], i: int) -> bool:
    """ "there is …", "is there …": introduces, does not point back."""
    be = ("is", "are", "was", "were", "be", "been")
    return (i + 1 < len(lowered) and lowered[i + 1] in be) or (i > 0 and lowered[i - 1] in be)


def _has_antecedent(words: list[str], lowered: list[str], before: int, person: bool) -> bool:
    """A referent earlier in the question: a noun after an article ("the mines … they"), a
    number, an earlier clause with words of its own ("What did Biden authorize and why was it
    criticized?"), or for he/she/his/her a name ("Who is Putin and what did he say?")."""
    for j in range(before):
        word, low = words[j], lowered[j]
        if word[0].isdigit() or (person and j > 0 and word[0].isupper()):
            return True
        if low not in _FUNCTION and j > 0 and lowered[j - 1] in _DETERMINERS:
            return True
        if low == "and" and any(w not in _FUNCTION for w in lowered[:j]):
            return True
    return False


def rewrite(question: str, history: Sequence[Turn]) -> str | None:
    """A standalone query for ``question`` given ``history`` (``{role, content}`` turns), or None
    when the question stands alone or there is nothing to draw on."""
    if not history or not needs_context(question):
        return None
    previous_question = _last(history, "user")
    previous_answer = _first_sentence(_last(history, "assistant"))
    if not previous_question:
        return None
    core = _LEADING.sub("", question.strip()).rstrip("?").strip()
    said = f"{core} {previous_question}"
    names = [n for n in dict.fromkeys(_NAME.findall(previous_answer)) if n not in said]
    drawn = [previous_question.rstrip("?")[:MAX_DRAWN_CHARS], *names[:MAX_NAMES]]
    budget = min(MAX_DRAWN_CHARS, MAX_QUERY_CHARS - len(core) - 3)
    context = " ".join(p[:MAX_NAME_CHARS] if i else p for i, p in enumerate(drawn) if p)
    if budget < MIN_DRAWN_CHARS:  # the question alone fills the query: keep it as asked
        return None
    return f"{core} — {context[:budget].strip()}".strip()


# past forms whose first four letters differ from the present's: "shot down" finds "shoot down"
IRREGULAR = {
    "shot": "shoot", "fought": "fight", "caught": "catch", "bought": "buy", "brought": "bring",
    "sold": "sell", "won": "win", "lost": "lose", "left": "leave", "led": "lead", "met": "meet",
    "paid": "pay", "told": "tell", "took": "take", "gave": "give", "struck": "strike",
    "ran": "run", "fled": "flee", "sent": "send", "spent": "spend", "stole": "steal",
    "threw": "throw", "wrote": "write", "chose": "choose", "fell": "fall", "flew": "fly",
    "grew": "grow", "rose": "rise", "spoke": "speak", "thought": "think", "began": "begin",
    "died": "die", "dead": "die", "hid": "hide", "sank": "sink", "swore": "swear",
}  # fmt: skip
_REASON = re.compile(
    r"\b(?:because|due to|as a result|in order to|so that|since|amid|in response|in protest|"
    r"aimed at|to avoid|to prevent|reasons?|citing|blamed|caused|led to|comes after|came after|"
    r"follows|followed|prompted|in the wake of)\b",
    re.IGNORECASE,
)
_WHY = re.compile(r"^\W*(?:and\s+|but\s+)?why\b", re.IGNORECASE)


_BRITISH = re.compile(r"(?<=\w{3})is(e|ed|es|ing|ation)$")  # "criticised" reads "criticized"
_SUFFIXES = ("ings", "ing", "edly", "ied", "ed", "es", "s", "ly")


def light_stem(word: str) -> str:
    """A word without its inflection, the way a follow-up's words are matched: "designed" →
    "design" (not "designated"), "criticised"/"criticized" → "criticiz", "shot" → "shoot"."""
    word = _BRITISH.sub(r"iz\1", IRREGULAR.get(word.lower(), word.lower()))
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word  # "raise(d)" → "rais"


@lru_cache(maxsize=4096)
def stems(text: str) -> frozenset[str]:
    """A text's light stems; cached: a follow-up reads each candidate sentence several times
    (its order, its score, whether it repeats or matches)."""
    return frozenset(light_stem(w) for w in _WORD.findall(text))


@dataclass(frozen=True)
class FollowUp:
    """A follow-up as it is read: its own words (``own``: the stems of "shot down",
    "criticised") decide which sentence is quoted, and a sentence the previous answer quoted is
    not quoted again unless it holds them best (``repeats``)."""

    own: frozenset[str]
    why: bool  # it asks why: a sentence giving a reason is what it wants
    previous_answer: str  # the last answer's text, its whitespace collapsed
    words: str = ""  # the follow-up as asked, its leading "and"/"what about" aside

    def held(self, sentence: str) -> float:
        """The share of the follow-up's own words the sentence holds."""
        return len(stems(sentence) & self.own) / len(self.own) if self.own else 0.0

    def reason(self, sentence: str) -> bool:
        """It asks why and the sentence gives a reason ("because", "comes after", "amid")."""
        return self.why and _REASON.search(sentence) is not None

    def matches(self, sentence: str) -> bool:
        """The sentence answers the follow-up's own words: it holds all of them (a bare "why?"
        asks for a reason)."""
        return self.held(sentence) == 1.0 if self.own else self.reason(sentence)

    def repeats(self, sentence: str) -> bool:
        return " ".join(sentence.split()) in self.previous_answer


def follow_up_of(question: str, history: Sequence[Turn]) -> FollowUp:
    """The follow-up's own words (question words and function words aside) and the previous
    answer it must not simply repeat."""
    core = _LEADING.sub("", question.strip()).rstrip("?").strip()
    words = [w.lower() for w in _WORD.findall(core)]
    own = {light_stem(w) for w in words if w not in _FUNCTION | _PRONOUNS | STOPWORDS}
    previous = " ".join(_last(history, "assistant").split())
    return FollowUp(frozenset(own), bool(_WHY.match(question)), previous, core)


def _first_sentence(answer: str) -> str:
    """The answer's first cited sentence (its later quotes only support it), after the short
    answer that may lead it ("188 [1]" then a blank line)."""
    lead, _, rest = answer.partition("\n\n")
    if rest and len(_WORD.findall(_MARKER.sub("", lead))) <= SHORT_LEAD_WORDS:
        answer = rest
    return _MARKER.split(answer, maxsplit=1)[0]


def _last(history: Sequence[Turn], role: str) -> str:
    for turn in reversed(history):
        if turn.get("role") == role and str(turn.get("content") or "").strip():
            return str(turn["content"]).strip()
    return ""
