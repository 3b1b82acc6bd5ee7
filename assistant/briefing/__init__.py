"""Briefings: a period's stories ranked by what an editor would call importance, each with one
or two key sentences quoted and cited like an answer's (``Briefer``)."""

from assistant.briefing.briefer import Briefer
from assistant.briefing.records import Briefing, BriefItem

__all__ = ["BriefItem", "Briefer", "Briefing"]
