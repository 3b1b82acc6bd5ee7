"""Answer engines: each turns a question and its retrieved passages into a cited ``Answer``
(``assistant.records.AnswerEngine`` is their Protocol: ``answer(question, hits, article_text,
on_token) -> Answer``, whose citations must pass ``assistant.records.validate``).

``registry`` names them (``ENGINES``), routes a question to one (``route``) and says what each
needs from retrieval (``NEEDS``); ``extractive`` quotes the sentences that answer (with
``short_answer``), ``timeline`` lists how a story developed (``timeline_relevance`` gates its
entries), ``llm`` has a local model write the answer and checks it.
"""
