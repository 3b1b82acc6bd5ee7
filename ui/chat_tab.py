"""The Chat tab: streamed answers with ``[n]`` citation links, sources under each answer,
filters, and the side panel that shows a clicked citation inside its article."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ui.chat_render import PANEL_PLACEHOLDER, answer_markdown, full_answer, md_escape
from ui.citation_panel import citation_panel
from ui.errors import classify
from ui.filter_controls import FilterControls, build_filters, filter_controls, raw_dates_js
from ui.services import AskRequest, Services
from ui.streaming import pieces

log = logging.getLogger(__name__)

ENGINE_INFO = (
    "extractive: the sentences that answer, quoted (under a second); llm: the local model writes "
    "the answer from the same passages (about 10–30 s on two cores; checked, else the "
    "extractive answer)"
)
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
                ["extractive", "llm"],
                value="extractive",
                label="Answer engine",
                info=ENGINE_INFO,
                elem_id="chat-engine",
                visible=services.settings.llm_provider.lower() != "none",
            )
            with gr.Accordion("Advanced", open=False):
                k = gr.Slider(
                    1, 20, value=6, step=1, label="Passages to read (top-k)", elem_id="chat-k"
                )
        with gr.Column(scale=2):
            panel = citation_panel(services, "#chat-answers", "chat-panel")

    def respond(
        question: str,
        shown: Messages,
        turns: Messages,
        sources: list[str] | None,
        since: str | None,
        until: str | None,
        as_of: str | None,
        k: float,
        engine_name: str | None,
    ) -> Iterator[Outputs]:
        filters = (sources, since, until, as_of)
        yield from _respond(services, question, shown, turns, filters, k, engine_name)

    inputs = [question, display, conversation, *filters.inputs, k, engine]
    outputs = [question, chatbot, display, conversation]
    typed = raw_dates_js("chat", inputs.index(filters.since))
    ask.click(respond, inputs, outputs, api_name="chat", js=typed)
    question.submit(respond, inputs, outputs, api_visibility="private", js=typed)
    chatbot.example_select(_example_text, None, question, api_visibility="private").then(
        respond, inputs, outputs, api_visibility="private"
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


def _respond(
    services: Services,
    question: str,
    shown: Messages,
    turns: Messages,
    chosen: tuple[list[str] | None, str | None, str | None, str | None],
    k: float,
    engine: str | None,
) -> Iterator[Outputs]:
    question = (question or "").strip()
    if not question:
        yield gr.update(), shown, shown, turns
        return
    shown = [*shown, {"role": "user", "content": md_escape(question)}]
    wait = THINKING if engine != "llm" else "*The local model is writing (about 10–30 s)…*"
    thinking = [*shown, {"role": "assistant", "content": wait}]
    yield "", thinking, shown, turns
    try:
        filters = build_filters(*chosen)
        request = AskRequest(question, turns, filters, filters.as_of, int(k or 6), engine)
        answer = services.ask(request)  # on the bounded ask pool, like POST /api/ask
    except Exception as exc:
        known = classify(exc)
        if known is None:
            log.exception("chat")
            known = (500, "internal_error", type(exc).__name__)
        failed = [*shown, {"role": "assistant", "content": f"⚠️ {md_escape(known[2])}"}]
        yield "", failed, failed, turns
        return
    so_far = ""
    for piece in pieces(answer.text):
        so_far += piece
        partial = answer_markdown(so_far, answer.citations)
        yield "", [*shown, {"role": "assistant", "content": partial}], shown, turns
        time.sleep(STREAM_DELAY_S)
    final = [*shown, {"role": "assistant", "content": full_answer(answer)}]
    turns = [
        *turns,
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer.text},
    ]
    yield "", final, final, turns
