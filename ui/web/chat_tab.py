"""The Chat tab: streamed answers with ``[n]`` citation links, sources under each answer,
filters, and the side panel that shows a clicked citation inside its article.

A question runs on the server's ask pool like ``POST /api/ask``: while it waits for a slot the
chat says how many questions are ahead of it; the llm engine's draft appears as the model writes
it and is then replaced by the checked answer. Gradio's own queue does not hold chat events
back (``concurrency_limit=None``): the ask pool bounds the work, and searches never wait on it.

While an answer is on its way a Stop button cancels it (a queued ask is dropped, a writing
model stops at its next piece) and the llm engine's progress line counts the seconds, next to
the wait measured here (the median of the recent llm answers) and the engine's time limit.

An empty chat offers questions the index answers (``ui.web.examples``); the question box has
the focus; without any article a notice sends the reader to the Library tab's upload.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant import (
    ASK_K,
    DEFAULT_ASK_K,
    DEFAULT_ENGINE,
    ENGINE_NAMES,
    FALLBACK,
    Answer,
    AskRequest,
)
from index import NewsIndex
from ui.ask_stream import AnswerTimes, AskStream, Token, Waiting, pieces, with_ticks
from ui.errors import classify
from ui.services import Services
from ui.web.citation_panel import citation_panel
from ui.web.examples import ChatExamples
from ui.web.filter_controls import FilterControls, build_filters, filter_controls, raw_dates_js
from ui.web.following_tab import follow_question
from ui.web.render import PANEL_PLACEHOLDER, answer_markdown, full_answer, md_escape

log = logging.getLogger(__name__)

ENGINE_INFO = (
    "extractive: the sentences that answer, quoted (under a second); llm: the local model writes "
    "the answer from the same passages (slower: while it writes, the chat shows the time so far "
    "and what answers take here; checked, else the extractive answer)"
)
PLACEHOLDER = "Ask a question about the news"
TICK_S = 1.0  # how often the progress line's clock moves
NO_INDEX = (
    "No articles are indexed yet: add some in the **Library** tab (or run `newsrag ingest PATH` "
    "in a terminal)."
)
TO_TAB_JS = """element.addEventListener('click', (event) => {
  const to = event.target.closest('[data-tab]');
  if (!to) return;
  const tabs = [...document.querySelectorAll('button[role="tab"]')];
  tabs.find((tab) => tab.textContent.trim() === to.dataset.tab)?.click();
});"""  # a button with data-tab="Library" opens that tab
CHAT_MAX_K = 20  # the slider's end (a request allows up to ASK_K[1])
STREAM_DELAY_S = 0.02  # between pieces, so the answer visibly streams in
THINKING = "…"

Messages = list[dict[str, str]]
Outputs = tuple[Any, Messages, Messages, Messages]


@dataclass
class ChatTab:
    filters: FilterControls
    chatbot: gr.Chatbot  # its examples (questions drawn from the index) are set on page load
    examples: ChatExamples  # call it on page load: ``[{"text": question}, …]``


def build_chat_tab(services: Services) -> ChatTab:
    display = gr.State([])  # messages as shown (rendered Markdown)
    conversation = gr.State([])  # the raw turns, passed as history for follow-ups
    times = AnswerTimes()  # the llm engine's recent answers, in this process
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            gr.HTML(  # read on every page load; its button acts in the browser
                lambda: empty_notice(services), elem_id="chat-empty", js_on_load=TO_TAB_JS
            )
            chatbot = _chatbot()
            question, ask, stop, clear = _question_row()
            follow = gr.Button(  # the last question, as a watchlist (ui.web.following_tab)
                "Follow this question",
                elem_id="chat-follow",
                size="sm",
                visible=services.writes_enabled,
            )
            filters = filter_controls("chat")
            engine, k = _answer_options(services)
        with gr.Column(scale=2):
            panel = citation_panel(services, "#chat-answers", "chat-panel")

    async def respond(
        question: str,
        shown: Messages,
        turns: Messages,
        sources: list[str] | None,
        since: str | None,
        until: str | None,
        as_of: str | None,
        k: float,
        engine_name: str | None,
        languages: list[str] | None = None,
    ) -> AsyncIterator[Outputs]:
        filters = (sources, since, until, as_of, languages)
        clock = _Clock(engine_name, times, services.settings.answers.llm_timeout_s)
        async for out in _respond(services, question, shown, turns, filters, k, clock):
            yield out

    inputs = [question, display, conversation, *filters.inputs, k, engine, filters.languages]
    outputs = [question, chatbot, display, conversation]
    typed = raw_dates_js("chat", inputs.index(filters.since))
    unqueued: dict[str, Any] = {"concurrency_limit": None}  # the ask pool bounds the work
    private: dict[str, Any] = {"api_visibility": "private", **unqueued}
    showing: dict[str, Any] = {"outputs": stop, "api_visibility": "private"}
    answering = [
        ask.click(_show, **showing).then(
            respond, inputs, outputs, api_name="chat", js=typed, **unqueued
        ),
        question.submit(_show, **showing).then(respond, inputs, outputs, js=typed, **private),
        chatbot.example_select(
            _example_text, None, [question, stop], api_visibility="private"
        ).then(respond, inputs, outputs, **private),
    ]
    for event in answering:
        event.then(lambda: gr.update(visible=False), None, stop, **private)
    stop.click(_stopped, display, [chatbot, display, stop], cancels=answering, **private)
    follow.click(lambda turns: follow_question(services, turns), conversation, None, **private)
    clear.click(
        lambda: ("", [], [], [], PANEL_PLACEHOLDER),
        None,
        [question, chatbot, display, conversation, panel],
        api_visibility="private",
    )
    return ChatTab(filters, chatbot, ChatExamples(services))


def _question_row() -> tuple[gr.Textbox, gr.Button, gr.Button, gr.Button]:
    """The question box and its buttons: Ask, Stop (shown while an answer runs), New
    conversation."""
    with gr.Row():
        question = gr.Textbox(
            placeholder=PLACEHOLDER,
            show_label=False,
            elem_id="question",
            scale=5,
            min_width=240,
            lines=1,
            max_lines=4,
            autofocus=True,
        )
        ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1, min_width=80)
        stop = gr.Button(
            "Stop", variant="stop", elem_id="stop", scale=1, min_width=80, visible=False
        )
        clear = gr.Button("New conversation", elem_id="clear", scale=1, min_width=120)
    return question, ask, stop, clear


def _answer_options(services: Services) -> tuple[gr.Radio, gr.Slider]:
    """The answer engine (shown when an llm is configured) and, under Advanced, the passages
    read."""
    engine = gr.Radio(
        list(ENGINE_NAMES),
        value=DEFAULT_ENGINE,
        label="Answer engine",
        info=ENGINE_INFO,
        elem_id="chat-engine",
        visible=services.settings.answers.llm_provider.lower() != "none",
    )
    with gr.Accordion("Advanced", open=False):
        k = gr.Slider(
            ASK_K[0],
            CHAT_MAX_K,
            value=DEFAULT_ASK_K,
            step=1,
            label="Passages to read (top-k)",
            elem_id="chat-k",
        )
    return engine, k


def empty_notice(services: Services) -> str:
    """Without any article: where to add some (the Library tab's upload); else the way to the
    latest day's briefing."""
    if NewsIndex.exists(services.settings.index):
        return (
            '<p class="chat-start"><button type="button" class="to-briefing secondary" '
            "data-tab=\"Briefing\">Today's briefing</button> the latest day's most important "
            "stories, each sentence cited</p>"
        )
    where = (
        "upload files in the Library tab"
        if services.writes_enabled
        else "the Library tab uploads them once the server has an API token "
        "(<code>NEWSRAG_API_TOKEN</code>)"
    )
    return (
        '<div class="chat-empty" role="status"><p><strong>No articles yet.</strong> Add some: '
        f"{where}, or run <code>newsrag ingest PATH</code> in a terminal.</p>"
        '<p><button type="button" class="to-library secondary" '
        'data-tab="Library">Open the Library</button></p>'
        "</div>"
    )


def _stopped(shown: Messages) -> tuple[Messages, Messages, Any]:
    """The conversation as it was, the stopped question marked so, and no Stop button."""
    if shown and shown[-1]["role"] == "user":
        shown = [*shown, {"role": "assistant", "content": "*Stopped before the answer was done.*"}]
    return shown, shown, gr.update(visible=False)


def _show() -> Any:
    """The Stop button, while an answer is on its way."""
    return gr.update(visible=True)


def _example_text(selected: gr.SelectData) -> tuple[str, Any]:
    """The clicked example question, into the question box (and the Stop button shown)."""
    value = selected.value
    text = str(value.get("text", "")) if isinstance(value, dict) else str(value)
    return text, _show()


def _chatbot() -> gr.Chatbot:
    return gr.Chatbot(
        label="Answers",
        elem_id="chat-answers",
        height=520,
        sanitize_html=True,
        allow_tags=False,
        render_markdown=True,
        latex_delimiters=[],
        feedback_options=None,
        buttons=["copy"],
        placeholder="Answers appear here, each sentence with its [n] source.",
    )


class _Clock:
    """One answer's progress: its engine, when its turn came, and the line that says so."""

    def __init__(self, engine: str | None, times: AnswerTimes, limit_s: float) -> None:
        self.engine = engine or DEFAULT_ENGINE
        self.times = times
        self.limit_s = limit_s
        self.started = time.monotonic()

    def restart(self) -> None:
        """Its turn came: the wait in the queue does not count as the answer's time."""
        self.started = time.monotonic()

    def working(self, draft: str) -> str:
        """The draft so far (or what the engine does before it writes) and the clock."""
        if self.engine != "llm":
            return THINKING
        if not draft:
            lead = "*The model is reading the passages; its answer appears as it writes…*"
        else:
            lead = answer_markdown(draft, ()) + " ▍"
        return f"{lead}\n\n{self.line()}"

    def line(self) -> str:
        """ "*12 s so far; recent answers here took about 20 s; …*" (no emoji: not every font
        has a clock)."""
        elapsed = time.monotonic() - self.started
        typical = self.times.typical()
        usual = (
            f"recent answers here took about {typical:.0f} s"
            if typical is not None
            else "the first answer here also starts the model"
        )
        return f"*{elapsed:.0f} s so far; {usual}; the model is stopped at {self.limit_s:g} s.*"

    def done(self, answer: Answer) -> None:
        """Keep the time of an answer the model worked on (not one it was never asked)."""
        if self.engine == "llm" and (
            answer.engine == "llm" or (answer.reason or "").startswith(FALLBACK)
        ):
            self.times.add(time.monotonic() - self.started)


async def _respond(
    services: Services,
    question: str,
    shown: Messages,
    turns: Messages,
    chosen: tuple[list[str] | None, str | None, str | None, str | None, list[str] | None],
    k: float,
    clock: _Clock,
) -> AsyncIterator[Outputs]:
    question = (question or "").strip()
    if not question:
        yield gr.update(), shown, shown, turns
        return
    shown = [*shown, {"role": "user", "content": md_escape(question)}]

    def showing(content: str) -> Outputs:
        return "", [*shown, {"role": "assistant", "content": content}], shown, turns

    yield showing(clock.working(""))
    draft = ""
    try:
        filters = build_filters(*chosen)
        request = AskRequest(question, turns, filters, int(k or DEFAULT_ASK_K), clock.engine)
        stream = AskStream(services, request)  # the pool /api/ask uses
        async for event in with_ticks(stream.events(), TICK_S):
            if isinstance(event, Waiting):
                if not event.ahead:
                    clock.restart()
                yield showing(_waiting(event.ahead) if event.ahead else clock.working(draft))
            elif isinstance(event, Answer):
                answer = event
            else:
                draft += event.text if isinstance(event, Token) else ""
                yield showing(clock.working(draft))
    except Exception as exc:
        failed = [*shown, {"role": "assistant", "content": f"⚠️ {_failure(exc)}"}]
        yield "", failed, failed, turns
        return
    clock.done(answer)
    if not draft:  # found whole (extractive): shown growing, a few words at a time
        so_far = ""
        for piece in pieces(answer.text):
            so_far += piece
            yield showing(answer_markdown(so_far, answer.citations))
            await asyncio.sleep(STREAM_DELAY_S)
    final = [*shown, {"role": "assistant", "content": full_answer(answer)}]
    turns = [
        *turns,
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer.text},
    ]
    yield "", final, final, turns


def _failure(exc: Exception) -> str:
    """What the chat says of a failed ask: no index in words that lead to the Library."""
    known = classify(exc)
    if known is None:
        log.exception("chat")
        known = (500, "internal_error", type(exc).__name__)
    return NO_INDEX if known[1] == "index_not_ready" else md_escape(known[2])


def _waiting(ahead: int) -> str:
    plural = "question is" if ahead == 1 else "questions are"
    return f"*Waiting for a free answer slot: {ahead} {plural} ahead of yours…*"
