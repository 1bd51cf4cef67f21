"""Issuers of a text: the opening sentence's subject, bylines, signed-by lists, other languages."""
from __future__ import annotations

import pytest

from preserve.describe.lines import split_lines
from preserve.describe.organisations import find_creators
from preserve.describe.orgnames import abbreviations, name_at


def creators(text: str, body_start: int = 0) -> list[str]:
    return [c.name for c in find_creators(split_lines(text), body_start)]


def test_the_subject_of_the_opening_sentence_is_the_issuer():
    text = ("Tenants ask for repairs\n\nThe Lakeside Tenants Union calls on the city to repair forty flats "
            "before winter.\nThe Open Meadow Partnership is a platform that funds housing repairs in the region.\n\n"
            "The union will meet the mayor on Monday.\n\nRepairs are planned for the spring.\n\nMore later.")
    assert creators(text) == ["Lakeside Tenants Union"]  # the partner of the second paragraph is not one


def test_a_list_of_subjects_gives_every_issuer_and_an_apposition_does_not():
    text = ("Blue Harbour Coalition, Northern Fishers Association and Kestrel Foundation express their concern "
            "about the new quotas for the bay.")
    assert creators(text) == ["Blue Harbour Coalition", "Northern Fishers Association", "Kestrel Foundation"]
    person = ("Jane Roe, Director of the Kestrel Foundation in Lowmoor, said that the quotas would hurt "
              "small boats this year.")
    assert creators(person) == []


def test_a_person_with_a_role_or_a_possessive_is_no_issuer():
    text = ("President of the Kestrel Coalition Jane Roe said that the dam must stop now, or the valley floods.\n"
            "The Coalition’s members met on Monday in the old town hall to plan their next steps.")
    assert creators(text) == []


@pytest.mark.parametrize("sentence, name", [
    ("Le Conseil des pêcheurs de la vallée a adopté hier une résolution sur les quotas de pêche.",
     "Conseil des pêcheurs de la vallée"),
    ("La Cancillería regional expresa su satisfacción por el acuerdo firmado entre ambos municipios hoy.",
     "Cancillería"),
    ("Der Landesverband Nordheide fordert mehr Geld für die Pflege von Mooren und Wiesen im Kreis.",
     "Landesverband Nordheide"),
    ("KESTREL and local groups welcome the decision of the court to stop the new road through the marsh.",
     "KESTREL"),
])
def test_openings_in_other_languages_and_capitals(sentence, name):
    assert creators(sentence) == [name]


def test_a_name_opening_two_sentences_after_an_article_is_the_issuer():
    text = ("Hamburg, 04.07.2022. Durch die Dürre ist die Ernte im Norden dramatisch schlechter ausgefallen "
            "als im letzten Jahr.\n\nDie Flusshilfe wird in diesem Jahr 30 Jahre alt. Sie ist politisch "
            "unabhängig und hilft Bauern. Die Flusshilfe arbeitet mit Partnern in zehn Ländern zusammen.")
    assert creators(text) == ["Flusshilfe"]


def test_an_abbreviation_is_spelled_out_as_the_text_defines_it():
    text = ("Rivertown (WRN) – Les inondations menacent la région entière et ses villages cette semaine.\n\n"
            "Le Water Rights Network (WRN) envoie des équipes dans la vallée pour aider les familles.")
    assert creators(text) == ["Water Rights Network (WRN)"]
    assert abbreviations("the Comité rural de la vallée (CRV) says")["crv"] == "Comité rural de la vallée (CRV)"


def test_a_short_name_takes_the_longer_form_the_text_spells():
    text = ("PRESS BRIEFING BY THE INFORMATION OFFICE\n\nJohn Doe, speaking for the United Regions Information "
            "Office in Lowmoor, opened the briefing with news of the floods in the north.")
    assert creators(text) == ["United Regions Information Office"]


def test_bylines_and_label_lines():
    assert creators("Speech by the Mountain Rescue Council\n\nDear friends,") == ["Mountain Rescue Council"]
    assert creators("Headline\n\nText.\n\nPublisher: Nordland Cycling Association") == \
           ["Nordland Cycling Association"]
    assert creators("Nota Vallemare – incontro sul porto\n\nOggi si è svolto un incontro.") == ["Vallemare"]
    assert creators("Statements Office of the Water Ombudsman\n\nA headline") == ["Office of the Water Ombudsman"]
    assert creators("News Releases\n\nToday is a good day for the river, we think, and so do they.") == []


def test_arabic_issued_by_line():
    assert creators("بيان صادر عن الشبكة بشأن المياه\n\nنص البيان") == ["الشبكة"]


def test_signed_by_in_running_text_only_next_to_the_document():
    text = "This statement is signed by Alpha Aid Society, Beta Relief Network and Gamma Trust, all members."
    assert creators(text) == ["Alpha Aid Society", "Beta Relief Network", "Gamma Trust"]
    french = ("La déclaration suivante a été signée par 30 ONG dont Aide Rurale Internationale, et adressée "
              "aux pays réunis à Rivertown.")
    assert creators(french) == ["Aide Rurale Internationale"]
    networks = ("This statement is made by 3 networks (Delta Network, EPSILON, Zeta Forum) and is based on the "
                "speech of Dr A. Example, President of Omega Health.")
    assert creators(networks) == ["Delta Network", "EPSILON", "Zeta Forum"]
    remarks = "The minister criticised remarks made by Omega Holdings about the new harbour in the bay."
    assert "Omega Holdings" not in creators(remarks)  # remarks are not the document


def test_a_parenthesised_list_after_a_plural_type_in_the_opening():
    text = ("Сегодня ведущие фонды региона (Фонд помощи «Заря», «Рассвет») запускают акцию для детей "
            "и их семей.")
    assert creators(text) == ["Фонд помощи «Заря»", "Рассвет"]


def test_multilingual_signatories_heading():
    text = ("Notre appel\n\nPremiers signataires\n\nFédération des jardins ouvriers\nLigue des randonneurs\n\n"
            "Texte de l'appel.")
    assert creators(text) == ["Fédération des jardins ouvriers", "Ligue des randonneurs"]


def test_masthead_and_signature_block():
    assert creators("Gemeente Lagedijk\n\nNieuwe regels voor de markt\n\nDe markt gaat open.") == \
           ["Gemeente Lagedijk"]
    block = ("Text of the appeal.\n\nAnn Example, President of the Lowmoor Garden Society\n"
             "Bo Sample, Chair of Rivertown Walkers Association\n")
    assert creators(block) == ["Lowmoor Garden Society", "Rivertown Walkers Association"]


def test_names_do_not_run_across_lines_or_into_verbs():
    assert name_at("Kestrel Foundation\nOpens a new office") == ("Kestrel Foundation", 18, True)
    assert name_at("Conseil des droits de l'homme a tenu un débat")[0] == "Conseil des droits de l'homme"
    assert name_at("the Kestrel Foundation") is None


def test_silence_and_funders_give_no_creator():
    text = ("Garden open day\n\nThe gardens open on Sunday for visitors of all ages and their dogs.\n\n"
            "The day is funded by the Silver Fund and supported by Lowmoor Council.")
    assert creators(text) == []


def test_a_contact_block_in_german_names_organisations_not_people():
    text = ("Text der Mitteilung.\n\nFür Rückfragen stehen Ihnen zur Verfügung:\n\n"
            "Anna Beispiel, Moorfreunde Nord e.V., presse@example.org\n\n"
            "Otto Muster, Landesverband Heide, info@example.org\n")
    assert creators(text) == ["Moorfreunde Nord", "Landesverband Heide"]


def test_the_parent_of_a_project_is_the_issuer():
    text = "Wir laden ein.\n\n„Stadtkarte“ ist ein Projekt der Offene Daten Stiftung Nord. Danke!"
    assert creators(text) == ["Offene Daten Stiftung Nord"]


def test_a_dash_sign_off_at_the_end_names_the_issuer() -> None:
    from preserve.describe.organisations import sign_off

    lines = split_lines("Ferry timetable changes\n\nThe winter timetable starts on Monday.\n\n"
                        "Questions go to the harbour office.\n\n- The Millbrook Harbour Team\n")
    assert [c.name for c in sign_off(lines)] == ["The Millbrook Harbour Team"]
    body = split_lines("A note\n\nThe ferry runs daily - the harbour office says so.\n")
    assert sign_off(body) == []
