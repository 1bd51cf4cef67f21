"""HTML pages: title, date and publisher from the markup; main content told from furniture."""
from __future__ import annotations

import json

from preserve.describe.html import describe_html
from preserve.describe.htmlmeta import is_domain, split_title, strip_site

BODY = ("<p>The Lakeside Rowing Association opened a new boathouse on the north shore of the lake "
        "for its junior members and visiting clubs from the region.</p>")


def page(head: str = "", body: str = BODY) -> str:
    return f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def first(draft, element):
    values = draft.elements.get(element) or []
    return (values[0].value, values[0].provenance) if values else None


def test_site_name_after_the_headline_is_removed_by_og_title():
    d = describe_html(page("<title>New boathouse opens | Lakeside Rowing</title>"
                           "<meta property='og:title' content='New boathouse opens'>"))
    assert first(d, "title") == ("New boathouse opens", "html meta og:title")
    assert "Lakeside Rowing" in d.elements["title"][0].note


def test_site_name_before_the_headline_is_removed_by_the_h1():
    d = describe_html(page("<title>Lakeside Rowing - New boathouse opens</title>",
                           "<h1>New boathouse opens</h1>" + BODY))
    assert first(d, "title") == ("New boathouse opens", "html h1")
    assert first(d, "creator") == ("Lakeside Rowing", "html <title>")


def test_site_name_removed_by_og_site_name_alone():
    d = describe_html(page("<title>New boathouse opens ‹ Lakeside Rowing</title>"
                           "<meta property='og:site_name' content='Lakeside Rowing'>"))
    assert first(d, "title") == ("New boathouse opens", "html <title>")


def test_a_title_without_a_separator_is_kept_whole():
    d = describe_html(page("<title>Boathouse: a new home - for rowers</title>"))
    assert first(d, "title") == ("Boathouse: a new home - for rowers", "html <title>")


def test_split_title_keeps_separators_inside_the_headline():
    assert split_title("Rowing - the season | Club", ["Rowing - the season"]) == ("Rowing - the season", ["Club"])
    assert split_title("Headline only", ["Headline only"]) is None
    assert strip_site("Club: Headline", ["Other"]) is None


def test_jsonld_headline_date_and_publisher_in_a_graph():
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "lakeside.example"},
        {"@type": "NewsArticle", "headline": "Boathouse opens", "datePublished": "2021-03-09T10:00:00+01:00",
         "dateModified": "2022-01-01", "publisher": {"@type": "Organization", "name": "Lakeside Rowing Association"},
         "author": {"@type": "Person", "name": "Mira Holt"}}]}
    d = describe_html(page(f"<title>Boathouse opens – Lakeside</title>"
                           f"<script type='application/ld+json'>{json.dumps(ld)}</script>"))
    assert first(d, "title") == ("Boathouse opens", "html JSON-LD headline")
    assert first(d, "date") == ("2021-03-09", "html JSON-LD datePublished")
    assert first(d, "creator") == ("Lakeside Rowing Association", "html JSON-LD publisher")


def test_broken_jsonld_is_noted_not_raised():
    d = describe_html(page("<title>Boathouse opens</title><script type='application/ld+json'>{oops</script>"))
    assert first(d, "title") == ("Boathouse opens", "html <title>")
    assert any("JSON-LD" in n for n in d.notes)


def test_published_time_wins_over_modified_time():
    d = describe_html(page("<meta property='article:modified_time' content='2020-09-01T08:00:00Z'>"
                           "<meta property='article:published_time' content='2019-11-05T08:00:00Z'>"))
    assert first(d, "date") == ("2019-11-05", "html meta article:published_time")


def test_time_datetime_reads_an_ambiguous_visible_date():
    d = describe_html(page("", "<article><h1>Boathouse opens</h1><time datetime='2018-04-03'>03/04/2018</time>"
                           + BODY + "</article>"))
    assert first(d, "date") == ("2018-04-03", "html <time datetime>")


def test_a_time_after_the_first_paragraph_is_an_event_not_the_issue_date():
    d = describe_html(page("", "<h1>Boathouse opens</h1>" + BODY + "<p>Open day on "
                           "<time datetime='2018-05-01'>1 May</time>.</p>"))
    assert "date" not in d.elements


def test_not_a_date_is_not_invented():
    d = describe_html(page("<meta property='article:published_time' content='soon'>"))
    assert "date" not in d.elements and any("not a date" in n for n in d.notes)


def test_og_site_name_is_the_creator_but_a_bare_domain_is_not():
    d = describe_html(page("<meta property='og:site_name' content='Lakeside Rowing Association'>"))
    assert first(d, "creator") == ("Lakeside Rowing Association", "html meta og:site_name")
    d = describe_html(page("<meta property='og:site_name' content='lakeside.example.org'>"))
    assert ("lakeside.example.org", "html meta og:site_name") != first(d, "creator")
    assert is_domain("www.lakeside.org") and not is_domain("Lakeside Rowing")


def test_outermost_site_name_in_title_beats_a_site_section():
    d = describe_html(page("<title>Boathouse opens | Newsroom | Lakeside Rowing</title>"
                           "<meta property='og:title' content='Boathouse opens'>"
                           "<meta property='og:site_name' content='Newsroom'>"))
    assert first(d, "creator") == ("Lakeside Rowing", "html <title>")


def test_heading_set_over_lines_gives_the_title_proper():
    d = describe_html(page("<title>Lakeside Rowing</title><meta property='og:title' content='Spring Regatta 2020 Row for all'>",
                           "<h2>Spring Regatta 2020<br>Row for all</h2>" + BODY))
    assert first(d, "title") == ("Spring Regatta 2020", "html h2")


def test_navigation_is_not_the_description_and_words_are_not_glued():
    body = ("<nav><ul><li>Toggle menu</li><li>Home</li></ul></nav>"
            "<div class='site-menu'><p>Skip to content and browse our many pages of news.</p></div>"
            "<main><h1>Boathouse opens</h1><p>The boathouse was built by students of the University of "
            "Westmark<br>on the north shore, with <b>volunteers</b> from <span>t</span>hree three clubs, over two summers of work "
            "and many weekends.</p></main><footer><p>Copyright Lakeside Rowing Association, all rights.</p></footer>")
    d = describe_html(page("<title>Boathouse opens</title>", body))
    desc = first(d, "description")[0]
    assert desc.startswith("The boathouse was built")
    assert "Westmark on the north" in desc and "volunteers from three" in desc
    assert "Toggle" not in " ".join(v.value for vs in d.elements.values() for v in vs)


def test_meta_value_attribute_is_read_like_content():
    d = describe_html(page("<meta name='og:title' value='Boathouse opens'><title>Boathouse opens | Lakeside</title>"))
    assert first(d, "title") == ("Boathouse opens", "html meta og:title")


def test_no_markup_metadata_leaves_the_text_analysis():
    d = describe_html(page("", "<h1>Boathouse opens on the lake</h1><p>3 May 2017</p>" + BODY))
    assert first(d, "title")[0] == "Boathouse opens on the lake"
    assert first(d, "date")[0] == "2017-05-03"


def test_empty_page_gives_a_note():
    d = describe_html("   ")
    assert d.notes == ["html: no parsable content"]


def test_a_domain_site_name_finds_the_line_that_spells_it():
    body = ("<div><p>The Harbour Watch</p><p>For Immediate Release</p></div>"
            "<h1>Boathouse opens</h1>" + BODY)
    d = describe_html(page("<title>Boathouse opens | harbourwatch.org</title>"
                           "<meta property='og:site_name' content='harbourwatch.org'>", body))
    assert first(d, "creator")[0] == "The Harbour Watch"
    d = describe_html(page("<meta property='og:site_name' content='www.lrwa.example'>",
                           "<p>Lakeside Rowing Watch Association</p><h1>Boathouse opens</h1>" + BODY))
    assert first(d, "creator")[0] == "Lakeside Rowing Watch Association"
    d = describe_html(page("<meta property='og:site_name' content='otherclub.org'>",
                           "<p>The Harbour Watch</p><h1>Boathouse opens</h1>" + BODY))
    assert first(d, "creator") is None or first(d, "creator")[0] != "The Harbour Watch"


def test_jsonld_publisher_by_reference_and_a_page_header_with_the_headline():
    ld = [{"@type": "Article", "headline": "Boathouse opens", "publisher": {"@id": "#org"}},
          {"@type": "Organization", "@id": "#org", "name": "Lakeside Rowing Association"}]
    body = "<header class='page-header'><h1>Boathouse opens</h1></header><header><p>Site search and menu</p></header>" + BODY
    d = describe_html(page(f"<script type='application/ld+json'>{json.dumps(ld)}</script>", body))
    assert first(d, "creator") == ("Lakeside Rowing Association", "html JSON-LD publisher")
    assert first(d, "title") == ("Boathouse opens", "html JSON-LD headline")
    assert "Site search" not in str(d.elements)


def test_a_logo_heading_does_not_become_the_title():
    body = "<h1>Lakeside Rowing</h1><h2>Boathouse opens on the lake</h2>" + BODY
    d = describe_html(page("<title>Boathouse opens on the lake | Lakeside Rowing</title>", body))
    assert first(d, "title") == ("Boathouse opens on the lake", "html h2")
    assert first(d, "creator") == ("Lakeside Rowing", "html <title>")


def test_og_site_name_beats_a_title_part_it_is_not():
    d = describe_html(page("<title>Boathouse opens | News</title><meta property='og:title' content='Boathouse opens'>"
                           "<meta property='og:site_name' content='Lakeside Rowing Association'>"))
    assert first(d, "creator") == ("Lakeside Rowing Association", "html meta og:site_name")


def test_the_article_holding_the_h1_is_the_main_content_among_several():
    teaser = "<article><h3>Older news</h3><p>Winter training camp report, with many details of the week.</p></article>"
    body = teaser + "<article><h1>Boathouse opens</h1>" + BODY * 2 + "</article>" + teaser
    d = describe_html(page("<title>Boathouse opens</title>", body))
    assert first(d, "description")[0].startswith("The Lakeside Rowing Association opened")
    assert "Winter" not in " ".join(v.value for v in d.elements.get("subject", []))


def test_a_page_inside_a_form_or_a_share_box_is_still_content():
    d = describe_html(page("<title>Boathouse opens</title>",
                           "<form id='aspnetForm'><div class='share-enabled'><h2>Boathouse opens</h2>" + BODY * 2
                           + "</div></form>"))
    assert first(d, "description")[0].startswith("The Lakeside Rowing Association opened")
