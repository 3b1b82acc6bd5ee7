"""The Chat tab: streamed answers with ``[n]`` citation links, sources under each answer,
filters, and the side panel that shows a clicked citation inside its article.

A question runs on the server's ask pool like ``POST /api/ask``: while it waits for a slot the
chat says how many questions are ahead of it; the llm engine's draft appears as the model writes
it and is then replaced by the checked answer. Gradio's own queue does not hold chat events
back (``concurrency_limit=None``): the ask pool bounds the work, and searches never wait on it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant import ASK_K, DEFAULT_ASK_K, DEFAULT_ENGINE, ENGINE_NAMES, Answer, AskRequest
from ui.ask_stream import AskStream, Token, Waiting, pieces
from ui.errors import classify
from ui.services import Services
from ui.web.citation_panel import citation_panel
from ui.web.filter_controls import FilterControls, build_filters, filter_controls, raw_dates_js
from ui.web.render import PANEL_PLACEHOLDER, answer_markdown, full_answer, md_escape

log = logging.getLogger(__name__)

ENGINE_INFO = (
    "extractive: the sentences that answer, quoted (under a second); llm: the local model writes "
    "the answer from the same passages (about 10–30 s on two cores; checked, else the "
    "extractive answer)"
)
CHAT_MAX_K = 20  # the slider's end (a request allows up to ASK_K[1])
STREAM_DELAY_S = 0.02  # between pieces, so the answer visibly streams in
THINKING = "…"

Messages = list[dict[str, str]]
Outputs = tuple[Any, Messages, Messages, Messages]


@dataclass
class ChatTab:
    filters: FilterControls
    chatbot: gr.Chatbot  # its examples (questions drawn from the index) are set on page load


def build_chat_tab(services: Services) -> ChatTab:
    display = gr.State([])  # messages as shown (rendered Markdown)
    conversation = gr.State([])  # the raw turns, passed as history for follow-ups
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = _chatbot()
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Ask about the news, e.g. How many drones were launched?",
                    show_label=False,
                    elem_id="question",
                    scale=5,
                    lines=1,
                    max_lines=4,
                )
                ask = gr.Button("Ask", variant="primary", elem_id="ask", scale=1)
                clear = gr.Button("New conversation", elem_id="clear", scale=1)
            filters = filter_controls("chat")
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
    ) -> AsyncIterator[Outputs]:
        filters = (sources, since, until, as_of)
        async for out in _respond(services, question, shown, turns, filters, k, engine_name):
            yield out

    inputs = [question, display, conversation, *filters.inputs, k, engine]
    outputs = [question, chatbot, display, conversation]
    typed = raw_dates_js("chat", inputs.index(filters.since))
    unqueued: dict[str, Any] = {"concurrency_limit": None}  # the ask pool bounds the work
    ask.click(respond, inputs, outputs, api_name="chat", js=typed, **unqueued)
    question.submit(respond, inputs, outputs, api_visibility="private", js=typed, **unqueued)
    chatbot.example_select(_example_text, None, question, api_visibility="private").then(
        respond, inputs, outputs, api_visibility="private", **unqueued
    )
    clear.click(
        lambda: ("", [], [], [], PANEL_PLACEHOLDER),
        None,
        [question, chatbot, display, conversation, panel],
        api_visibility="private",
    )
    return ChatTab(filters, chatbot)


def _example_text(selected: gr.SelectData) -> str:
    """The clicked example question, into the question box."""
    value = selected.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


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


async def _respond(
    services: Services,
    question: str,
    shown: Messages,
    turns: Messages,
    chosen: tuple[list[str] | None, str | None, str | None, str | None],
    k: float,
    engine: str | None,
) -> AsyncIterator[Outputs]:
    question = (question or "").strip()
    if not question:
        yield gr.update(), shown, shown, turns
        return
    shown = [*shown, {"role": "user", "content": md_escape(question)}]

    def showing(content: str) -> Outputs:
        return "", [*shown, {"role": "assistant", "content": content}], shown, turns

    yield showing(_working(engine))
    draft = ""
    try:
        filters = build_filters(*chosen)
        request = AskRequest(question, turns, filters, int(k or DEFAULT_ASK_K), engine)
        async for event in AskStream(services, request).events():  # the pool /api/ask uses
            if isinstance(event, Waiting):
                yield showing(_waiting(event.ahead) if event.ahead else _working(engine))
            elif isinstance(event, Token):
                draft += event.text
                yield showing(answer_markdown(draft, ()) + " ▍")
            else:
                answer: Answer = event
    except Exception as exc:
        known = classify(exc)
        if known is None:
            log.exception("chat")
            known = (500, "internal_error", type(exc).__name__)
        failed = [*shown, {"role": "assistant", "content": f"⚠️ {md_escape(known[2])}"}]
        yield "", failed, failed, turns
        return
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


def _working(engine: str | None) -> str:
    if engine == "llm":
        return "*The model is reading the passages; its answer appears as it writes…*"
    return THINKING


def _waiting(ahead: int) -> str:
    plural = "question is" if ahead == 1 else "questions are"
    return f"*Waiting for a free answer slot: {ahead} {plural} ahead of yours…*"
