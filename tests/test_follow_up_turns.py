"""Follow-ups answer their own question (issue #30, point 2): two-turn conversations over the
sample articles, the docs/examples files and four real news articles from the rtqa-news corpus
(read from ../shared), each checking the sentence the follow-up quotes first. The follow-up's own
words ("shot down", "criticized", "why") decide the sentence; the previous answer's sentence is
quoted again only when it is the best match. Real model, real index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import AskRequest, Assistant
from index import NewsIndex, ingest_paths
from tests.conftest import REPO, settings_for
from tests.live_server import copy_index

pytestmark = pytest.mark.slow

CORPUS = REPO.parent / "shared" / "data" / "rtqa-news" / "corpus.jsonl"
REAL = ("rtqa-16f5f2c6c954", "rtqa-f21869e842ca", "rtqa-553f1d05c29a", "rtqa-10eee5eed1a8")
BIDEN = "What did Biden authorize for Ukraine?"
DRONES = "How many drones did Russia launch?"
INTEL = "When did US intelligence expect Russia to attack Ukraine?"
DRAGHI = "Which Italian prime minister announced a visit to Moscow?"
BRIDGE = "When did the harbour bridge reopen?"
FERRY = "Why did the Portvale ferry strike end?"
FIJI = "What did Fiji's defense minister call the biggest security threat?"
OSAKA = "Why did Naomi Osaka withdraw from her semifinal?"
BRONCOS = "Who did the Denver Broncos name as team president?"
SHARKS = "What warning system is Maine adopting for sharks?"
TURNS = [  # (first question, follow-up, words of the sentence the follow-up must quote first)
    (DRONES, "And how many were shot down?", "shoot down 76"),
    (DRONES, "And where did five of them head?", "headed towards Belarus"),
    (BIDEN, "Who criticized the decision?", "criticized by Human Rights Watch"),
    (BIDEN, "How are they designed?", "designed to deactivate"),
    (BIDEN, "And what did Pentagon officials say about them?", "most useful measures"),
    ("What happened to the bus in Novaya Kakhovka?", "Who reported it?", "Telegram channel"),
    ("What are the Kremlin's demands?", "How did Zelenskiy respond?", "basis for dialogue"),
    ("What hit the air base in Kursk?", "How many of them were intercepted?", "seven out of"),
    ("What did Trump say about the war?", "What could his policy result in?", "drastic"),
    ("Which villages did Russian troops take?", "And in Kuraĥovo?", "encircle"),
    (INTEL, "How would the invasion have started?", "naval and air bombardments"),
    (INTEL, "How long would it take them to take Kiev?", "one or two weeks"),
    ("How many soldiers has Moscow amassed?", "What would an attack expose them to?", "guerrillas"),
    ("Where did Washington move its diplomats?", "Why could that city matter?", "in exile"),
    (DRAGHI, "Has the Kremlin confirmed the date?", "not yet confirmed the date"),
    (DRAGHI, "Why is Italy important to Moscow?", "buyer of Moscow gas"),
    ("How many snowy owls were counted in Oslo?", "When was the flock seen?", "on Monday"),
    ("How many cranes gathered at Lake Hornborga?", "When does it peak?", "early April"),
    (BRIDGE, "How much did the repairs cost?", "12 million euros"),
    (BRIDGE, "What did engineers replace?", "46 steel cables"),
    (FERRY, "How many passengers were affected?", "9,000 passengers"),
    (FERRY, "When do crossings resume?", "Saturday morning"),
    (FIJI, "And what did he say about geopolitical competition?", "not threatened by"),
    (FIJI, "And what dominated the meeting?", "dominated by debate"),
    (OSAKA, "And what did she say in a later tweet?", "body got a shock"),
    (OSAKA, "When does the tournament she is preparing for begin?", "begins on Jan. 17"),
    (BRONCOS, "Who did he take over from?", "takes over from Joe Ellis"),
    (BRONCOS, "Where did he earn his bachelor's degree?", "Princeton"),
    (BRONCOS, "Who will he report to?", "report directly to Penner"),
    (SHARKS, "Why?", "fatal shark attack"),
    (SHARKS, "Where will it be hoisted?", "hoisted in Harpswell"),
    (SHARKS, "Why could sightings become more frequent?", "seal population"),
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, sample_home: Path) -> Assistant:
    if not CORPUS.exists():
        pytest.skip("../shared/data/rtqa-news is not beside the repository")
    root = tmp_path_factory.mktemp("turns")
    home = copy_index(sample_home, root / "index")
    real = root / "real.jsonl"
    with CORPUS.open(encoding="utf-8") as corpus:
        rows = [line for line in corpus if json.loads(line)["id"] in REAL]
    real.write_text("".join(rows), encoding="utf-8")
    examples = REPO / "docs" / "examples"
    index = NewsIndex.open(settings_for(home).index)
    try:
        summary = ingest_paths(index, [real, *sorted(examples.iterdir())])
        assert summary.failed == 0 and summary.added >= len(REAL) + 3
    finally:
        index.close()
    return Assistant(settings_for(home))


@pytest.mark.unit
def test_the_table_is_large_enough() -> None:
    assert len(TURNS) >= 30


@pytest.mark.parametrize(("first", "follow", "expected"), TURNS)
def test_a_follow_up_quotes_the_sentence_its_own_words_ask_for(
    assistant: Assistant, first: str, follow: str, expected: str
) -> None:
    before = assistant.ask(AskRequest(first))
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": before.text}]
    answer = assistant.ask(AskRequest(follow, history=history))
    assert not answer.abstained, (answer.reason, answer.rewritten_query)
    quoted = answer.citations[0].quote
    assert expected in quoted, (quoted, answer.rewritten_query)
    if before.citations and expected not in before.citations[0].quote:
        assert quoted != before.citations[0].quote  # never the previous answer again
