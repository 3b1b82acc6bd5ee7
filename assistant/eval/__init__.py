"""``newsrag eval``: retrieval and answer quality on a question file (rtqa-news format).

``run`` (the command: questions, modes, the report), ``answers`` (scoring an answer),
``matching`` (does a text state an answer), ``stats`` (means and percentiles).
"""

from assistant.eval.run import evaluate, format_report, parse_modes, read_questions

__all__ = ["evaluate", "format_report", "parse_modes", "read_questions"]
