"""The headline of a text document: read by layout, across languages, scripts and page furniture."""
from __future__ import annotations

import pytest

from preserve.describe.header import scan_header
from preserve.describe.lines import script_of, split_lines
from preserve.describe.markdown import describe_markdown, split_front_matter
from preserve.describe.text import analyse

BODY = ("The Lakeside Rowing Club opened its new boathouse on Saturday, after two years of work by "
        "volunteers and a grant from the town.")
CORPS = ("La Société des Amis du Verger a planté trois cents arbres fruitiers dans la vallée, avec "
         "l'aide des écoles du canton et de nombreux bénévoles.")


def title_of(text: str) -> str | None:
    head = scan_header(split_lines(text))
    return head.title.text if head.title else None


@pytest.mark.parametrize("text, want", [
    # navigation above the headline, in several languages
    (f"Skip to main content\n\nRowing club opens new boathouse\n\n{BODY}", "Rowing club opens new boathouse"),
    (f"Aller au contenu principal\n\nLe verger de la vallée s'agrandit\n\n{CORPS}",
     "Le verger de la vallée s'agrandit"),
    # a cookie notice (short sentences) and its button above the headline
    (f"This site uses cookies to improve your visit.\nBy browsing on you accept cookies.\n\nCookie settings\n\n"
     f"Rowing club opens new boathouse\n\n{BODY}", "Rowing club opens new boathouse"),
    # a genre label and a date line are passed over, in French as in English
    (f"Communiqué de presse\n\n3 mai 2021\n\nLe verger de la vallée s'agrandit\n\n{CORPS}",
     "Le verger de la vallée s'agrandit"),
    # the issuing office's name, then the headline
    (f"Lakeside Rowing Club\n\nRowing club opens new boathouse\n\n{BODY}", "Rowing club opens new boathouse"),
    # a name-like kicker (a section of the site) above a longer headline
    (f"News Centre Lakeside Town Council\n\nRowing club opens a new boathouse after two years of work\n\n{BODY}",
     "Rowing club opens a new boathouse after two years of work"),
    # an all-capitals headline
    (f"ROWING CLUB OPENS NEW BOATHOUSE ON THE LAKE\n\n{BODY}", "ROWING CLUB OPENS NEW BOATHOUSE ON THE LAKE"),
    # a headline with a subtitle below it: the first one is the headline
    (f"Valley orchard: three hundred new trees\n\nA planting day with the schools of the canton and many "
     f"volunteers\n\n{BODY}", "Valley orchard: three hundred new trees"),
    # a quoted phrase opens the headline, a dateline opens the body
    (f'"Rowing for all" (Lakeside Regatta 2019)\n\nLakeside, 04.06.2019 - {BODY}', '"Rowing for all" (Lakeside Regatta 2019)'),
])
def test_headline_is_found_past_what_is_not_one(text: str, want: str) -> None:
    assert title_of(text) == want


def test_a_line_in_another_script_is_not_the_headline() -> None:
    text = f"Перейти к основному содержанию\n\nRowing club opens new boathouse\n\n{BODY}"
    assert title_of(text) == "Rowing club opens new boathouse"
    assert script_of("Перейти к содержанию") == "cyrillic" and script_of(BODY) == "latin"
    assert script_of("افتتاح مكتبة جديدة") == "arabic" and script_of("2019 — 12") is None


@pytest.mark.parametrize("text", [
    # the body begins at once: no headline
    f"{BODY}\n\nMore news follows.",
    # a donation button, a list of members, never body text close below: no headline
    "Donate now to the club\n\nMembers\n\n" + "\n".join(f"Rowing Section Number {n} of the Lake" for n in range(12))
    + f"\n\n{BODY}",
    # only a genre label above the body
    f"Press release\n\n{BODY}",
    # a byline and a short name above the body
    f"Submitted by webmaster on\n\nLakeside Club\n\n{BODY}",
])
def test_no_headline_is_invented(text: str) -> None:
    assert title_of(text) is None


def test_no_headline_keeps_the_placeholder_note() -> None:
    draft = analyse(split_lines(f"{BODY}\n\nMore news follows."))
    assert "title" not in draft.elements
    assert any(n.startswith("title: the document has no headline") for n in draft.notes)


def test_a_teaser_paragraph_above_the_real_header_is_passed_over() -> None:
    text = (f"{BODY}\n\nFOR IMMEDIATE RELEASE: Monday, June 3, 2019\n\nRowing club opens new boathouse\n\n"
            f"{BODY}")
    head = scan_header(split_lines(text))
    assert head.title.text == "Rowing club opens new boathouse" and head.title.number == 5
    assert head.date_found.raw == "June 3, 2019"


def test_a_site_name_after_a_repeated_headline_is_dropped_with_a_note() -> None:
    text = f"Rowing club opens new boathouse - Lakeside News\n\nRowing club opens new boathouse. {BODY}"
    draft = analyse(split_lines(text))
    title = draft.elements["title"][0]
    assert (title.value, title.provenance) == ("Rowing club opens new boathouse", "text line 1")
    assert "'Lakeside News'" in title.note and "line 3" in title.note


def test_a_site_name_is_kept_when_the_headline_does_not_recur() -> None:
    assert title_of(f"Rowing club - the new boathouse opens\n\n{BODY}") == "Rowing club - the new boathouse opens"


def test_toml_front_matter_gives_the_title() -> None:
    text = ('+++\npath = "2021/05/03/orchard"\ntitle = "Three hundred trees for the valley"\n'
            'date = 2021-05-03\nauthors = ["The Orchard Team"]\n+++\n\n' + BODY + "\n")
    data, body, first, problem = split_front_matter(text)
    assert problem is None and data["title"] == "Three hundred trees for the valley" and first == 7
    draft = describe_markdown(text)
    assert [(v.value, v.provenance) for v in draft.elements["title"]] == [
        ("Three hundred trees for the valley", "front matter (title)")]
    assert [v.value for v in draft.elements["date"]] == ["2021-05-03"]


def test_broken_toml_front_matter_is_ignored_with_a_note() -> None:
    data, body, first, problem = split_front_matter('+++\ntitle = "unclosed\n+++\n\n# Heading here\n')
    assert data is None and problem.startswith("TOML front matter is not valid") and body.startswith("\n# Heading")


def test_a_date_line_after_a_teaser_is_the_issue_date_even_without_a_headline() -> None:
    text = f"Read our latest news.\nThe club publishes its news here.\n\n3 June 2019\n\n{BODY}"
    head = scan_header(split_lines(text))
    assert head.title is None and head.date_found.raw == "3 June 2019" and head.date_line.number == 4


def test_a_date_after_a_teaser_and_a_line_of_menu_is_not_taken() -> None:
    text = f"Read our latest news.\nThe club publishes its news here.\n\nHOME ABOUT NEWS\n\n3 June 2019\n\n{BODY}"
    assert scan_header(split_lines(text)).date_found is None


def test_a_headline_about_cookies_is_not_a_cookie_notice() -> None:
    assert title_of(f"Bakery wins prize for its oat cookies\n\n{BODY}") == "Bakery wins prize for its oat cookies"


@pytest.mark.parametrize("place", ["NEW YORK", "Geneva", "Lakeside, Northland"])
def test_a_dateline_place_alone_is_not_the_headline(place: str) -> None:
    assert title_of(f"{place}\n\n{BODY}") is None


def test_a_markdown_hard_break_backslash_is_not_text() -> None:
    assert [l.text for l in split_lines("Ada Quill (Orchard team) \\\nBen Moss\\")] == ["Ada Quill (Orchard team)",
                                                                                     "Ben Moss"]


def test_an_author_pointing_at_the_signatories_leaves_them_to_the_text() -> None:
    text = ('+++\ntitle = "Our joint word on the orchard"\nauthors = ["The undersigned"]\n+++\n\n' + BODY + "\n")
    draft = describe_markdown(text)
    assert all(v.value != "The undersigned" for v in draft.elements.get("creator", []))
    assert any("points at the signatories" in n for n in draft.notes)


def test_the_headline_line_is_never_a_creator() -> None:
    text = f"CONTACT: Ada Quill, press officer\n\nFOR IMMEDIATE RELEASE: June 3, 2019\n\nOrchard Society Plants Trees\n\n{BODY}"
    draft = analyse(split_lines(text))
    assert draft.elements["title"][0].value == "Orchard Society Plants Trees"
    assert all(v.value != "Orchard Society Plants Trees" for v in draft.elements.get("creator", []))


@pytest.mark.parametrize("furniture", ["Home > News > Press releases", "Home | About us | News | Contact",
                                       "Share this: Mail Print Post"])
def test_breadcrumbs_menus_and_share_bars_are_furniture(furniture: str) -> None:
    assert title_of(f"{furniture}\n\nBoathouse opens\n\n{BODY}") == "Boathouse opens"
