"""The announcement reader on real-world announcements (English, Dutch, French; embeds and plain
messages), with `now` fixed: Wednesday 2026-11-18 12:00 UTC (13:00 in Brussels)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.exceptions import ApplicationError
from scheduling.announcements import (
    BAD_DAYS,
    DST_GAP,
    INVALID_DATE,
    NAME_MAX_LENGTH,
    NO_DATE,
    NO_DATE_OR_TIME,
    NO_TEXT,
    NO_TIME,
    NO_TIME_RECURRING,
    PAST_DATE,
    PAST_EVENT,
    WEEKDAY_MISMATCH,
    AnnouncementNotUnderstood,
    ParsedAnnouncement,
    parse_announcement,
    parse_days,
)

NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)  # a Wednesday
BRUSSELS = "Europe/Brussels"


def local(value: str, zone: str = BRUSSELS) -> dt.datetime:
    """The UTC instant of a wall time "YYYY-MM-DD HH:MM" in `zone` (fold 0)."""
    return dt.datetime.fromisoformat(value).replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def once(value: str, *, zone: str = BRUSSELS, location: str = "") -> dict:
    return {"event_time": local(value, zone), "days": (), "time": None, "location": location, "zone": zone}


def weekly(days: tuple[int, ...], clock: str, *, zone: str = BRUSSELS, location: str = "") -> dict:
    return {"event_time": None, "days": days, "time": dt.time.fromisoformat(clock), "location": location, "zone": zone}


# (id, title, text, fields, zone, expected)
UNDERSTOOD = [
    # Dutch
    ("nl-embed-date-words", "Raid avond", "Zaterdag 21 november om 20u30", [("Locatie", "Discord voice")], BRUSSELS,
     once("2026-11-21 20:30", location="Discord voice")),
    ("nl-labelled", "", "**Molten Core**\nDatum: 21/11/2026\nTijd: 20.30\nLocatie: Zaal 2", [], BRUSSELS,
     once("2026-11-21 20:30", location="Zaal 2")),
    ("nl-vandaag", "", "Vandaag om 19u raid!", [], BRUSSELS, once("2026-11-18 19:00")),
    ("nl-vanavond", "", "Vanavond 21u30 in het raid kanaal", [], BRUSSELS, once("2026-11-18 21:30")),
    ("nl-morgen-uur", "", "Morgen om 20 uur: Molten Core", [], BRUSSELS, once("2026-11-19 20:00")),
    ("nl-overmorgen", "", "Overmorgen 20:00 dungeon run", [], BRUSSELS, once("2026-11-20 20:00")),
    ("nl-volgende-vrijdag", "", "Volgende vrijdag om 20u gildevergadering", [], BRUSSELS, once("2026-11-20 20:00")),
    ("nl-deze-zaterdag", "", "Deze zaterdag 14:00 LAN-party", [], BRUSSELS, once("2026-11-21 14:00")),
    ("nl-vrijdagavond", "", "Vrijdagavond 20u: Naxxramas", [], BRUSSELS, once("2026-11-20 20:00")),
    ("nl-maart-jaar", "Toernooi", "5 maart 2027 om 19:00", [], BRUSSELS, once("2027-03-05 19:00")),
    ("nl-dashes-u00", "", "Kerstfeest 24-12-2026 om 18u00", [], BRUSSELS, once("2026-12-24 18:00")),
    ("nl-dateparser-weken", "", "Over 2 weken om 20:00", [], BRUSSELS, once("2026-12-02 20:00")),
    ("nl-every-two-days", "", "Elke dinsdag en donderdag om 20u30", [], BRUSSELS, weekly((1, 3), "20:30")),
    ("nl-days-range", "Ochtendtraining", "Dagen: ma-vr\nTijd: 07:30", [], BRUSSELS, weekly((0, 1, 2, 3, 4), "07:30")),
    ("nl-pin-location", "", "Meetup 28/11 om 14u\n📍 Grote Markt, Brussel", [], BRUSSELS,
     once("2026-11-28 14:00", location="Grote Markt, Brussel")),
    # French
    ("fr-plain-words", "", "**Soirée jeux**\nsamedi 21 novembre à 20h30\nLieu : Bruxelles", [], BRUSSELS,
     once("2026-11-21 20:30", location="Bruxelles")),
    ("fr-labelled-iso", "Tournoi", "Date : 2026-11-21\nHeure : 20h30\nLieu : Salle des fêtes", [], BRUSSELS,
     once("2026-11-21 20:30", location="Salle des fêtes")),
    ("fr-aujourdhui-curly", "", "Aujourd’hui à 21h, raid !", [], BRUSSELS, once("2026-11-18 21:00")),
    ("fr-demain-soir", "", "Demain soir 20h30 : donjon", [], BRUSSELS, once("2026-11-19 20:30")),
    ("fr-apres-demain", "", "Après-demain à 18h", [], BRUSSELS, once("2026-11-20 18:00")),
    ("fr-vendredi-prochain", "", "Vendredi prochain à 21h", [], BRUSSELS, once("2026-11-20 21:00")),
    ("fr-ce-samedi", "", "Ce samedi 15h : tournoi", [], BRUSSELS, once("2026-11-21 15:00")),
    ("fr-janvier-next-year", "", "Galette des rois le 3 janvier à 20h", [], BRUSSELS, once("2027-01-03 20:00")),
    ("fr-premier", "", "Le 1er décembre à 21h", [], BRUSSELS, once("2026-12-01 21:00")),
    ("fr-minuit", "", "Minuit le 24 décembre", [], BRUSSELS, once("2026-12-24 00:00")),
    ("fr-dateparser-jours", "", "dans 3 jours à 20h", [], BRUSSELS, once("2026-11-21 20:00")),
    ("fr-chaque", "", "Chaque mercredi à 21h", [], BRUSSELS, weekly((2,), "21:00")),
    ("fr-tous-les", "", "Tous les samedis et dimanches à 14h", [], BRUSSELS, weekly((5, 6), "14:00")),
    # English
    ("en-month-ordinal-pm", "Movie night", "Saturday November 21st at 8:30 PM", [], BRUSSELS, once("2026-11-21 20:30")),
    ("en-labelled", "", "Date: 21/11\nTime: 20:30\nLocation: Main hall", [], BRUSSELS,
     once("2026-11-21 20:30", location="Main hall")),
    ("en-discord-timestamp", "Raid", "Raid starts 2026-11-21T19:30:00+00:00 (2026-11-21T19:30:00+00:00)", [], BRUSSELS,
     once("2026-11-21 20:30")),
    ("en-today", "", "Raid today at 21:00", [], BRUSSELS, once("2026-11-18 21:00")),
    ("en-tonight-pm", "", "Tonight 8pm, be there", [], BRUSSELS, once("2026-11-18 20:00")),
    ("en-tomorrow", "", "Tomorrow 20:00 dungeon run", [], BRUSSELS, once("2026-11-19 20:00")),
    ("en-this-friday", "", "This Friday 9 PM: boss rush", [], BRUSSELS, once("2026-11-20 21:00")),
    ("en-next-friday", "", "Next Friday at 20:00", [], BRUSSELS, once("2026-11-20 20:00")),
    ("en-weekday-today-passed", "", "Wednesday 10:00 guild meeting", [], BRUSSELS, once("2026-11-25 10:00")),
    ("en-weekday-today-ahead", "", "Wednesday 21:00 guild meeting", [], BRUSSELS, once("2026-11-18 21:00")),
    ("en-next-weekday-today", "", "Next Wednesday 21:00 guild meeting", [], BRUSSELS, once("2026-11-25 21:00")),
    ("en-abbreviated-month", "", "Sat, Nov 21 · 8:30 PM", [], BRUSSELS, once("2026-11-21 20:30")),
    ("en-month-year", "", "December 24th, 2026 at 6pm", [], BRUSSELS, once("2026-12-24 18:00")),
    ("en-dots", "", "Xmas raid 24.12.2026 18.00", [], BRUSSELS, once("2026-12-24 18:00")),
    ("en-range", "", "Raid 21/11 20:30-23:00", [], BRUSSELS, once("2026-11-21 20:30")),
    ("en-yearless-past-rolls", "", "14/02 19:00 Valentine's raid", [], BRUSSELS, once("2027-02-14 19:00")),
    ("en-embed-fields", "Guild meeting", "",
     [("📅 Date", "Friday 20 November"), ("⏰ Time", "19:30"), ("📍 Where", "TeamSpeak")], BRUSSELS,
     once("2026-11-20 19:30", location="TeamSpeak")),
    ("en-noon", "", "Picnic Sunday at noon", [], BRUSSELS, once("2026-11-22 12:00")),
    ("en-dateparser-days", "", "In 3 days at 20:00", [], BRUSSELS, once("2026-11-21 20:00")),
    ("en-line-with-both-wins", "", "Sign-ups close 19/11.\nRaid: 21/11 at 20:30", [], BRUSSELS, once("2026-11-21 20:30")),
    ("en-label-wins", "", "Practice on 19/11 at 20:00 was great\nDate: 21/11\nTime: 20:00", [], BRUSSELS,
     once("2026-11-21 20:00")),
    ("en-markup-and-links", "", "<@&123456789012345678> Raid 21/11 20:30 https://example.com/2026/12/01/9.30", [],
     BRUSSELS, once("2026-11-21 20:30")),
    ("en-price-not-time", "", "Entry €12.50, 21/11 at 8pm", [], BRUSSELS, once("2026-11-21 20:00")),
    ("en-24-7-is-not-a-date", "", "Server open 24/7, raid Friday 20:00", [], BRUSSELS, once("2026-11-20 20:00")),
    ("en-days-label-words", "", "Days: every Tuesday and Friday\nTime: 21:00", [], BRUSSELS, weekly((1, 4), "21:00")),
    ("fr-days-label-words", "", "Jours : tous les jours\nHeure : 12h", [], BRUSSELS, weekly((0, 1, 2, 3, 4, 5, 6), "12:00")),
    ("en-markdown", "", "# **Raid Night**\n__21/11__ @ *20:30*", [], BRUSSELS, once("2026-11-21 20:30")),
    ("en-every-two", "", "Raid every Monday and Thursday at 20:00", [], BRUSSELS, weekly((0, 3), "20:00")),
    ("en-plural-days", "", "Raids on Mondays, Wednesdays and Fridays, 8 PM", [], BRUSSELS, weekly((0, 2, 4), "20:00")),
    ("en-days-label", "", "Days: mon,wed\nTime: 19:00", [], BRUSSELS, weekly((0, 2), "19:00")),
    ("en-every-day", "", "Every day at 9:00: daily quest reset", [], BRUSSELS, weekly((0, 1, 2, 3, 4, 5, 6), "09:00")),
    ("en-every-weekend", "", "Every weekend 10am, casual runs", [], BRUSSELS, weekly((5, 6), "10:00")),
    ("en-every-with-timestamp", "", "Every Friday 2026-11-20T19:30:00+00:00", [], BRUSSELS, weekly((4,), "20:30")),
    # Other zones
    ("new-york-tomorrow", "", "Raid tomorrow 8:30 PM", [], "America/New_York",
     once("2026-11-19 20:30", zone="America/New_York")),
    ("tokyo-tomorrow", "", "Tomorrow 20:00", [], "Asia/Tokyo", once("2026-11-19 20:00", zone="Asia/Tokyo")),
    ("sydney-saturday", "", "Saturday 21 November 7pm", [], "Australia/Sydney",
     once("2026-11-21 19:00", zone="Australia/Sydney")),
    ("utc-iso-local", "", "2026-11-21 20:30", [], "UTC", once("2026-11-21 20:30", zone="UTC")),
    ("new-york-fold-first", "", "2027-11-07 01:30", [], "America/New_York",
     once("2027-11-07 01:30", zone="America/New_York")),
    ("brussels-fold-first", "", "31/10/2027 02:30", [], BRUSSELS, once("2027-10-31 02:30")),
    ("sydney-weekly", "", "Every Sunday 02:30", [], "Australia/Sydney", weekly((6,), "02:30", zone="Australia/Sydney")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("title", "text", "fields", "zone", "expected"),
    [case[1:] for case in UNDERSTOOD],
    ids=[case[0] for case in UNDERSTOOD],
)
def test_announcement_is_understood(title, text, fields, zone, expected):
    parsed = parse_announcement(title=title, text=text, fields=fields, zone=zone, now=NOW)
    got = {key: getattr(parsed, key) for key in expected}
    assert got == expected
    assert parsed.is_recurring() == bool(expected["days"])
    if parsed.event_time is not None:
        assert parsed.event_time.utcoffset() == dt.timedelta(0)


def test_the_table_is_large_and_mixed():
    assert len(UNDERSTOOD) >= 40
    prefixes = {case[0].split("-")[0] for case in UNDERSTOOD}
    assert {"nl", "fr", "en"} <= prefixes


def test_fold_is_the_first_occurrence():
    parsed = parse_announcement(title="t", text="2027-11-07 01:30", zone="America/New_York", now=NOW)
    assert parsed.event_time == dt.datetime(2027, 11, 7, 5, 30, tzinfo=dt.UTC)  # EDT, not EST
    parsed = parse_announcement(title="t", text="31/10/2027 02:30", zone=BRUSSELS, now=NOW)
    assert parsed.event_time == dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC)  # CEST, not CET


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("Raid", "Raid night, be there!", "No date or time found in the announcement."),
        ("Raid", "Raid 21/11", "No time found: the announcement gives the day 2026-11-21 but no time of day."),
        ("Raid", "Raid this Friday", "No time found: the announcement gives the day Friday but no time of day."),
        ("Raid", "Raid at 20:30", NO_DATE.format(time="20:30")),
        ("Raid", "31/02 20:00", "The date 31/02 does not exist."),
        ("Raid", "30/02/2027 20:00", "The date 30/02/2027 does not exist."),
        ("Raid", "11/21 8pm", "The date 11/21 does not exist."),  # day first, always
        ("Raid", "Raid 21/11/2025 20:00", "The date 21/11/2025 is in the past."),
        ("Raid", "Today at 10:00", "The event at 2026-11-18T09:00:00Z is not in the future."),
        ("Raid", "Raid 2026-11-01T19:00:00+00:00", "The event at 2026-11-01T19:00:00Z is not in the future."),
        ("Raid", "28/03/2027 02:30",
         "2027-03-28 02:30 does not exist in Europe/Brussels: the clocks skip that hour for daylight saving time."),
        ("Raid", "Friday 21/11/2026 20:00", "2026-11-21 is a Saturday, not a Friday."),
        ("Raid", "Vrijdag 21 november 20u", "2026-11-21 is a Saturday, not a Friday."),
        ("Raid", "Every Friday, be there", "No time found: the announcement repeats every Friday but gives no time of day."),
        ("Raid", "Days: funday\nTime: 20:00", BAD_DAYS.format(value="funday")),
        ("", "", "The announcement has no title and no text."),
        ("", "**  **", "The announcement has no title and no text."),
    ],
)  # fmt: skip
def test_refusal_says_why(title, text, expected):
    with pytest.raises(AnnouncementNotUnderstood) as caught:
        parse_announcement(title=title, text=text, zone=BRUSSELS, now=NOW)
    assert caught.value.message == expected


def test_refusals_are_application_errors_with_typed_parameters():
    with pytest.raises(ApplicationError) as caught:
        parse_announcement(title="Raid", text="Today at 10:00", zone=BRUSSELS, now=NOW)
    error = caught.value
    assert isinstance(error, AnnouncementNotUnderstood)
    assert error.template == PAST_EVENT
    assert error.params == {"when": dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)}  # an instant, not text
    assert error.code == "announcement_not_understood"


@pytest.mark.parametrize(
    ("text", "zone", "template"),
    [
        ("nothing here", BRUSSELS, NO_DATE_OR_TIME),
        ("21/11", BRUSSELS, NO_TIME),
        ("every Monday", BRUSSELS, NO_TIME_RECURRING),
        ("31/02 20:00", BRUSSELS, INVALID_DATE),
        ("21/11/2025 20:00", BRUSSELS, PAST_DATE),
        ("2027-03-14 02:30", "America/New_York", DST_GAP),
        ("Friday 21/11/2026 20:00", BRUSSELS, WEEKDAY_MISMATCH),
        ("Today at 20:00", "Asia/Tokyo", PAST_EVENT),  # 21:00 there already
    ],
)
def test_refusal_templates(text, zone, template):
    with pytest.raises(AnnouncementNotUnderstood) as caught:
        parse_announcement(title="Raid", text=text, zone=zone, now=NOW)
    assert caught.value.template == template


def test_empty_announcement_template():
    with pytest.raises(AnnouncementNotUnderstood) as caught:
        parse_announcement(title=" ", text="\n\n", zone=BRUSSELS, now=NOW)
    assert caught.value.template == NO_TEXT


def test_name_is_the_title_else_the_first_line_without_markdown():
    assert parse_announcement(title="Raid: Naxx", text="21/11 20:30", zone=BRUSSELS, now=NOW).name == "Raid: Naxx"
    from_text = parse_announcement(title="", text="## __Raid: Naxx__\n21/11 20:30", zone=BRUSSELS, now=NOW)
    assert from_text.name == "Raid: Naxx"


def test_name_skips_labelled_lines():
    parsed = parse_announcement(title="", text="Date: 21/11\nTime: 20:30\nKarazhan clear", zone=BRUSSELS, now=NOW)
    assert parsed.name == "Karazhan clear"


def test_mentions_are_dropped_from_the_location():
    # The Discord side turns a channel mention into its name if it wants it kept.
    parsed = parse_announcement(
        title="Raid", text="21/11 20:30\nLocation: <#123456789012345678> voice", zone=BRUSSELS, now=NOW
    )
    assert parsed.location == "voice"


def test_long_name_is_cut():
    parsed = parse_announcement(title="A" * 300, text="21/11 20:30", zone=BRUSSELS, now=NOW)
    assert len(parsed.name) == NAME_MAX_LENGTH
    assert parsed.name.endswith("…")


def test_zone_is_read_through_the_time_layer():
    parsed = parse_announcement(title="Raid", text="21/11 20:30", zone="europe/brussels", now=NOW)
    assert parsed.zone == BRUSSELS
    with pytest.raises(ApplicationError, match="not an IANA time zone"):
        parse_announcement(title="Raid", text="21/11 20:30", zone="Mars/Olympus", now=NOW)


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        parse_announcement(title="Raid", text="21/11 20:30", zone=BRUSSELS, now=NOW.replace(tzinfo=None))


def test_result_is_frozen():
    parsed = parse_announcement(title="Raid", text="21/11 20:30", zone=BRUSSELS, now=NOW)
    assert isinstance(parsed, ParsedAnnouncement)
    with pytest.raises(AttributeError):
        parsed.name = "other"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mon,wed", (0, 2)),
        ("0,2", (0, 2)),
        ("daily", (0, 1, 2, 3, 4, 5, 6)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("weekends", (5, 6)),
        ("maandag en woensdag", (0, 2)),
        ("lundi et jeudi", (0, 3)),
        ("Tuesday, Thursday", (1, 3)),
        ("ma-vr", (0, 1, 2, 3, 4)),
        ("fri-mon", (0, 4, 5, 6)),
        ("sat sun sat", (5, 6)),
        ("vendredis", (4,)),
        ("mon,", (0,)),
    ],
)
def test_parse_days(value, expected):
    assert parse_days(value) == expected


@pytest.mark.parametrize("value", ["", "funday", "7", "mon-funday", "every"])
def test_parse_days_refuses(value):
    with pytest.raises(AnnouncementNotUnderstood) as caught:
        parse_days(value)
    assert caught.value.template == BAD_DAYS


# ---------------------------------------------------------------------------- properties

WORDS = [
    "raid", "Friday", "vrijdag", "vendredi", "next", "prochain", "volgende", "this", "every", "elke", "chaque",
    "tous les", "lundis", "today", "morgen", "demain", "tonight", "21/11", "31/02", "29/02", "21/11/2025",
    "2026-11-21", "2027-03-28", "21 november", "1er décembre", "May 5th", "20:30", "20.30", "20u30", "20h",
    "8:30 PM", "12am", "noon", "minuit", "02:30", "Date:", "Time:", "Heure :", "Lieu:", "Days:", "📍", "**",
    "2026-11-21T19:30:00+00:00", "2026-11-01T19:00:00Z", "in 3 days", "over 2 weken", "\n", ",", "-", "€12.50",
]  # fmt: skip
ZONES = [BRUSSELS, "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "UTC"]
NOWS = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(dt.UTC))


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=12),
    zone=st.sampled_from(ZONES),
    now=NOWS,
)
def test_never_fails_otherwise_and_never_in_the_past(words, zone, now):
    text = " ".join(words)
    try:
        parsed = parse_announcement(title="", text=text, fields=[("Date", text[:20])], zone=zone, now=now)
    except AnnouncementNotUnderstood as error:
        assert error.message  # every refusal says something
        return
    assert parsed.name
    if parsed.is_recurring():
        assert parsed.event_time is None and parsed.time is not None
        assert set(parsed.days) <= set(range(7))
    else:
        assert parsed.event_time > now
        assert parsed.event_time.utcoffset() == dt.timedelta(0)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200), title=st.text(max_size=40))
def test_any_text_is_understood_or_refused(text, title):
    try:
        parsed = parse_announcement(title=title, text=text, zone=BRUSSELS, now=NOW)
    except AnnouncementNotUnderstood:
        return
    assert parsed.is_recurring() or parsed.event_time > NOW


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2026, 11, 20), max_value=dt.date(2030, 12, 31)),
    clock=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    zone=st.sampled_from(ZONES),
)
def test_a_future_date_and_time_round_trips(day, clock, zone):
    text = f"Raid {day:%d/%m/%Y} {clock:%H:%M}"
    naive = dt.datetime.combine(day, clock)
    tz = zoneinfo.ZoneInfo(zone)
    in_gap = naive.replace(tzinfo=tz).astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != naive
    if in_gap:
        with pytest.raises(AnnouncementNotUnderstood) as caught:
            parse_announcement(title="Raid", text=text, zone=zone, now=NOW)
        assert caught.value.template == DST_GAP
        return
    parsed = parse_announcement(title="Raid", text=text, zone=zone, now=NOW)
    assert parsed.event_time == naive.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
