"""Reading an event out of an announcement: its name, when it happens (once, or every few
weekdays at a local time) and where.

Pure: no database, no clock (``now`` is an argument), no Discord. The announcement watcher calls
:func:`parse_announcement` with a message's text and embed; it either returns a
:class:`ParsedAnnouncement` or refuses with :class:`AnnouncementNotUnderstood`, whose message
says why (the watcher logs it; it never guesses).

Contract with the caller
------------------------
* ``title`` is the embed's title ("" when there is none: the name is then the text's first line).
* ``text`` is the message content followed by the embed description. Discord's timestamp tokens
  must already be replaced by ISO 8601 instants with an offset (``2026-11-21T19:30:00+00:00``):
  the Discord layer does that, because domain code never handles Discord markup. Any other
  angle-bracket token left in the text (mentions, custom emoji) is ignored.
* ``fields`` are the embed's fields as (name, value) pairs; a field named like a label
  ("Date", "📍 Lieu") is read as that label.
* ``zone`` is the guild's zone, ``now`` an aware instant.

What is understood (case and accents as typed; English, Dutch and French)
--------------------------------------------------------------------------
* Labelled lines: ``date:``/``datum:``/``when:``/``wanneer:``/``quand:``, ``time:``/``tijd:``/
  ``heure:``, ``location:``/``locatie:``/``lieu:``/``where:``/``waar:``/``où:``, ``days:``/
  ``dagen:``/``jours:`` (an emoji or bullet before the label is fine). A line starting with 📍 is
  a location.
* Dates: ``21/11``, ``21/11/2026``, ``21.11.2026``, ``21-11-2026``, ``2026-11-21`` (day first,
  always), month names (``21 november``, ``November 21st, 2026``, ``1er décembre``),
  today/tonight/tomorrow, vandaag/vanavond/morgen/overmorgen, aujourd'hui/ce soir/demain/
  après-demain, weekdays (``Friday``, ``vrijdagavond``, ``this Friday``, ``next Friday``,
  ``volgende vrijdag``, ``vendredi prochain``).
* Times: ``20:30``, ``20.30``, ``20u30``, ``20u``, ``20h30``, ``20h``, ``20 uur``, ``8:30 PM``,
  ``8pm``, noon/midi/middag, midnight/minuit/middernacht. A range (``20:30-23:00``) starts at its
  first time.
* Recurring: ``every``/``each``/``elke``/``iedere``/``chaque``/``tous les`` followed by weekdays
  (``every Monday and Thursday``), plural weekdays (``Fridays``, ``vrijdagen``, ``vendredis``),
  every day/elke dag/tous les jours/daily, every weekday/werkdag, every weekend, or a ``days:``
  line in the form the reminder command takes (``mon,wed``, ``0,2``, ``daily``, ``weekdays``,
  ``weekends``, ``ma-vr``).
* Anything else that names a day (``in 3 days``, ``over 2 weken``, ``dans 3 jours``) is read by
  ``dateparser`` (languages en, nl, fr; future dates preferred; in the zone), which supplies the
  day only: the time of day always comes from the deterministic reading above.

Decisions
---------
* Several dates: a labelled date wins, then an ISO instant, then the first line that holds both
  a date and a time, then the first date anywhere (text, then fields, then the title).
* A recurring marker wins over a date: "every Friday, first one on 21/11 at 20:30" is weekly.
* A date without a year is the next such date from today on (29/02 the next leap year's). A date
  with a year that has passed is refused; so is any one-off whose instant is not after ``now``
  (an announcement of an event that already started).
* A bare weekday or "this Friday" is the next such day, today included while its time is still
  ahead; "next Friday" is the next such day after today (on a Friday, the one a week later).
* A weekday written right before a date must agree with it ("Friday 21/11/2026" is refused:
  that is a Saturday).
* A date without a time of day is refused ("No time found"), a time without a day too: the
  watcher must not guess.
* Local wall times follow the time layer (``config.timeutils.parse_local_datetime``): a wall
  time the clocks skip is refused, one that happens twice is the first.
* The name is the title (else the first line), without markdown, at most
  :data:`NAME_MAX_LENGTH` characters.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from config.exceptions import ApplicationError
from config.timeutils import parse_local_datetime, zone_or_error

# Messages people see (in the watcher's log channel); tests assert them.
NO_TEXT = "The announcement has no title and no text."
NO_DATE_OR_TIME = "No date or time found in the announcement."
NO_TIME = "No time found: the announcement gives the day {date} but no time of day."
NO_DATE = "No date found: the announcement gives the time {time} but not the day (write a date, a weekday or every <weekday>)."
NO_TIME_RECURRING = "No time found: the announcement repeats every {days} but gives no time of day."
INVALID_DATE = "The date {value} does not exist."
PAST_DATE = "The date {value} is in the past."
PAST_EVENT = "The event at {when} is not in the future."
DST_GAP = "{value} does not exist in {zone}: the clocks skip that hour for daylight saving time."
WEEKDAY_MISMATCH = "{date} is a {actual}, not a {stated}."
BAD_DAYS = "{value!r} is not a list of days; write for example mon,wed or 0,2 or daily, weekdays, weekends."

NAME_MAX_LENGTH = 100
DATEPARSER_LANGUAGES = ("en", "nl", "fr")
DAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class AnnouncementNotUnderstood(ApplicationError):
    """The announcement does not say unambiguously when its event happens (the message says why)."""

    def __init__(self, template: str, *, params: dict | None = None, field: str | None = "announcement"):
        super().__init__(template, params=params, field=field, code="announcement_not_understood")


@dataclass(frozen=True)
class ParsedAnnouncement:
    name: str  # from the title (embed title, else first line)
    event_time: dt.datetime | None  # aware UTC instant of a one-off
    days: tuple[int, ...]  # 0=Monday..6=Sunday of a recurring one
    time: dt.time | None  # local clock of the recurring one
    location: str  # "" when none
    zone: str  # the zone it was read in

    def is_recurring(self) -> bool:
        return bool(self.days)


# ---------------------------------------------------------------------------- vocabulary

MONTHS = {
    1: ("january", "jan", "januari", "janvier", "janv"),
    2: ("february", "feb", "februari", "février", "fevrier", "févr", "fevr", "fév", "fev"),
    3: ("march", "mar", "maart", "mrt", "mars"),
    4: ("april", "apr", "avril", "avr"),
    5: ("may", "mei", "mai"),
    6: ("june", "jun", "juni", "juin"),
    7: ("july", "jul", "juli", "juillet", "juil"),
    8: ("august", "aug", "augustus", "août", "aout"),
    9: ("september", "sep", "sept", "septembre"),
    10: ("october", "oct", "oktober", "okt", "octobre"),
    11: ("november", "nov", "novembre"),
    12: ("december", "dec", "décembre", "decembre", "déc"),
}
WEEKDAYS = {
    0: ("monday", "maandag", "lundi"),
    1: ("tuesday", "dinsdag", "mardi"),
    2: ("wednesday", "woensdag", "mercredi"),
    3: ("thursday", "donderdag", "jeudi"),
    4: ("friday", "vrijdag", "vendredi"),
    5: ("saturday", "zaterdag", "samedi"),
    6: ("sunday", "zondag", "dimanche"),
}
# Short forms, accepted in a days: line only (in running text "do", "sun", "wed" are words).
WEEKDAY_ABBREVIATIONS = {
    0: ("mon", "ma", "lun"),
    1: ("tue", "tues", "di", "mar"),
    2: ("wed", "wo", "mer"),
    3: ("thu", "thur", "thurs", "do", "jeu"),
    4: ("fri", "vr", "ven"),
    5: ("sat", "za", "sam"),
    6: ("sun", "zo", "dim"),
}
MONTH_BY_NAME = {name: number for number, names in MONTHS.items() for name in names}
WEEKDAY_BY_NAME = {name: number for number, names in WEEKDAYS.items() for name in names}
DAY_TOKEN = {
    **WEEKDAY_BY_NAME,
    **{name: number for number, names in WEEKDAY_ABBREVIATIONS.items() for name in names},
}
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)
WORKING_DAYS = (0, 1, 2, 3, 4)
WEEKEND_DAYS = (5, 6)
DAY_SETS = {
    "daily": ALL_DAYS, "everyday": ALL_DAYS, "dagelijks": ALL_DAYS, "quotidien": ALL_DAYS,
    "weekdays": WORKING_DAYS, "weekday": WORKING_DAYS, "werkdagen": WORKING_DAYS, "semaine": WORKING_DAYS,
    "weekends": WEEKEND_DAYS, "weekend": WEEKEND_DAYS, "week-end": WEEKEND_DAYS, "week-ends": WEEKEND_DAYS,
    "day": ALL_DAYS, "dag": ALL_DAYS, "jour": ALL_DAYS, "jours": ALL_DAYS,
}  # fmt: skip
# Words around days that say nothing more ("every Friday", "tous les lundis", "op maandag").
DAY_FILLER = frozenset({"every", "each", "on", "elke", "iedere", "op", "chaque", "tous", "toutes", "les", "le"})

LABELS = {
    "date": ("date", "datum", "day", "dag", "jour", "when", "wanneer", "quand"),
    "time": ("time", "tijd", "tijdstip", "heure", "hour", "uur", "start", "starts", "begin", "début", "debut"),
    "location": ("location", "locatie", "lieu", "where", "waar", "où", "place", "plaats", "venue", "endroit"),
    "days": ("days", "dagen", "jours"),
}
LABEL_KIND = {label: kind for kind, labels in LABELS.items() for label in labels}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


_MONTH = _alternation(MONTH_BY_NAME)
_WEEKDAY = _alternation(WEEKDAY_BY_NAME)
# Dutch compounds ("vrijdagavond") and plurals ("Fridays", "vrijdagen", "vendredis").
_DAY_PART = r"(?:avond|middag|ochtend|nacht|morgen)?"

_LABEL_RE = re.compile(rf"^[^\w]*?({_alternation(LABEL_KIND)})\s*[:：]\s*(.*)$")
_PIN_RE = re.compile(r"^\s*📍\s*(.+)$")
_URL_RE = re.compile(r"https?://\S+")
_TOKEN_RE = re.compile(r"<[^<>\s]{1,120}>")
_MARKDOWN_RE = re.compile(r"[*_~`|>]+|^#+\s*", re.MULTILINE)

_INSTANT_RE = re.compile(
    r"(?<![\d-])(\d{4}-\d{2}-\d{2})[tT ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(z|Z|[+-]\d{2}:?\d{2})(?![\d:])"
)
_ISO_DATE_RE = re.compile(r"(?<![\d/.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/.-]|:\d)")
# Slashes with or without a year; dots and dashes only with one ("20.30" is a time, "20-23" a range).
_NUMERIC_DATE_RE = re.compile(
    r"(?<![\d/.:-])(?!24/7(?![\d/]))(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])"  # "24/7" means always
    r"|(?<![\d/.:-])(\d{1,2})([.-])(\d{1,2})\5(\d{4})(?![\d/.-])"
)
_ORDINAL = r"(?:st|nd|rd|th|er|re|e|ste|de)?"
_DAY_MONTH_RE = re.compile(
    rf"(?<![\w/.:])(\d{{1,2}}){_ORDINAL}\s*(?:of\s+)?({_MONTH})(?![^\W\d_])\.?(?:,?\s+(\d{{4}})(?![\d:.h]))?"
)
_MONTH_DAY_RE = re.compile(
    rf"(?<![^\W\d_])({_MONTH})\.?\s+(\d{{1,2}}){_ORDINAL}(?![\d:.hu])(?:,?\s+(\d{{4}})(?![\d:.h]))?"
)
_RELATIVE = {
    0: ("today", "tonight", "vandaag", "vanavond", "vannacht", "aujourd'hui", "aujourdhui", "ce soir"),
    1: ("tomorrow", "morgen", "morgenavond", "morgenmiddag", "morgenochtend", "demain"),
    2: ("day after tomorrow", "overmorgen", "après-demain", "apres-demain", "après demain"),
}
_RELATIVE_BY_WORD = {word: offset for offset, words in _RELATIVE.items() for word in words}
_RELATIVE_RE = re.compile(rf"(?<![^\W\d_])({_alternation(_RELATIVE_BY_WORD)})(?![^\W\d_])")
_NEXT_WORDS = ("next", "volgende", "prochain", "prochaine")
_THIS_WORDS = ("this", "coming", "deze", "komende", "ce", "cette")
_WEEKDAY_RE = re.compile(
    rf"(?<![^\W\d_])(?:({_alternation(_NEXT_WORDS + _THIS_WORDS)})\s+)?({_WEEKDAY}){_DAY_PART}"
    rf"(?:\s+({_alternation(_NEXT_WORDS)}))?(?![^\W\d_])"
)
_PLURAL_WEEKDAY_RE = re.compile(rf"(?<![^\W\d_])({_WEEKDAY})(?:s|en){_DAY_PART}(?![^\W\d_])")
_EVERY = r"(?:every|each|elke|iedere|chaque|tous\s+les|toutes\s+les|alle)"
_CONNECTOR = r"(?:\s*(?:,|&|/|\+|\band\b|\ben\b|\bet\b)\s*|\s+)"
_EVERY_DAYS_RE = re.compile(
    rf"(?<![^\W\d_]){_EVERY}\s+((?:{_WEEKDAY})(?:s|en)?{_DAY_PART}(?:{_CONNECTOR}(?:{_WEEKDAY})(?:s|en)?{_DAY_PART})*)(?![^\W\d_])"
)
_EVERY_SET_RE = re.compile(
    r"(?<![^\W\d_])(?:(?:every|each|elke|iedere)\s+(day|weekday|working\s+day|werkdag|weekend)"
    r"|tous\s+les\s+(jours|week-ends?)|(daily|dagelijks|quotidien)|en\s+(semaine))(?![^\W\d_])"
)

_AMPM = r"(?:\s*([ap])\.?\s?m\.?(?![^\W\d_]))?"
_CLOCK_RE = re.compile(
    rf"(?<![\d:/.,€$£-])([01]?\d|2[0-3])\s?(?:[:.hu]|uur)\s?([0-5]\d)(?::[0-5]\d)?(?![\d/]|:\d){_AMPM}"
)
_HOUR_RE = re.compile(
    r"(?<![\d:/.,-])([01]?\d|2[0-3])\s?(?:(h|u|uur|heures?)(?![^\W\d_])|([ap])\.?\s?m\.?(?![^\W\d_])|o'clock)"
)
_NAMED_TIMES = {"noon": 12, "midi": 12, "middag": 12, "midnight": 0, "minuit": 0, "middernacht": 0}
_NAMED_TIME_RE = re.compile(rf"(?<![^\W\d_])({_alternation(_NAMED_TIMES)})(?![^\W\d_])")


# ---------------------------------------------------------------------------- what a piece of text holds


@dataclass(frozen=True)
class _ExplicitDate:
    raw: str
    day: int
    month: int
    year: int | None
    stated_weekday: int | None = None


@dataclass(frozen=True)
class _RelativeDate:
    offset: int  # days after today


@dataclass(frozen=True)
class _WeekdayDate:
    weekday: int
    after_today: bool  # "next Friday": not today even if today is a Friday


_DateCandidate = _ExplicitDate | _RelativeDate | _WeekdayDate


@dataclass
class _Findings:
    instants: list[dt.datetime] = field(default_factory=list)
    dates: list[_DateCandidate] = field(default_factory=list)
    times: list[dt.time] = field(default_factory=list)
    residue: str = ""  # the text without what was recognised, for dateparser


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("’", "'").replace("‘", "'").replace("\u00a0", " ")
    text = _URL_RE.sub(" ", text)
    text = _TOKEN_RE.sub(" ", text)
    return _MARKDOWN_RE.sub(" ", text)


def _blank(text: str, match: re.Match) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def _scan(segment: str) -> _Findings:
    """Every instant, date and time in one line (already normalised), in reading order."""
    found = _Findings()
    text = segment
    for match in _INSTANT_RE.finditer(text):
        offset = match[3].upper()
        try:
            instant = dt.datetime.fromisoformat(f"{match[1]}T{match[2]}{offset}")
        except ValueError:
            continue
        found.instants.append(instant.astimezone(dt.UTC))
        text = _blank(text, match)
    text = text.lower()

    dated: list[tuple[int, _DateCandidate]] = []
    for match in _ISO_DATE_RE.finditer(text):
        dated.append((match.start(), _ExplicitDate(match[0], int(match[3]), int(match[2]), int(match[1]))))
        text = _blank(text, match)
    for match in _NUMERIC_DATE_RE.finditer(text):
        if match[1]:
            day, month, year = int(match[1]), int(match[2]), _year(match[3])
        else:
            day, month, year = int(match[4]), int(match[6]), _year(match[7])
        dated.append((match.start(), _ExplicitDate(match[0].strip(), day, month, year)))
        text = _blank(text, match)
    for pattern, day_group, month_group in ((_DAY_MONTH_RE, 1, 2), (_MONTH_DAY_RE, 2, 1)):
        for match in pattern.finditer(text):
            month = MONTH_BY_NAME[match[month_group]]
            dated.append(
                (match.start(), _ExplicitDate(match[0].strip(), int(match[day_group]), month, _year(match[3])))
            )
            text = _blank(text, match)
    # A weekday right before an explicit date states that date's weekday; elsewhere it is the date.
    for match in _WEEKDAY_RE.finditer(text):
        weekday = WEEKDAY_BY_NAME[match[2]]
        following = [
            (start, date)
            for start, date in dated
            if isinstance(date, _ExplicitDate) and 0 <= start - match.end() <= 6
            and re.fullmatch(r"[\s,]*(?:the|le|de|den)?[\s,]*", text[match.end() : start])
        ]  # fmt: skip
        if following:
            start, date = following[0]
            dated[dated.index((start, date))] = (
                start,
                _ExplicitDate(date.raw, date.day, date.month, date.year, stated_weekday=weekday),
            )
        else:
            after_today = bool((match[1] and match[1] in _NEXT_WORDS) or match[3])
            dated.append((match.start(), _WeekdayDate(weekday, after_today)))
        text = _blank(text, match)
    for match in _RELATIVE_RE.finditer(text):
        dated.append((match.start(), _RelativeDate(_RELATIVE_BY_WORD[match[1]])))
        text = _blank(text, match)
    found.dates = [date for _, date in sorted(dated, key=lambda item: item[0])]

    timed: list[tuple[int, dt.time]] = []
    for match in _CLOCK_RE.finditer(text):
        clock = _clock(int(match[1]), int(match[2]), match[3])
        if clock is not None:
            timed.append((match.start(), clock))
        text = _blank(text, match)
    for match in _HOUR_RE.finditer(text):
        clock = _clock(int(match[1]), 0, match[3])
        if clock is not None:
            timed.append((match.start(), clock))
        text = _blank(text, match)
    for match in _NAMED_TIME_RE.finditer(text):
        timed.append((match.start(), dt.time(_NAMED_TIMES[match[1]], 0)))
        text = _blank(text, match)
    found.times = [clock for _, clock in sorted(timed, key=lambda item: item[0])]
    found.residue = " ".join(text.split())
    return found


def _clock(hour: int, minute: int, meridiem: str | None) -> dt.time | None:
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    return dt.time(hour, minute)


# ---------------------------------------------------------------------------- days of a recurring one


def parse_days(value: str) -> tuple[int, ...]:
    """Weekdays (0 = Monday) from what people type for a repeating event: names or short names in
    English, Dutch or French, numbers 0-6, ranges (``mon-fri``), ``daily``, ``weekdays``,
    ``weekends``, separated by commas, spaces or and/en/et. Sorted, without repeats.
    :class:`AnnouncementNotUnderstood` when a part is not a day."""
    text = _normalise(value).lower().strip()
    days: set[int] = set()
    parts = [part for part in re.split(r"\s*(?:,|;|&|\+|\s\band\b\s|\s\ben\b\s|\s\bet\b\s)\s*|\s+", text) if part]
    if not parts:
        raise AnnouncementNotUnderstood(BAD_DAYS, params={"value": str(value)[:64]}, field="days")
    parts = [part for part in parts if part not in DAY_FILLER] or parts
    for part in parts:
        if part in DAY_SETS:
            days.update(DAY_SETS[part])
            continue
        ends = part.split("-")
        if len(ends) == 2 and all(_day_token(end) is not None for end in ends):
            first, last = (_day_token(end) for end in ends)
            days.update((first + step) % 7 for step in range((last - first) % 7 + 1))
            continue
        day = _day_token(part)
        if day is None:
            raise AnnouncementNotUnderstood(BAD_DAYS, params={"value": str(value)[:64]}, field="days")
        days.add(day)
    return tuple(sorted(days))


def _day_token(token: str) -> int | None:
    token = token.strip(".")
    if re.fullmatch(r"[0-6]", token):
        return int(token)
    if token in DAY_TOKEN:
        return DAY_TOKEN[token]
    # Plurals: "mondays", "maandagen", "lundis".
    for suffix in ("s", "en"):
        if token.endswith(suffix) and token[: -len(suffix)] in WEEKDAY_BY_NAME:
            return WEEKDAY_BY_NAME[token[: -len(suffix)]]
    return None


def _recurring_days(text: str) -> tuple[int, ...]:
    """The weekdays of "every Monday and Thursday", "elke vrijdag", "tous les lundis", "Fridays"."""
    lowered = text.lower()
    days: set[int] = set()
    for match in _EVERY_DAYS_RE.finditer(lowered):
        for name in re.finditer(_WEEKDAY, match[1]):
            days.add(WEEKDAY_BY_NAME[name[0]])
    for match in _PLURAL_WEEKDAY_RE.finditer(lowered):
        days.add(WEEKDAY_BY_NAME[match[1]])
    for match in _EVERY_SET_RE.finditer(lowered):
        word = next(group for group in match.groups() if group)
        if word in ("day", "jours", "daily", "dagelijks", "quotidien"):
            days.update(ALL_DAYS)
        elif word.startswith("week-end") or word == "weekend":
            days.update(WEEKEND_DAYS)
        else:
            days.update(WORKING_DAYS)
    return tuple(sorted(days))


# ---------------------------------------------------------------------------- the whole announcement


def _clean_line(line: str) -> str:
    return " ".join(line.split()).strip(" -–—:•")


def _name(title: str, lines: Sequence[str]) -> str:
    """The title, else the first line that is not a labelled one, else the first line."""
    unlabelled = [line for line in lines if not _LABEL_RE.match(line.strip().lower()) and not _PIN_RE.match(line)]
    for candidate in (_normalise(title), *unlabelled, *lines):
        name = _clean_line(candidate)
        if name:
            if len(name) > NAME_MAX_LENGTH:
                name = name[: NAME_MAX_LENGTH - 1].rstrip() + "…"
            return name
    raise AnnouncementNotUnderstood(NO_TEXT)


def parse_announcement(
    *,
    title: str,
    text: str,
    fields: Sequence[tuple[str, str]] = (),
    zone: zoneinfo.ZoneInfo | str,
    now: dt.datetime,
) -> ParsedAnnouncement:
    """What an announcement says about its event, read in `zone` as of `now` (see the module
    docstring for the formats and decisions). A one-off's ``event_time`` is always after `now`.
    Raises :class:`AnnouncementNotUnderstood` when it cannot say when the event happens."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = zone_or_error(zone)
    lines = [line for line in _normalise(text).splitlines() if line.strip()]
    name = _name(title, lines)

    labelled: dict[str, list[str]] = {kind: [] for kind in LABELS}
    free: list[str] = []
    for line in lines:
        _sort_line(line, labelled, free)
    for field_name, value in fields:
        label = _LABEL_RE.match(f"{_normalise(field_name).strip().lower()}: ")
        if label and label[2] == "":
            labelled[LABEL_KIND[label[1]]].extend(part for part in _normalise(value).splitlines() if part.strip())
        else:
            for line in _normalise(f"{field_name}\n{value}").splitlines():
                if line.strip():
                    _sort_line(line, labelled, free)
    title_text = _normalise(title)

    location = next((_clean_line(value) for value in labelled["location"] if _clean_line(value)), "")

    # The labelled date and time are read together; then every other line; the title last.
    segments = []
    if labelled["date"] or labelled["time"]:
        segments.append(" ".join(labelled["date"] + labelled["time"]))
    segments.extend(free)
    if title_text.strip():
        segments.append(title_text)
    findings = [_scan(segment) for segment in segments]

    if labelled["days"]:
        days = parse_days(" ".join(labelled["days"]))
    else:
        days = _recurring_days("\n".join([*lines, *(_normalise(f"{n} {v}") for n, v in fields), title_text]))

    instants = [instant for found in findings for instant in found.instants]
    if days:
        clock = _first_time(findings)
        if clock is None and instants:
            clock = instants[0].astimezone(zone).time().replace(second=0, microsecond=0, tzinfo=None)
        if clock is None:
            raise AnnouncementNotUnderstood(NO_TIME_RECURRING, params={"days": _days_text(days)})
        return ParsedAnnouncement(name=name, event_time=None, days=days, time=clock, location=location, zone=zone.key)

    labelled_first = bool(labelled["date"] or labelled["time"])
    if labelled_first and findings[0].instants:
        event_time = findings[0].instants[0]
    elif instants and not (labelled_first and findings[0].dates):
        event_time = instants[0]
    else:
        event_time = _one_off(findings, labelled_first=labelled_first, zone=zone, now=now)
    if event_time <= now:
        raise AnnouncementNotUnderstood(PAST_EVENT, params={"when": event_time})
    return ParsedAnnouncement(name=name, event_time=event_time, days=(), time=None, location=location, zone=zone.key)


def _sort_line(line: str, labelled: dict[str, list[str]], free: list[str]) -> None:
    pin = _PIN_RE.match(line)
    if pin:
        labelled["location"].append(pin[1])
        return
    label = _LABEL_RE.match(line.strip().lower())
    if label and label[2].strip():
        start = len(line.strip()) - len(label[2])
        labelled[LABEL_KIND[label[1]]].append(line.strip()[start:])
        return
    free.append(line)


def _first_time(findings: Sequence[_Findings]) -> dt.time | None:
    for found in findings:
        if found.times:
            return found.times[0]
    return None


def _days_text(days: Sequence[int]) -> str:
    return ", ".join(DAY_NAMES_EN[day] for day in days)


def _one_off(
    findings: Sequence[_Findings], *, labelled_first: bool, zone: zoneinfo.ZoneInfo, now: dt.datetime
) -> dt.datetime:
    """The instant of a one-off event: a date and a time found in the text (see "Decisions")."""
    today = now.astimezone(zone).date()
    errors: list[AnnouncementNotUnderstood] = []
    resolved: list[tuple[int, dt.date | _WeekdayDate]] = []  # (segment index, day)
    for index, found in enumerate(findings):
        for candidate in found.dates:
            try:
                resolved.append((index, _resolve(candidate, today)))
            except AnnouncementNotUnderstood as exc:
                errors.append(exc)

    clock = None
    chosen = None
    if labelled_first and resolved and resolved[0][0] == 0:
        # A labelled date wins, with the labelled time (or else the first time anywhere).
        chosen = resolved[0][1]
        clock = _first_time(findings)
    # Else the first line holding both a day and a time.
    for index, day in resolved if chosen is None else ():
        if findings[index].times:
            chosen, clock = day, findings[index].times[0]
            break
    if chosen is None and resolved:
        chosen = resolved[0][1]
        clock = _first_time(findings)
    if labelled_first and findings[0].times:
        clock = findings[0].times[0]
    if chosen is None and errors:
        raise errors[0]
    if chosen is None:
        chosen = _loose_day(findings, zone=zone, now=now)
        clock = _first_time(findings)
    if chosen is None:
        if clock is not None:
            raise AnnouncementNotUnderstood(NO_DATE, params={"time": clock.strftime("%H:%M")})
        raise AnnouncementNotUnderstood(NO_DATE_OR_TIME)
    if clock is None:
        day_text = chosen.isoformat() if isinstance(chosen, dt.date) else DAY_NAMES_EN[chosen.weekday]
        raise AnnouncementNotUnderstood(NO_TIME, params={"date": day_text})

    if isinstance(chosen, _WeekdayDate):
        ahead = (chosen.weekday - today.weekday()) % 7
        if ahead == 0 and chosen.after_today:
            ahead = 7
        day = today + dt.timedelta(days=ahead)
        instant = _instant(day, clock, zone)
        if instant <= now and not chosen.after_today:
            instant = _instant(day + dt.timedelta(days=7), clock, zone)
        return instant
    return _instant(chosen, clock, zone)


def _resolve(candidate: _DateCandidate, today: dt.date) -> dt.date | _WeekdayDate:
    if isinstance(candidate, _RelativeDate):
        return today + dt.timedelta(days=candidate.offset)
    if isinstance(candidate, _WeekdayDate):
        return candidate
    if candidate.year is not None:
        try:
            day = dt.date(candidate.year, candidate.month, candidate.day)
        except ValueError:
            raise AnnouncementNotUnderstood(INVALID_DATE, params={"value": candidate.raw}) from None
        if day < today:
            raise AnnouncementNotUnderstood(PAST_DATE, params={"value": candidate.raw})
    else:
        day = None
        # The next such date from today on; 29 February may be up to 8 years ahead (2096 → 2104).
        for year in range(today.year, today.year + 9):
            try:
                possible = dt.date(year, candidate.month, candidate.day)
            except ValueError:
                continue
            if possible >= today:
                day = possible
                break
        if day is None:
            raise AnnouncementNotUnderstood(INVALID_DATE, params={"value": candidate.raw})
    if candidate.stated_weekday is not None and candidate.stated_weekday != day.weekday():
        raise AnnouncementNotUnderstood(
            WEEKDAY_MISMATCH,
            params={
                "date": day.isoformat(),
                "actual": DAY_NAMES_EN[day.weekday()],
                "stated": DAY_NAMES_EN[candidate.stated_weekday],
            },
        )
    return day


def _instant(day: dt.date, clock: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    value = f"{day:%Y-%m-%d} {clock:%H:%M}"
    try:
        return parse_local_datetime(value, zone)
    except ApplicationError:
        # The only refusal left for a well-formed date and time is a wall time in a DST gap.
        raise AnnouncementNotUnderstood(DST_GAP, params={"value": value, "zone": zone.key}) from None


def _loose_day(findings: Sequence[_Findings], *, zone: zoneinfo.ZoneInfo, now: dt.datetime) -> dt.date | None:
    """A day dateparser reads in what the deterministic reading left over ("in 3 days")."""
    import dateparser  # loads its language data on first use; only needed for the leftovers

    settings = {
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TIMEZONE": zone.key,
        "TO_TIMEZONE": zone.key,
        "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
        "DATE_ORDER": "DMY",
    }
    for found in findings:
        residue = found.residue
        # A line of numbers alone ("3", "25") is a count, not a day; a long line is prose.
        if not re.search(r"[^\W\d_]", residue) or len(residue.split()) > 6:
            continue
        try:
            parsed = dateparser.parse(residue, languages=list(DATEPARSER_LANGUAGES), settings=settings)
        except (ValueError, OverflowError, TypeError, AttributeError, IndexError, KeyError):
            # dateparser's own failure on odd text means it found no day.
            continue
        if parsed is not None:
            return parsed.astimezone(zone).date() if parsed.tzinfo else parsed.date()
    return None
