"""Chunks keep exact offsets, follow sentences, overlap a little and fit the model window."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.encoding.model_sources import resolve_model
from index.records import Article
from index.text.chunking import Chunker, ChunkerConfig
from index.text.sentences import sentence_spans
from index.text.tokenization import count_tokens, load_tokenizer
from tests.conftest import SAMPLE

pytestmark = pytest.mark.unit  # no model: the fast tier

SPEC = resolve_model("all-MiniLM-L6-v2")
TOKENIZER = load_tokenizer(SPEC.path)
CHUNKER = Chunker(TOKENIZER, ChunkerConfig(max_tokens=SPEC.max_tokens, overlap_tokens=32))

words = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12
)
sentences = st.lists(words, min_size=1, max_size=40).map(" ".join).map(lambda s: s + ".")
texts = st.lists(
    st.one_of(sentences, st.sampled_from(["\n\n", "\n", "  ", "Dr. ", "U.S. "])), max_size=60
).map(" ".join)


def _check(article: Article, chunker: Chunker = CHUNKER) -> None:
    chunks = chunker.chunk(article)
    for chunk in chunks:
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip()
        embedded = count_tokens(TOKENIZER, chunker.embed_text(article.title, chunk.text))
        assert embedded == chunk.n_tokens
        assert embedded <= chunker.config.max_tokens
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)
    covered = "".join(ch for c in chunks for ch in c.text)
    assert all(ch in covered for ch in article.text.split()[:1])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, title=st.text(max_size=300))
def test_offsets_exact_and_window_respected(text: str, title: str) -> None:
    _check(Article(id="x", text=text, title=title))


@settings(max_examples=40, deadline=None)
@given(text=texts)
def test_small_window_still_exact(text: str) -> None:
    small = Chunker(TOKENIZER, ChunkerConfig(max_tokens=96, overlap_tokens=16, max_title_tokens=16))
    _check(Article(id="x", text=text, title="A title"), small)


def test_every_word_of_an_article_is_in_some_chunk() -> None:
    text = (SAMPLE / "000_ed452931e0cea98c.txt").read_text()
    chunks = CHUNKER.chunk(Article(id="a", text=text, title="T"))
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and i not in covered]
    assert not missing


def test_chunks_end_on_sentence_boundaries_and_overlap() -> None:
    sentence = "The council met on Tuesday and approved the new budget for schools. "
    text = sentence * 60
    chunks = CHUNKER.chunk(Article(id="a", text=text.strip(), title="Budget"))
    assert len(chunks) > 2
    for c in chunks:
        assert c.text.startswith("The council") and c.text.endswith("schools.")
    assert chunks[1].start < chunks[0].end  # a little overlap
    assert chunks[0].n_tokens > 200  # chunks fill the window


def test_a_sentence_longer_than_the_window_is_cut_between_words() -> None:
    text = " ".join(f"word{i}" for i in range(2000))
    chunks = CHUNKER.chunk(Article(id="a", text=text, title=""))
    assert len(chunks) > 3
    for c in chunks:
        assert c.n_tokens <= 256
        assert c.text.split()[0].startswith("word") and text[c.end : c.end + 1] in ("", " ")


def test_long_titles_are_cut_in_the_prefix() -> None:
    title = "Very long headline " * 100
    chunks = CHUNKER.chunk(Article(id="a", text="Short body. Another sentence.", title=title))
    assert len(chunks) == 1 and chunks[0].n_tokens <= 256


def test_sentence_spans_skip_abbreviations() -> None:
    text = "Dr. Smith met U.S. officials. They agreed.\nNew line here"
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["Dr. Smith met U.S. officials.", "They agreed.", "New line here"]


def test_empty_text_has_no_chunks() -> None:
    assert CHUNKER.chunk(Article(id="a", text="", title="t")) == []
