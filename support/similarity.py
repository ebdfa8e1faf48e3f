"""Text similarity for repeated topics and the FAQ: PostgreSQL's pg_trgm.

`similarity` is pg_trgm's ``similarity()`` (shared trigrams over all trigrams of both texts),
`word_similarity` its ``word_similarity()`` (how much of a short query is found in a longer text).
On PostgreSQL they run in the database (``TrigramSimilarity``, ``TrigramWordSimilarity``, from the
``pg_trgm`` extension the support migrations enable); on SQLite (the quick start) the same
measures are computed in Python over the rows, so the feature works there too, more slowly.

What is compared is a *similarity key*: the meaningful words of a text (see :func:`similarity_key`),
so greetings and stopwords do not make two tickets alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Greatest

from support.summaries import local

KEY_TERMS = 8


def similarity_key(title: str, body: Iterable[str] = ()) -> str:
    """The words that say what a text is about: the title's meaningful words, then the body's
    heaviest terms (at most KEY_TERMS), each once."""
    words = list(dict.fromkeys([*local.terms(title), *local.key_terms(list(body), limit=KEY_TERMS)]))
    return " ".join(words)


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each alphanumeric word lowercased, padded with two spaces before and
    one after."""
    found: set[str] = set()
    for word in re.findall(r"[^\W_]+", text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def py_similarity(a: str, b: str) -> float:
    first, second = _trigrams(a), _trigrams(b)
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def py_word_similarity(query: str, text: str) -> float:
    """An approximation of pg_trgm's word_similarity: the share of the query's trigrams found in
    the text (pg_trgm looks for them in one stretch of consecutive words)."""
    wanted = _trigrams(query)
    return len(wanted & _trigrams(text)) / len(wanted) if wanted else 0.0


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def ranked(
    queryset: QuerySet,
    *,
    field: str,
    text: str,
    threshold: float,
    question_field: str | None = None,
    word: bool = False,
) -> list[tuple[object, float]]:
    """The rows of `queryset` whose `field` is like `text` (similarity at least `threshold`), most
    similar first (ties by id), each with its score. `word`: score by word similarity of `text`
    in the field (a short search in a longer text). `question_field`: also score `text` against
    that field by similarity, and take the better of the two."""
    if not text.strip():
        return []
    if on_postgres():
        main = TrigramWordSimilarity(Value(text), F(field)) if word else TrigramSimilarity(field, Value(text))
        score = Greatest(main, TrigramSimilarity(question_field, Value(text))) if question_field else main
        rows = queryset.annotate(_score=score).filter(_score__gte=threshold).order_by("-_score", "pk")
        return [(row, float(row._score)) for row in rows]
    scored = []
    for row in queryset:
        value = getattr(row, field) or ""
        score = py_word_similarity(text, value) if word else py_similarity(value, text)
        if question_field:
            score = max(score, py_similarity(getattr(row, question_field) or "", text))
        if score >= threshold:
            scored.append((row, score))
    return sorted(scored, key=lambda item: (-item[1], item[0].pk))
