"""The local extractive summariser: no network, no model.

The conversation is split into sentences; each term's weight is its frequency over the whole
conversation times its inverse sentence frequency (``tf * log(1 + N / sf)``: a term repeated
through the conversation but not in every sentence weighs most), a sentence's score is the sum of
its distinct terms' weights divided by the square root of its length in terms (so long sentences
do not win by length alone). The best `max_sentences` sentences are kept, in their original
order, within `max_chars` characters (a single sentence longer than that is cut at a word);
sentences without a meaningful word (greetings, "ok") are never picked.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# Common English words that carry no topic.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each few for from
    further get got had has have having he her here hers herself him himself his how i if in into is
    it its itself just let me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own please same she should so some still such than thank thanks that the
    their theirs them themselves then there these they this those through to too under until up us
    very was we were what when where which while who whom why will with would yes yet you your yours
    yourself hi hello ok okay sure i'm it's don't can't""".split()  # noqa: SIM905 - a word list reads best as text
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[a-z0-9][a-z0-9'_-]*")


def sentences(texts: Iterable[str]) -> list[str]:
    """The sentences of the texts, in order, whitespace collapsed, empty ones and exact repeats
    dropped."""
    seen: set[str] = set()
    found = []
    for text in texts:
        for raw in _SENTENCE_END.split(text or ""):
            sentence = " ".join(raw.split())
            key = sentence.lower()
            if sentence and key not in seen:
                seen.add(key)
                found.append(sentence)
    return found


def terms(text: str) -> list[str]:
    """The text's words that carry meaning: lowercased, accents folded, stopwords and one-letter
    words out."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return [word.strip("'-_") for word in _WORD.findall(folded) if len(word) > 1 and word not in STOPWORDS]


def term_weights(items: list[str]) -> dict[str, float]:
    """Each term's weight over `items` (sentences): frequency times inverse sentence frequency."""
    per_item = [terms(item) for item in items]
    frequency = Counter(term for item_terms in per_item for term in item_terms)
    spread = Counter(term for item_terms in per_item for term in set(item_terms))
    count = len(items)
    return {term: frequency[term] * math.log(1 + count / spread[term]) for term in frequency}


@dataclass(frozen=True)
class Scored:
    index: int
    sentence: str
    score: float


def score_sentences(items: list[str]) -> list[Scored]:
    """Every sentence with its score, in the original order."""
    weights = term_weights(items)
    scored = []
    for index, sentence in enumerate(items):
        words = terms(sentence)
        score = sum(weights[term] for term in set(words)) / math.sqrt(len(words)) if words else 0.0
        scored.append(Scored(index, sentence, score))
    return scored


def clip(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word with an ellipsis when it is longer."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)].rsplit(" ", 1)[0] if " " in text[: max(limit - 1, 0)] else text[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def summarize(texts: Iterable[str], *, max_sentences: int = 3, max_chars: int = 600) -> str:
    """The extractive summary of `texts` (the messages, in order): at most `max_sentences` of the
    best sentences, in their original order, joined by spaces, at most `max_chars` characters.
    Empty for a conversation without a meaningful sentence."""
    items = sentences(texts)
    if not items or max_sentences < 1 or max_chars < 1:
        return ""
    # A sentence without a meaningful word (a greeting, "ok") is never picked.
    ranked = sorted((s for s in score_sentences(items) if s.score > 0), key=lambda s: (-s.score, s.index))
    if not ranked:
        return ""
    chosen: list[Scored] = []
    used = 0
    for candidate in ranked:
        if len(chosen) >= max_sentences:
            break
        extra = len(candidate.sentence) + (1 if chosen else 0)
        if used + extra > max_chars:
            continue  # a shorter, lower-ranked sentence may still fit
        chosen.append(candidate)
        used += extra
    if not chosen:  # even the best sentence alone is too long: cut it
        return clip(ranked[0].sentence, max_chars)
    return " ".join(s.sentence for s in sorted(chosen, key=lambda s: s.index))


def key_terms(texts: Iterable[str], *, limit: int = 12) -> list[str]:
    """The heaviest terms of `texts`, heaviest first (ties alphabetical)."""
    weights = term_weights(sentences(texts))
    return [term for term, _ in sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:limit]]
