"""Date finding and resolution: never invents a component; evidence resolves day/month."""
from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given, strategies as st

from preserve.describe import dates as D

dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))


@pytest.fixture(autouse=True, scope="module")
def _month_tables_loaded():
    """Build the CLDR month tables once before any timed (hypothesis) example runs."""
    D.find_dates("1 May 2000")


@given(dates)
def test_year_less_dates_get_no_year(d):
    text = f"On {d.day} {calendar.month_name[d.month]} we met."
    found = D.find_dates(text)
    assert len(found) == 1 and found[0].year is None
    assert D.resolve(found[0], []).value == f"XXXX-{d.month:02d}-{d.day:02d}"


@given(dates)
def test_month_only_stays_month(d):
    found = D.find_dates(f"{calendar.month_name[d.month]} {d.year}")
    assert [f.edtf() for f in found] == [f"{d.year:04d}-{d.month:02d}"]


@given(dates, st.sampled_from(["{d} {M} {y}", "{M} {d}, {y}", "{d}th of {M} {y}", "{y}-{m:02d}-{d:02d}"]))
def test_full_dates_round_trip(d, fmt):
    text = fmt.format(d=d.day, M=calendar.month_name[d.month], y=d.year, m=d.month)
    found = D.find_dates(text)
    assert len(found) == 1
    assert D.resolve(found[0], []).value == d.isoformat()


@given(dates)
def test_ambiguous_numeric_without_evidence_keeps_year_only(d):
    found = D.find_dates(f"{d.day:02d}/{d.month:02d}/{d.year}")
    assert len(found) == 1
    res = D.resolve(found[0], [])
    if d.day <= 12 and d.day != d.month:
        assert res.value == str(d.year) and "could be" in res.note
    else:
        assert res.value == d.isoformat()


@given(st.text(max_size=200))
def test_found_components_come_from_the_text(text):
    for f in D.find_dates(text):
        if f.year is not None:
            assert str(f.year) in text.translate(D._TO_ASCII_DIGITS)


def test_ordinals_and_weekday():
    f = D.find_dates("Friday, 4th November 2016")[0]
    assert (f.year, f.month, f.day, f.weekday) == (2016, 11, 4, "Friday")


def test_weekday_resolves():
    f = D.find_dates("Friday 04/11/2016")[0]
    res = D.resolve(f, [])
    assert res.value == "2016-11-04" and "Friday" in res.note


def test_other_numeric_date_sets_convention():
    f = D.find_dates("04/11/2016")[0]
    other = D.find_dates("25/10/2016", line=9)[0]
    assert D.resolve(f, [other]).value == "2016-11-04"


def test_locale_resolves():
    f = D.find_dates("04/11/2016")[0]
    assert D.resolve(f, [], (False, "publisher in US")).value == "2016-04-11"


def test_may_the_verb_is_not_a_month():
    assert D.find_dates("you may 5 times ask") == []


def test_invalid_dates_rejected():
    assert D.find_dates("31/02/2016 and 2016-13-01") == []


def test_arabic_digits_and_months():
    f = D.find_dates("١٥ آذار ٢٠١٩")[0]
    assert f.edtf() == "2019-03-15"


def test_parse_loose():
    assert D.parse_loose("2019-06-14T10:00:00Z").value == "2019-06-14"
    assert D.parse_loose("3rd March 2017").value == "2017-03-03"
    assert D.parse_loose("soon") is None


def test_unambiguous_numeric_dates_say_which_part_settles_the_order():
    day_first = D.find_dates("25/10/2016")[0]
    assert D._unambiguous_note(day_first) == "day-first: 25/10/2016 has 25 > 12"
    assert D._unambiguous_note(D.find_dates("10/25/2016")[0]) == "month-first: 10/25/2016 has 25 > 12"
    assert D._unambiguous_note(D.find_dates("2016-10-25")[0]) is None


def test_a_nearby_month_named_date_settles_the_order():
    found = D.find_dates("04/11/2016", line=2)[0]
    near_november = D.find_dates("3 November 2016", line=7)[0]
    res = D._by_nearby_dates(found, [near_november])
    assert res is not None and res.value == "2016-11-04"
    assert res.note.startswith("day-first: the text's date '3 November 2016' (line 7) lies 1 days")
    near_april = D.find_dates("April 9, 2016", line=7)[0]
    assert D._by_nearby_dates(found, [near_april]).value == "2016-04-11"
    midway = D.find_dates("1 August 2016")[0]  # as far from either reading: no answer
    assert D._by_nearby_dates(found, [midway]) is None


def test_each_kind_of_evidence_answers_only_when_it_settles_the_order():
    found = D.find_dates("04/11/2016")[0]
    assert D._by_weekday(found) is None  # no weekday written
    assert D._by_other_numeric_dates(found, D.find_dates("25/10/2016 and 10/25/2016")) is None  # they disagree
    assert D._by_locale(found, None) is None
    assert D._by_locale(found, (False, "publisher in US")).value == "2016-04-11"
    assert D._year_only(found).value == "2016"


# --- month names in many languages (CLDR via Babel), abbreviations, connectors ---------------------


@pytest.mark.parametrize("text, want", [
    ("Berlin, 3. Juli 2018", "2018-07-03"),
    ("le 25 septembre 2016", "2016-09-25"),
    ("1er juillet 2015", "2015-07-01"),
    ("1 de julio de 2015", "2015-07-01"),
    ("1º de julho de 2015", "2015-07-01"),
    ("12 maggio 2020", "2020-05-12"),
    ("29 januari 2002", "2002-01-29"),
    ("12 мая 2020 г.", "2020-05-12"),
    ("12 Μαΐου 2020", "2020-05-12"),
    ("15 كانون الثاني 2019", "2019-01-15"),
    ("3 تشرين الأول 2017", "2017-10-03"),
    ("25 ביולי 2006", "2006-07-25"),
    ("27 Sep 2016", "2016-09-27"),
    ("Juni 2016", "2016-06"),
    ("junio de 2016", "2016-06"),
])
def test_month_names_in_many_languages(text, want):
    found = D.find_dates(text)
    assert [f.edtf() for f in found] == [want]
    assert D.resolve(found[0], []).value == want


def test_a_weekday_in_another_language_is_kept_as_evidence():
    f = D.find_dates("Miércoles 1 Julio 2015")[0]
    assert (f.edtf(), f.weekday) == ("2015-07-01", "Miércoles")
    g = D.find_dates("Dienstag, den 3. Juli 2018")[0]
    assert g.weekday == "Dienstag"
    res = D.resolve(D.find_dates("mercredi 04/11/2015")[0], [])
    assert res.value == "2015-11-04" and "mercredi" in res.note


def test_short_foreign_month_names_need_a_year():
    # "set" (Italian/Portuguese September) and "Mac" (Malay March) are English words too
    assert D.find_dates("we ran 5 set of tests") == []
    assert D.find_dates("Mac 5 updates") == []
    assert [f.edtf() for f in D.find_dates("5 set 2016")] == ["2016-09-05"]
    # a full name of four letters or more reads without a year, as English ones do
    assert [f.edtf() for f in D.find_dates("am 3. Juli")] == ["XXXX-07-03"]


def test_a_name_that_means_different_months_in_two_languages_is_not_read():
    # "listopad" is November in Polish and Czech but October in Croatian
    assert D.find_dates("5 listopad 2019") == []


def test_words_that_are_no_month_leave_the_date_beside_them_alone():
    assert [f.raw for f in D.find_dates("10 and 5 June 2016")] == ["5 June 2016"]
    assert D.find_dates("Session 43, paragraph 2021") == []


def test_a_date_followed_by_a_time_or_in_parentheses_is_read():
    assert [f.raw for f in D.find_dates("12/12/2016 - 13:20")] == ["12/12/2016"]
    assert [f.edtf() for f in D.find_dates("2016-11-04T10:00")] == ["2016-11-04"]
    assert [f.edtf() for f in D.find_dates("RIVERTON (December 16, 2013) - The")] == ["2013-12-16"]
    assert [f.edtf() for f in D.find_dates("Lindenau, 22.05.2014.")] == ["2014-05-22"]


def test_a_two_digit_year_takes_its_century_only_from_the_text():
    short = D.find_dates("Eastbrook, 22.4.75")[0]
    assert (short.year, short.short_year, short.edtf()) == (None, 75, "XXXX-04-22")
    res = D.resolve(short, D.find_dates("founded on 1 March 1975", line=8))
    assert res.value == "1975-04-22" and "'1 March 1975' (line 8)" in res.note
    alone = D.resolve(short, [])
    assert alone.value == "XXXX-04-22" and "no century invented" in alone.note
    # 1975 and 2075 both end in 75: no century
    assert D.resolve(short, D.find_dates("1 May 1975 and 1 May 2075")).value == "XXXX-04-22"


def test_a_two_digit_year_with_swappable_day_and_month_keeps_nothing_without_a_century():
    found = D.find_dates("2/4/75")[0]
    assert found.ambiguous
    res = D.resolve(found, [])
    assert res.value is None and "could swap" in res.note


def test_version_numbers_are_no_dates_and_no_evidence():
    assert D.find_dates("release v1.2.10 is out") == []
    section = D.find_dates("see 13.2.10")[0]  # reads as a date, but may be a section number
    ambiguous = D.find_dates("04/11/2016")[0]
    assert D._by_other_numeric_dates(ambiguous, [section]) is None


def test_without_babel_english_and_arabic_names_still_read(monkeypatch):
    from preserve.describe import months as M

    def rebuild():
        for cached in (M.month_table, M.weekday_table, M.multiword_months, D._patterns, D._cached_dates):
            cached.cache_clear()

    monkeypatch.setattr(M, "_locales", lambda: [])
    rebuild()
    try:
        assert [f.edtf() for f in D.find_dates("Friday, 4 November 2016")] == ["2016-11-04"]
        assert [f.edtf() for f in D.find_dates("15 كانون الثاني 2019")] == ["2019-01-15"]
        assert D.find_dates("3. Juli 2018") == []  # German needs CLDR: unread, never guessed
    finally:
        monkeypatch.undo()
        rebuild()
    assert [f.edtf() for f in D.find_dates("3. Juli 2018")] == ["2018-07-03"]
