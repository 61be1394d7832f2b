"""Resolution against the document date, TIMEX3 values, traps and the header."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.dates import grammar_for
from pipeline.temporal.anchor import anchor_date
from pipeline.rulebook import load_rules
from pipeline.temporal.extract import extract
from pipeline.temporal.timex import granularity, is_timex, resolve

G = grammar_for(load_rules())


def values(text, anchor="2018-11-11"):
    return [(r["text"], r["value"]) for r in extract(text, anchor, G)]


@pytest.mark.parametrize("text", [
    "Die Bürgermeister trafen sich.", "Die UdSSR blieb bestehen.", "70% der Wählerschaft",
    "Der Wert lag bei 1,5.", "Er war der erste Besuch.", "„Kuckuck 14“ ist ein Ort.",
    "Das Büro in 1010 Wien", "Er ist 20 Jahre alt.", "die 28-jährige Frau",
    "mindestens 2000 sind tot", "UN-Resolution 1441", "Mit 13:14 gewann er.",
    "Sie haben bereits dreimal zusammengearbeitet.", "über 2.113 Initiativen",
])
def test_dateparser_traps_are_not_dates(text):
    assert values(text) == []


@pytest.mark.parametrize("text,expected", [
    ("im Jänner 2019", [("Jänner 2019", "2019-01")]),
    ("Mitte Mai", [("Mitte Mai", "2018-05")]),
    ("Ende 2024", [("Ende 2024", "2024")]),
    ("heuer", [("heuer", "2018")]),
    ("vor 50 Jahren", [("vor 50 Jahren", "1968")]),
    ("in den vergangenen drei Monaten", [("vergangenen drei Monaten", "P3M")]),
    ("zweimal pro Woche", [("zweimal pro Woche", "P1W")]),
    ("vergangenen Dienstag", [("vergangenen Dienstag", "2018-11-06")]),
    ("gegen 16 Uhr", [("16 Uhr", "T16:00")]),
    ("Ab März 2025", [("März 2025", "2025-03")]),
    ("am Wochenende", [("Wochenende", "2018-W45-WE")]),
    # issue 11: a day and its clock time in one phrase are one row; apart, the time takes the day
    ("Am 30. November 2025 um 17:30 Uhr", [("30. November 2025 um 17:30 Uhr", "2025-11-30T17:30")]),
    ("Am 30. November 2025 beginnt um 17:30 Uhr die Feier.",
     [("30. November 2025", "2025-11-30"), ("17:30 Uhr", "2025-11-30T17:30")]),
])
def test_issue_expressions(text, expected):
    assert values(text) == expected


def test_no_document_date_never_guesses_a_year():
    assert values("am 24. Jänner", None) == [("24. Jänner", "XXXX-01-24")]


def test_no_document_date_takes_the_nearest_explicit_year_of_the_text():
    """HeidelTime's narrative strategy (issue 11): the last year named before as a point."""
    text = "Im März 2021 brannte die Scheune. Am 5. Mai wurde sie abgerissen."
    assert values(text, None) == [("März 2021", "2021-03"), ("5. Mai", "2021-05-05")]
    # a year after it, a bound (`bis 2030`) or an interval is no narrative year
    text = "Am 5. Mai begann der Abriss. Das Jahr 2019 blieb in Erinnerung."
    assert values(text, None) == [("5. Mai", "XXXX-05-05"), ("Jahr 2019", "2019")]
    text = "Bis 2030 soll die Strecke fertig sein, von 2010 bis 2012 wurde geplant. Im März gab es Streit."
    assert values(text, None)[-1] == ("März", "XXXX-03")
    # kept local: a year three sentences back is history, not the year of the event
    text = "Im November 1989 fiel die Mauer. Lange war es ruhig. Im März gab es Streit."
    assert values(text, None)[-1] == ("März", "XXXX-03")
    # a bare year in the previous sentence is background, in the same sentence it counts
    assert values("Die Mauer fiel 1989 in Berlin. Im März gab es Streit.", None)[-1] == ("März", "XXXX-03")
    assert values("Der Umsatz sank 2015 im dritten Quartal.", None)[-1] == ("dritten Quartal", "2015-Q3")
    # a weekly pattern is not a date of a year; a count is not a year
    assert values("Von Montag bis Freitag, 2000 Besucher, am 5. Mai.", None) == [
        ("Von Montag bis Freitag", "XXXX-WXX-1/XXXX-WXX-5"), ("5. Mai", "XXXX-05-05")]
    assert values("gestern", None) == [("gestern", "")]
    assert values("im Vorjahr", None) == [("Vorjahr", "")]


def test_weekday_by_tense():
    assert values("Am Freitag wird gewählt.", "2018-11-12") == [("Freitag", "2018-11-16")]
    assert values("Am Freitag wurde gewählt.", "2018-11-12") == [("Freitag", "2018-11-09")]


def test_month_by_clause_tense():
    # Präteritum, perfect with `haben` closing the clause, and `seit` point back
    assert values("Im Dezember stieg der Umsatz um 6,8 Prozent.", "2025-01-16") == [("Dezember", "2024-12")]
    assert values("Die Firma, die den Auftrag im Dezember erhalten hat, liefert.", "2025-01-16") == [("Dezember", "2024-12")]
    assert values("Seit Dezember wird gebaut.", "2025-01-16") == [("Seit Dezember", "2024-12")]
    # a past form after an article is an adjective; `hat ... zu` is not a perfect
    assert values("Die gemeldeten Fälle steigen im Dezember.", "2025-01-16") == [("Dezember", "2025-12")]
    assert values("Die Stadt hat im Dezember viel zu bezahlen.", "2025-01-16") == [("Dezember", "2025-12")]
    # a noun is not a verb: `Stand` (case-sensitive past markers)
    assert values("Nach derzeitigem Stand beginnt der Bau im Dezember.", "2025-01-16") == [("Dezember", "2025-12")]


def test_resolve_units():
    assert resolve("REF-1Q", "2018-02-11") == ("2017-Q4", True)
    assert resolve("XXXX-EASTER+49", "2020-01-01") == ("2020-05-31", True)
    assert resolve("REF+0DTEV", "2018-11-11") == ("2018-11-11TEV", True)
    assert resolve("XXXX-12", "2025-02-03", "past") == ("2024-12", True)
    assert resolve("XXXX-Q4", "2025-01-16", "past") == ("2024-Q4", True)
    assert resolve("XXXX-Q1", "2025-08-16", "future") == ("2026-Q1", True)
    assert resolve("XXXX-Q3", "2025-08-16", "past") == ("2025-Q3", True)  # contains the document date
    assert resolve("XXXX-06-10/XXXX-07-10", "2020-06-15", "past") == ("2020-06-10/2020-07-10", True)
    assert resolve("XXXX-05-WD7N2", "2025-02-03") == ("2025-05-11", True)
    assert resolve("2019-01", None) == ("2019-01", False)


@pytest.mark.parametrize("value,gran", [
    ("2018-11-08/2018-11-11", "day"), ("2019-01", "month"), ("2025", "year"), ("2018-W45-WE", "weekend"),
    ("2025-SP", "season"), ("2020-02-27TAF", "partofday"), ("2025-11-30T17:30", "minute"),
    ("T16:00", "minute"), ("P3M", "month"), ("P12Y", "year"), ("PT2H", "hour"), ("199", "decade"),
    ("PT3M2S", "second"), ("PT1H30M", "minute"),
])
def test_granularity_and_timex(value, gran):
    assert is_timex(value)
    assert granularity(value) == gran


def test_anchor_date_keeps_working():
    rules = load_rules()
    assert anchor_date("8. – 11. November 2018", rules) == "2018-11-11"
    assert anchor_date("13.07.2016", rules) == "2016-07-13"
    assert anchor_date("keine Angabe", rules) is None


def test_header_time_takes_document_date(blank_nlp):
    from pipeline.ingest import DocRecord, parse_structure
    from pipeline.runner import process_batch

    text = "Vorfall | Sonstiges |\n---|---|\nUhrzeit | 16:00 |\nOrt | Hamm |\nIn Hamm wurde gefeiert.\n"
    meta, regions = parse_structure(text)
    rec = DocRecord("h", "h.txt", text, "", "utf-8", doc_date="2025-03-01", metadata=meta, regions=regions)
    (res,) = process_batch(blank_nlp, [rec])
    rows = res.tables["dates"]
    assert [(r["text"], r["type"], r["value"]) for r in rows] == [("16:00", "TIME", "2025-03-01T16:00")]
    assert text[rows[0]["start_char"] : rows[0]["end_char"]] == "16:00"


def test_deterministic():
    text = "Am 3. März 2020 und vom 8. bis 11. Mai, seit 2011, vergangenen Dienstag gegen 16 Uhr."
    assert extract(text, "2020-06-01", G) == extract(text, "2020-06-01", G)


@given(st.integers(min_value=1000, max_value=9998), st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=7))
def test_nth_and_last_weekday_of_a_month(year, month, wd):
    """`WD<k>N<n>` is the nth weekday k of the month; `NL` the last one: in the month, on
    that weekday, a week after the one before and no later one in the month."""
    days = [resolve(f"{year:04d}-{month:02d}-WD{wd}N{n}", "2018-11-11")[0] for n in (1, 2, 3, 4, "L")]
    parsed = [date.fromisoformat(d) for d in days]
    assert all(p.year == year and p.month == month and p.isoweekday() == wd for p in parsed)
    assert parsed[0].day <= 7 and all(b - a == timedelta(days=7) for a, b in zip(parsed, parsed[1:4]))
    assert parsed[4] >= parsed[3] and (parsed[4] + timedelta(days=7)).month != month


@pytest.mark.parametrize("text,expected", [
    # lower-case weekday: the clock time takes its day (a Tuesday before the Sunday anchor)
    ("Termin ist dienstag 11:00 uhr gewesen.", [("dienstag", "2018-11-06"), ("11:00", "2018-11-06T11:00")]),
    ("Die Vollsperrung gilt von Freitag 20 Uhr bis Montag 5 Uhr.",
     [("von Freitag 20 Uhr bis Montag 5 Uhr", "XXXX-WXX-5T20:00/XXXX-WXX-1T05:00")]),
    ("Am letzten Sonntag im März 2019 beginnt die Sommerzeit.", [("letzten Sonntag im März 2019", "2019-03-31")]),
    ("Die Kirchweih ist am dritten Sonntag im Oktober.", [("dritten Sonntag im Oktober", "2018-10-21")]),
    # a year with the next one's digits is a span, not a month; a spaced zero-padded month is
    ("Seit der Finanzkrise 2008/09 sank der Absatz, Stand 05 / 2016.", [("2008/09", "2008/2009"), ("05 / 2016", "2016-05")]),
])
def test_issue11_weekday_clock_nth_weekday_and_year_spans(text, expected):
    assert values(text) == expected
