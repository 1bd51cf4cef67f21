"""Where a text states its issue date: a date line near the top, a dateline, a sign-off."""
from __future__ import annotations

from preserve.describe import dates as D
from preserve.describe.datelines import BOTTOM_LINES, TOP_LINES, stated_date


def numbered(text: str) -> list[tuple[int, str]]:
    return list(enumerate(text.splitlines(), 1))


def test_a_date_on_its_own_line_after_page_furniture():
    st = stated_date(numbered("Skip to content\n\nNews of the Riverside Trust\n\nA headline here\n\n27 Nov 2013\n\nBody."))
    assert st is not None and (st.where, st.found.edtf(), st.found.line) == ("date line", "2013-11-27", 7)
    assert "'27 Nov 2013'" in st.note()


def test_a_labelled_date_line_with_weekday_and_time():
    st = stated_date(numbered("Mayor speaks on Tuesday, July 31st at noon.\nFOR IMMEDIATE RELEASE: Thursday, July 26, 2012"))
    assert st is not None and st.found.edtf() == "2012-07-26"
    st = stated_date(numbered("News\n\n05/24/2017 - 10:32\n\nText of the release."))
    assert st is not None and st.found.edtf() == "2017-05-24"


def test_datelines_opening_a_paragraph():
    st = stated_date(numbered("Lindau/Eastbrook, 04.07.2022. Die Stiftung meldet heute ihre Zahlen."))
    assert st is not None and st.where == "dateline" and st.found.ambiguous
    assert "Die Stiftung meldet" not in st.found.raw
    st = stated_date(numbered("RIVERTON (December 16, 2013) - The council met."))
    assert st is not None and st.found.edtf() == "2013-12-16"
    st = stated_date(numbered("Bern, 15.11.2014 - Rede der Präsidentin"))
    assert st is not None and st.found.edtf() == "2014-11-15"


def test_a_sign_off_or_copyright_line_at_the_end():
    body = "\n".join(f"Paragraph {i} of the statement." for i in range(30))
    st = stated_date(numbered(body + "\nSignée à Lyon, le 25 février 2009."))
    assert st is not None and (st.where, st.found.edtf()) == ("sign-off", "2009-02-25")
    st = stated_date(numbered(body + "\n© Town of Eastbrook - 30-01-2002"))
    assert st is not None and st.found.edtf() == "2002-01-30"


def test_dates_in_running_text_updates_and_events_are_not_issue_dates():
    assert stated_date(numbered("Our director visited the site on 3 May 2019 and met the team there.")) is None
    assert stated_date(numbered("Headline\n\nUpdated: 4 June 2020")) is None
    assert stated_date(numbered("Headline\n\nEmbargoed until 4 June 2020")) is None
    assert stated_date(numbered("Meeting from 4 June 2020 to 6 June 2020")) is None
    # yesterday's date in parentheses inside a sentence is an event
    assert stated_date(numbered("The mayor spoke yesterday (Tuesday 29 January 2002) to the council.")) is None


def test_only_the_top_and_the_bottom_are_read():
    filler = [f"Sentence number {i} of the body text goes on." for i in range(TOP_LINES + BOTTOM_LINES + 5)]
    middle = filler[:TOP_LINES] + ["12 March 2019"] + filler[TOP_LINES:]
    assert stated_date(numbered("\n".join(middle))) is None
    assert stated_date(numbered("\n".join(filler[:TOP_LINES - 1] + ["12 March 2019"] + filler))) is not None


def test_a_stated_date_resolves_like_any_other():
    st = stated_date(numbered("Lindau, 04.07.2022. Die Stiftung meldet heute ihre Zahlen seit dem 14.12.1962."))
    others = [o for o in D.find_dates(st.text, st.found.line) if o.raw != st.found.raw]
    res = D.resolve(st.found, others)
    assert res.value == "2022-07-04" and "14.12.1962" in res.note
