"""What a sentence of an article is there for: news, or the page around it — a photo caption or
credit ("(Photo by … /Getty Images)", "Hide Caption 4 of 21", "File photo"), an editor's note
or correction ("Editor's note: This page recaps…"), a video or newsletter promotion ("MUST
WATCH … 03:12", "Sign up for …"). Only news is fit to stand for an article (its key sentence, a
timeline entry). Pure functions over one sentence's text; nothing is rewritten.
"""

from __future__ import annotations

import re
from enum import StrEnum


class SentenceRole(StrEnum):
    NEWS = "news"
    CAPTION = "caption"  # a photo's caption or credit
    NOTE = "note"  # an editor's note, a correction, an update notice
    PROMO = "promo"  # a video, gallery, newsletter or app promotion


_AGENCIES = (
    r"Getty\s+Images|AP(?:\s+Photo)?|AFP|Reuters|EPA(?:-EFE)?|Shutterstock|Bloomberg|NurPhoto|"
    r"Invision|Sipa(?:\s+USA)?|Pool|SOPA\s+Images|LightRocket|Anadolu(?:\s+Agency)?|Xinhua|"
    r"USA\s+TODAY(?:\s+Sports|\s+NETWORK)?|Imagn(?:\s+Content\s+Services)?"
)
_CAPTION = (
    re.compile(  # any case: "(Photo by …", "(AP Photo/…", "Photo: …", "In this file photo, …"
        r"\((?:AP\s+|Reuters\s+|AFP\s+)?Photo(?:graph)?s?\s*(?:by\b|:|/|courtesy\b)|"
        r"\b(?:AP|Reuters|AFP)\s+Photo\s*/|"
        r"^\W*(?:Photo|Photograph|Image|Picture|Pictured|Caption|Credit|Photo\s+credit|File|"
        r"Photos|Gallery)\s*:|"
        r"^\W*(?:\(\s*FILE\s*\)|FILE\s*[-–—]|File\s+photo\b)|"
        r"^\W*In\s+(?:this|these|a)\s+(?:file\s+)?(?:photo|image|picture|handout|photograph)s?\b|"
        r"\b(?:Hide|Show|Expand)\s+Caption\b|"
        r"\(\s*(?:Credit|Courtesy)\b[^)]*\)\s*$|"
        r"^\W*(?:Story|Text|Words|Reporting)\s+by\b[^|]*\|",  # a byline: "Story by … | Photos by …"
        re.IGNORECASE,
    ),
    re.compile(  # as credits are written: "Shaun Botterill/Getty Images", "Rich Fury/Invision/AP"
        rf"\b[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+)+\s*/\s*(?:[A-Z][\w&.'’ -]*/\s*)*"
        rf"(?:{_AGENCIES})\b|"
        r"\b(?:Getty\s+Images|Shutterstock|AP\s+Photo)\s*\)?\s*$|"
        r"\bPhotos?\s+(?:by|courtesy\s+of)\s+[A-Z]"
    ),
)
_NOTE = re.compile(
    # "Editor's note: …", "EDITOR’S NOTE —", "Corrections & clarifications: …"
    r"^\W*(?:editor['’]?s?['’]?\s+note|note\s+to\s+(?:our\s+)?readers|"
    r"corrections?\s*(?:&|and)\s*clarifications?|correction|clarification)\s*[:.—–-]|"
    # "This story has been updated …", "This page recaps …", "This is a recap of …"
    r"^\W*(?:this|the)\s+(?:story|article|page|post|report|piece)\s+(?:has\s+been|was|is|"
    r"will\s+be)\s+(?:updated|corrected|originally|first\s+published|being\s+updated)\b|"
    r"^\W*this\s+(?:page|post|story|article)\s+(?:recaps|summari[sz]es|contains|covers)\b|"
    r"^\W*this\s+is\s+(?:a\s+)?(?:recap|summary|transcript)\s+of\b",
    re.IGNORECASE,
)
_PROMO = (
    re.compile(r"^\W*(?:MUST WATCH|JUST WATCHED|WATCH|VIDEO|LISTEN|RELATED|READ MORE|SEE ALSO)\b"),
    re.compile(
        r"^\W*(?:sign\s+up|subscribe)\s+(?:for|to|here|now|today)\b|"
        r"^\W*(?:click\s+here|follow\s+(?:us|our|here|along)\b|download\s+the\s+\w+\s+app)|"
        r"^\W*(?:see|view)\s+(?:more\s+)?(?:photos|pictures|the\s+gallery)\b|"
        r"\bReplay\s+More\s+Videos\b|^\W*Video\s+Ad\s+Feedback\b|"
        r"\b\d{1,2}:\d{2}\s*$",  # a video's running time: "… after conceding primary 03:12"
        re.IGNORECASE,
    ),
)


def sentence_role(sentence: str) -> SentenceRole:
    """What the sentence is there for (NEWS unless it reads as a caption, note or promo)."""
    text = " ".join(sentence.split())
    if _NOTE.search(text):
        return SentenceRole.NOTE
    if any(p.search(text) for p in _CAPTION):
        return SentenceRole.CAPTION
    if any(p.search(text) for p in _PROMO):
        return SentenceRole.PROMO
    return SentenceRole.NEWS


def is_news(sentence: str) -> bool:
    """True unless the sentence is a caption, a credit, an editor's note or a promotion."""
    return sentence_role(sentence) is SentenceRole.NEWS
