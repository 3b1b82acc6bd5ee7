"""The offline extractive engine: pick the sentences of the retrieved passages that answer the
question, and quote them with ``[n]`` markers. No generator and no QA model are needed.

A sentence's score is a linear mix of features (``FEATURES``, computed in
``assistant/language/sentence_features.py``): its embedding similarity to the
question (the packaged encoder), the share of the question's content words it contains (and of
the last clause's, where a quiz question puts what it asks), whether it holds the kind of thing
asked for (a number for "how many", a new name for "who"), how many names the question lacks,
how near the article's top it stands (news puts the facts first), its passage's retrieval rank
and recency, and how many of the read passages repeat its new names and numbers (an answer
tends to recur across the articles about a story). The weights were fitted on the dev
questions by logistic regression, checked by leave-one-week-out cross-validation
(``bench/fit_answer_weights.py``, docs/BENCHMARKS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assistant.engines.short_answer import Choice, Scored, ShortAnswerConfig, choose
from assistant.language.across_languages import expected_overlap, in_other_language
from assistant.language.followup import FollowUp
from assistant.language.question_parts import question_parts
from assistant.language.quote_notes import note_citation
from assistant.language.sentence_features import (
    EVIDENCE,
    FEATURES,
    Passages,
    QuestionTerms,
    asks,
    counts_differ,
    gist,
    numbers,
    recency,
    word_count,
)
from assistant.models.reader import Reader, ordering_weights
from assistant.records import (
    Answer,
    Citation,
    ShortAnswer,
    TokenSink,
    as_quoted,
    cite,
)
from index import SearchHit
from index.encoding.cosine_scale import across_languages, on_reference_scale
from index.encoding.embedding import Encoder
from index.text.sentences import sentence_spans


@dataclass(frozen=True)
class ExtractiveConfig:
    max_passages: int = 6
    max_sentences: int = 80  # sentences considered from the passages
    max_encoded: int = 16  # of which the best by the other features are embedded
    max_encoded_across: int = 40  # ... and of those in another language than the question's
    min_words: int = 4
    max_support: int = 3  # sentences quoted in an answer, each adding what the question asked
    support_evidence: float = 1.75  # ... each with at least this evidence (the best one: threshold)
    # weights of FEATURES, fitted on dev (bench/fit_answer_weights.py)
    w_similarity: float = 2.17
    w_keywords: float = 0.29
    w_last_clause: float = 1.39
    w_kind: float = 0.99
    w_new_names: float = 0.22
    w_lead: float = 0.93
    w_rank: float = 0.61
    w_recency: float = 0.96
    w_redundancy: float = 2.41
    # with a reader (assistant/models/reader.py): the best ``reader_candidates`` sentences by the
    # features are read, and its logit joins their score with the weights it ships with
    reader_candidates: int = 24
    threshold: float = 1.75  # abstain when the best sentence's evidence is below this
    min_similarity: float = 0.25  # ... or when its similarity to the question is below this
    # ... or this, for a sentence in another language: its similarity is mapped from across
    # languages (cosine_scale.across_languages), and the map errs by up to 0.11 on MiniLM's
    # scale for 90 % of unrelated calibration pairs (bench/across_languages.py): 0.25 + 0.11
    min_similarity_across: float = 0.36
    agree_similarity: float = 0.80  # two sentences from two articles say the same thing
    same_topic_similarity: float = 0.60  # ... or the same topic, with other numbers: disagree
    short: ShortAnswerConfig | None = field(default_factory=ShortAnswerConfig)  # None: none
    # a follow-up (language.followup.FollowUp): the share of its own words a sentence holds,
    # a sentence the previous answer quoted, a reason for "why?" (set by hand, not fitted)
    w_follow_own: float = 2.0
    w_follow_repeat: float = -2.5
    w_follow_reason: float = 2.5

    def weights(self) -> np.ndarray:
        return np.array([getattr(self, f"w_{name}") for name in FEATURES])


Row = tuple[np.ndarray, int, int, int, str]  # features, hit, start, end, text


@dataclass(frozen=True, eq=False)  # compared by identity: it holds a vector
class Candidate:
    hit: int  # index into the hits
    start: int  # offsets in the article
    end: int
    text: str
    score: float  # weights · features: orders the sentences
    evidence: float  # the same over EVIDENCE only: decides abstention
    similarity: float
    vector: np.ndarray
    features: tuple[float, ...] = ()
    language: str | None = None  # its article's, when not the question's


class ExtractiveEngine:
    name = "extractive"

    def __init__(
        self,
        embedder: Encoder,
        config: ExtractiveConfig | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.embedder = embedder
        self.config = config or ExtractiveConfig()
        self.reader = reader
        self.ordering, self.w_reader = ordering_weights(self.config.weights(), reader, FEATURES)

    def answer(
        self,
        question: str,
        hits: list[SearchHit],
        article_text: dict[str, str],
        on_token: TokenSink | None = None,  # unused: the answer is found whole
        follow_up: FollowUp | None = None,
    ) -> Answer:
        """``question`` as searched (a follow-up's standalone rewrite); ``follow_up``: its own
        words and the previous answer, which decide the sentences quoted (``_followed``)."""
        candidates = self.score(question, hits, follow_up)
        judged = self._judged(candidates)
        if judged is None or self._weak(judged, follow_up):
            best = (
                f" (best sentence evidence {judged.evidence:.2f}, similarity "
                f"{judged.similarity:.2f})"
                if judged
                else ""
            )
            reason = f"no passage answers the question well enough{best}"
            return Answer.abstain(question, reason, hits, related=hits[:5])
        candidates, choice = self._lead(question, hits, candidates)
        chosen = self._support(candidates, question)
        return self._compose(question, hits, chosen, article_text, choice)

    def _lead(
        self, question: str, hits: list[SearchHit], candidates: list[Candidate]
    ) -> tuple[list[Candidate], Choice | None]:
        """The short answer voted for across the scored sentences (``short_answer``)
        and the candidates with the best sentence holding it first (it is quoted first)."""
        if self.config.short is None:
            return candidates, None
        scored = [
            Scored(i, c.text, c.score, hits[c.hit].article.id) for i, c in enumerate(candidates)
        ]
        choice = choose(question, scored, self.config.short)
        if choice is None:
            return candidates, None
        support = candidates[choice.sentence]
        return [support, *(c for c in candidates if c is not support)], choice

    def _judged(self, candidates: list[Candidate]) -> Candidate | None:
        """The sentence abstention judges: the fitted scorer's best (with a reader too, so
        abstention stays as calibrated whatever the reader prefers)."""
        if not candidates or self.reader is None:
            return candidates[0] if candidates else None
        weights = self.config.weights()
        return max(candidates, key=lambda c: float(np.asarray(c.features) @ weights))

    def _weak(self, best: Candidate, follow_up: FollowUp | None = None) -> bool:
        """Too little evidence, or too far from the question in meaning (a follow-up's
        sentence holding all its own words is as near as it asks)."""
        floor = self.config.min_similarity_across if best.language else self.config.min_similarity
        near = best.similarity >= floor
        if follow_up is not None and follow_up.own and follow_up.matches(best.text):
            near = True
        return best.evidence < self.config.threshold or not near

    def score(
        self, question: str, hits: list[SearchHit], follow_up: FollowUp | None = None
    ) -> list[Candidate]:
        """Sentences of the top passages, best first: only the best by the features other than
        similarity are embedded (and, with a reader, read: its logit joins their score). A
        sentence sharing no content word with the question (nor with a follow-up's own words)
        comes after every one that shares some. Evidence, which decides abstention, is the
        fitted features' alone."""
        spans = self._sentences(hits)
        if not spans:
            return []
        weights = self.ordering
        terms = QuestionTerms.of(question)
        passages = Passages([h.text for h in hits[: self.config.max_passages]])
        rows: list[Row] = [
            (
                np.array([0.0, *terms.features(text, start, hit, recency(hits[hit]), passages)]),
                hit,
                start,
                end,
                text,
            )
            for hit, start, end, text in spans
        ]
        # its own words (a follow-up's) choose what is read: the sentences holding most first
        rows.sort(
            key=lambda row: _order(
                row[4], float(row[0] @ weights) + self._followed(row[4], follow_up), follow_up
            )
        )
        other = in_other_language(question, hits)
        rows = self._read(rows, other)
        texts = [row[4] for row in rows]
        vectors = self.embedder.encode_sentences(texts)
        cosines = vectors @ self.embedder.encode_query(question)
        languages = [other[row[1]] for row in rows]
        cosines = across_languages(self.embedder.name, cosines, languages)
        similarity = on_reference_scale(self.embedder.name, cosines)
        logits = self.reader.score(question, texts) if self.reader is not None else None
        evidence = np.array([name in EVIDENCE for name in FEATURES]) * self.config.weights()
        out = []
        for i, ((feats, hit, start, end, text), sim, vector) in enumerate(
            zip(rows, similarity, vectors, strict=True)
        ):
            feats[0] = float(sim)
            if languages[i]:  # no word is shared across languages: what one this near would
                feats[1:3] = expected_overlap(float(sim))
            score, judged = float(feats @ weights), float(feats @ evidence)
            if logits is not None:
                score += self.w_reader * float(logits[i])
            if follow_up is not None:  # its own words held are evidence too
                score += self._followed(text, follow_up)
                judged += self.config.w_follow_own * follow_up.held(text)
            features = tuple(float(f) for f in feats)
            out.append(
                Candidate(
                    hit, start, end, text, score, judged, float(sim), vector, features, languages[i]
                )
            )
        out.sort(key=lambda c: (not _shares(c, follow_up), *_order(c.text, c.score, follow_up)))
        return out

    def _read(self, rows: list[Row], other: list[str | None]) -> list[Row]:
        """The rows embedded (and read by a reader), best first by the other features: those in
        the question's language and, apart, those in another (which share no word with it)."""
        reading = self.reader is not None
        same = [row for row in rows if not other[row[1]]]
        across = [row for row in rows if other[row[1]]]
        kept = same[: self.config.reader_candidates if reading else self.config.max_encoded]
        return kept + across[: self.config.max_encoded_across]

    def _followed(self, text: str, follow_up: FollowUp | None) -> float:
        """What a follow-up adds to a sentence's score (nothing without one): its own words
        held, a reason for "why?", and a penalty for a sentence the previous answer already
        quoted, unless it matches the follow-up fully (then it is the best match again)."""
        if follow_up is None:
            return 0.0
        repeated = follow_up.repeats(text) and not follow_up.matches(text)
        return (
            self.config.w_follow_own * follow_up.held(text)
            + self.config.w_follow_reason * follow_up.reason(text)
            + self.config.w_follow_repeat * repeated
        )

    def _sentences(self, hits: list[SearchHit]) -> list[tuple[int, int, int, str]]:
        found: list[tuple[int, int, int, str]] = []
        seen: set[str] = set()
        for i, hit in enumerate(hits[: self.config.max_passages]):
            for s, e in sentence_spans(hit.text):
                text = hit.text[s:e]
                key = " ".join(text.lower().split())
                if word_count(text) < self.config.min_words or key in seen or asks(text):
                    continue
                seen.add(key)
                found.append((i, hit.start + s, hit.start + e, text))
        return found[: self.config.max_sentences]

    def _support(self, candidates: list[Candidate], question: str) -> list[Candidate]:
        """The best sentence, then a sentence only for what it adds that the question asked
        (``_adds``); when a sentence from another article disagrees with the best one about a
        number, the two are shown alone, attributed."""
        best = candidates[0]
        for other in candidates[1 : 2 * self.config.max_support]:
            if other.hit == best.hit or other.score < 0.85 * best.score:
                continue
            similarity = float(on_reference_scale(self.embedder.name, other.vector @ best.vector))
            if similarity >= self.config.same_topic_similarity and counts_differ(
                best.text, other.text
            ):
                return [best, other]
        return self._adds(candidates, question)

    def _adds(self, candidates: list[Candidate], question: str) -> list[Candidate]:
        """The best sentence, then more (up to ``max_support`` in all) only for what they add
        that the question asked: each later part of a two-part question gets the best sentence
        holding its words; otherwise a sentence among the next best is quoted when it holds
        words of the question that the ones before it lack and has ``support_evidence``.
        Words are compared by their first four letters (``gist``)."""
        asked = gist(question)
        chosen = [candidates[0]]
        covered = gist(candidates[0].text) & asked
        for part in question_parts(question)[1:]:
            wanted = gist(part) - covered
            found = next((c for c in candidates[1:] if gist(c.text) & wanted), None)
            if wanted and found is not None and found not in chosen:
                chosen.append(found)
                covered |= gist(found.text) & asked
        for cand in candidates[1 : self.config.max_support]:
            new = (gist(cand.text) & asked) - covered
            enough = cand.evidence >= self.config.support_evidence
            if len(chosen) < self.config.max_support and cand not in chosen and new and enough:
                chosen.append(cand)
                covered |= new
        return chosen

    def _compose(
        self,
        question: str,
        hits: list[SearchHit],
        chosen: list[Candidate],
        article_text: dict[str, str],
        choice: Choice | None = None,
    ) -> Answer:
        """One quoted sentence per citation; a sentence from another article that says the same
        (``agree_similarity``) is cited next to it instead of repeated. A short answer leads,
        cited by the first quote, which holds it (not when two sources disagree)."""
        citations = []
        for n, cand in enumerate(chosen, start=1):
            hit = hits[cand.hit]
            text = article_text[hit.article.id]
            citations.append(
                note_citation(cite(n, hit, cand.start, cand.end, text), text, hit.article)
            )
        shown_text = {c.n: as_quoted(c.quote) for c in citations}  # notes go beside, never in
        if (
            len(chosen) == 2
            and counts_differ(chosen[0].text, chosen[1].text)
            and chosen[0].hit != chosen[1].hit
        ):
            text = " ".join(
                f"{as_quoted(c.outlet or '')} reports: “{shown_text[c.n]}” [{c.n}]"
                for c in citations
            )
            return Answer(question, text, citations, hits=hits, related=[])
        shown: list[tuple[Candidate, list[int]]] = []
        for n, cand in enumerate(chosen, start=1):
            name = self.embedder.name
            said = (s for s in shown if _says_same(s[0], cand, hits, self.config, name))
            same = next(said, None)
            if same is None:
                shown.append((cand, [n]))
            else:
                same[1].append(n)
        text = " ".join(
            f"{shown_text[numbers[0]]} " + "".join(f"[{n}]" for n in numbers)
            for _, numbers in shown
        )
        short = _short(choice, chosen[0], citations[0]) if choice is not None else None
        if short is not None:
            text = f"{short.text} [1]\n\n{text}"
        return Answer(question, text, citations, hits=hits, related=[], short_answer=short)


def _order(text: str, score: float, follow_up: FollowUp | None) -> tuple[float, ...]:
    """Best first: by score; for a follow-up, by the share of its own words held, then score."""
    if follow_up is None:
        return (-score,)
    return -round(follow_up.held(text), 2), -score


def _shares(candidate: Candidate, follow_up: FollowUp | None) -> bool:
    """The sentence holds a content word of the question, or of a follow-up's own words, and
    (for a follow-up) is not a sentence the previous answer quoted that lacks some of them."""
    if follow_up is None:
        return candidate.features[1] > 0.0
    if follow_up.repeats(candidate.text) and not follow_up.matches(candidate.text):
        return False
    return candidate.features[1] > 0.0 or follow_up.held(candidate.text) > 0.0


def _short(choice: Choice, first: Candidate, cited: Citation) -> ShortAnswer | None:
    """The chosen span, placed in the article by its sentence; None when the quote shown for
    that sentence leaves it out (a dateline cut from the quote)."""
    start = first.start + choice.span.start
    end = start + len(choice.span.text)
    if not cited.quote_start <= start < end <= cited.quote_end:
        return None
    return ShortAnswer(choice.span.text, choice.expected, cited.n, start, end)


def _says_same(
    a: Candidate, b: Candidate, hits: list[SearchHit], cfg: ExtractiveConfig, encoder: str
) -> bool:
    """Two articles' sentences that say the same thing, with the same numbers."""
    if hits[a.hit].article.id == hits[b.hit].article.id:
        return False
    same_numbers = numbers(a.text) == numbers(b.text)
    similarity = float(on_reference_scale(encoder, a.vector @ b.vector))
    return same_numbers and similarity >= cfg.agree_similarity
