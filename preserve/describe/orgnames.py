"""Organisation names in running text: where a name starts and ends, and its spelled-out form.

A name is a run of capitalised words joined by connectives ("Office of the Commissioner
for Rural Water"); after an organisation-type word (Council, Conseil, Verband, Фонд ...) the
run may also take lowercase words behind a connective ("Conseil des rivières de l'ouest") or a
lowercase adjective ("Comité national de la Sécurité routière"), as Romance and Slavic names
do. The type words are a small multilingual list of kinds of organisation, never names.
An abbreviation is expanded when the text defines it: "Name (ABBR)".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: the rule that found a creator, as its note names it
CreatorRule = Literal["signatories list", "source credit", "'About' heading",
                      "boilerplate paragraph ('X is/has ...')", "first-person opening ('Today the X ...')",
                      "opening ('X today announced ...')", "contact block",
                      "dateline credit ('Place (ORG) -')", "byline ('Statement by X', 'Publisher: X')",
                      "label line ('Statements X', 'Nota X')", "signed by ... (in running text)",
                      "subject of the opening sentence", "masthead line", "signature block ('Name, Role of X')",
                      "boilerplate ('X is a project of Y')", "sign-off ('- The X Team' at the end)"]


@dataclass(frozen=True)
class Creator:
    """An issuing organisation, the line that names it, and the rule that found it."""

    name: str
    line: int
    how: CreatorRule


_TYPES = frozenset("""
academy agency alliance assembly association authority board bureau campaign centre center chancellery
charity city coalition college commission committee company confederation conference congress corporation
council court department directorate federation forum foundation front fund government group inc initiative
institute institution league ltd ministry movement municipality network office organisation organization
parliament partnership party programme program project secretariat service society team trust union
university
académie agence association bureau centre chancellerie collectif comité commission confédération conférence
conseil coordination fédération fondation fonds gouvernement institut ligue mairie ministère mouvement
observatoire organisation parlement réseau secours secrétariat syndicat université ville
akademie amt ausschuss bund bündnis bundesamt bundesrat bundesregierung gemeinde gesellschaft gewerkschaft
hochschule institut initiative kammer kommission ministerium netzwerk partei rat regierung senat stadt
stiftung universität verband verein zentrum
agencia agenzia asociación associazione associação ayuntamiento cancillería comisión comitato comité
commissione comune confederación consejo consiglio conselho coordinadora federación federazione fondazione
fondo frente fundación fundação gobierno governo instituto istituto ministerio ministero ministério
movimiento movimento municipalidad oficina organización organizzazione organização red rete secretaría
sindicato ufficio universidad università
gemeente ministerie raad stichting vereniging
администрация ассоциация движение институт комитет министерство общество организация правительство
совет союз фонд центр
""".split())
#: German compounds end in their type word: Bundesministerium, Kinderhilfswerk, Landesverband
_TYPE_SUFFIX = re.compile(r"(?:verband|verein|stiftung|ministerium|gesellschaft|netzwerk|hilfswerk|bündnis)$")
CONNECT = frozenset("""of for and the on to & de du des la le les l d et pour sur contre al el y del los las
e di da della delle dei degli per und für der die das zur zum von van voor het en do dos das na no i
""".split())
#: English names take no lowercase word after a connective ("Union calls on the city")
_EN_CONNECT = frozenset("of for and the on to &".split())
#: adjective (and Russian genitive) endings of Romance, German and Russian names ("Comité national", "Agencia chilena")
_ADJECTIVE = re.compile(r"(?:al|ale|ales|aux|el|elle|ien|ienne|ais|aise|ois|oise|ique|in|ine|ain|aine|é|ée|"
                        r"és|ées|iste|if|ive|o|a|os|as|isch|ische|ischen|ый|ий|ой|ая|ое|и|ы|я)$")
ARTICLES = frozenset("the a le la les l' l’ die der das el los las il lo gli de het een".split())
#: capitalised words that are no name: pronouns, sentence adverbs, genre labels
NOT_NAMES = frozenset("""he she it they we this that these those our its their his her there here what today
i you yesterday tomorrow release releases statement statements press news note update briefing about
ngo ngos ong ongs nro ngo's
""".split())
#: a person's role or title: a name that starts with one is a person's ("President of the X Jane Doe")
ROLES = frozenset("""chief president présidente président präsident präsidentin presidente director directeur
directrice direktor direktorin directora mayor maire bürgermeister sindaco alcalde minister ministre ministro
ministerin secretary secrétaire sekretär chair chairman chairwoman chairperson ceo spokesperson spokesman
spokeswoman porte-parole sprecher sprecherin executive head leader dr mr mrs ms prof professor ambassador
ambassadeur botschafter commissioner""".split())
#: words of a label, a kicker or a role that may stand before a name but are no part of it
_LABEL_WORDS = ROLES | frozenset("""about contact kontakt statement statements declaration déclaration
erklärung rede speech nota note comunicato communiqué press release news briefing flag logo""".split())

_WORD = re.compile(r"[^\W_](?:[\w&'’.\-]*[\w&])?")
_GAP_OK = re.compile(r"[ «»“”„\"]{1,3}")
_ELIDED = re.compile(r"^[dlDL]['’]")


def _cap(word: str) -> bool:
    """True when the word starts with a capital (after an elided d'/l')."""
    w = _ELIDED.sub("", word)
    return bool(w) and w[0].isupper()


def is_type(word: str) -> bool:
    """True when the word names a kind of organisation (Council, Verband, Фонд ...)."""
    w = _ELIDED.sub("", word).casefold()
    return w in _TYPES or bool(_TYPE_SUFFIX.search(w))


def words(text: str) -> list[tuple[str, int, int]]:
    """The words of text with their spans."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def scan(text: str, toks: list[tuple[str, int, int]], i: int) -> tuple[int, bool] | None:
    """Where the name that starts at word i ends (exclusive word index) and whether it holds a
    type word; None when word i starts no name."""
    if i >= len(toks) or not _cap(toks[i][0]) or toks[i][0].casefold() in NOT_NAMES | CONNECT:
        return None
    typed = is_type(toks[i][0])
    end = j = i + 1

    def joined(k: int) -> bool:
        return k < len(toks) and bool(_GAP_OK.fullmatch(text[toks[k - 1][2]:toks[k][1]]))

    while joined(j):
        w = toks[j][0]
        if (_cap(w) or w[0].isdigit()) and w.casefold() not in CONNECT:
            typed = typed or is_type(w)
            j += 1
            end = j
            continue
        if w.casefold() in CONNECT:
            k = j
            while joined(k) and toks[k][0].casefold() in CONNECT and k - j < 3:
                k += 1
            romance = not any(toks[x][0].casefold() in _EN_CONNECT for x in range(j, k))
            if joined(k) and (_cap(toks[k][0]) or (typed and romance and toks[k][0][0].islower())) \
                    and toks[k][0].casefold() not in CONNECT:
                typed = typed or is_type(toks[k][0])
                j = end = k + 1
                continue
            break
        if typed and w[0].islower() and _ADJECTIVE.search(w) and joined(j + 1) and (toks[j + 1][0].casefold() in CONNECT or _cap(toks[j + 1][0])):
            j += 1  # an adjective after the type word: "Comité international de ..."
            continue
        break
    return end, typed


def name_at(text: str, start: int = 0) -> tuple[str, int, bool] | None:
    """The name that starts at text[start] (after spaces): (name, end offset, typed), or None."""
    toks = words(text[start:start + 240])
    if not toks or text[start:start + toks[0][1]].strip(" «“„\"'"):
        return None
    found = scan(text[start:start + 240], toks, 0)
    if not found:
        return None
    end, typed = found
    stop = toks[end - 1][2]
    name = text[start + toks[0][1]:start + stop]
    if name.count("«") > name.count("»") and text[start + stop:start + stop + 1] == "»":
        name += "»"
        stop += 1
    return name, start + stop, typed


_PREFIX = re.compile(r"(?:[^\W\d_a-z][\w.&-]*[ ])+")
_ABBR = re.compile(r"\s\(([^\W\d_][\w.&-]{1,11})\)")


def _abbreviation(word: str) -> bool:
    """True when word looks like an abbreviation: two or more capitals (RWT, OKF, CoDEV)."""
    return sum(c.isupper() for c in word) >= 2


def defined_before(text: str, paren: int, abbr: str) -> str | None:
    """The spelled-out name that ends just before text[paren] (a " (ABBR)") and starts with
    the abbreviation's first letter, or None."""
    window_start = max(0, paren - 160)
    window = text[window_start:paren]
    toks = words(window)
    for i, (w, s, _) in enumerate(toks):
        if w.casefold() in ARTICLES or not _cap(w) or _ELIDED.sub("", w)[0].casefold() != abbr[0].casefold():
            continue
        found = scan(window, toks, i)
        if found and toks[found[0] - 1][2] == len(window):
            return window[s:]
        if found and found[1]:
            # a typed name may run on in lowercase up to the parenthesis ("Réseau des
            # associations de quartier ... (RAQ)") within one clause
            rest = window[s:]
            if not re.search(r"[.;:!?()\n]", rest) and len(rest.split()) <= 16:
                return rest
    return None


def abbreviations(text: str) -> dict[str, str]:
    """Every abbreviation the text defines, with its spelled-out name ("Name (ABBR)")."""
    out: dict[str, str] = {}
    for m in _ABBR.finditer(text[:20000]):
        abbr = m.group(1)
        if abbr.casefold() in out or not _abbreviation(abbr):
            continue
        full = defined_before(text, m.start(), abbr)
        if full:
            out[abbr.casefold()] = f"{full} ({abbr})"
    return out


def spelled_out(name: str, text: str, defined: dict[str, str]) -> str:
    """The name as the text spells it out: an abbreviation by its definition; a short name by
    the longest name of the text that ends with it ("Information Service" in "United Nations
    Information Service"); otherwise the name itself."""
    if name.casefold() in defined:
        return defined[name.casefold()]
    best = name
    flags = re.I if " " in name else 0  # a one-word name ("HARBOUR") only as written
    for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text[:20000], flags):
        window_start = max(0, m.start() - 80)
        window = text[window_start:m.end()]
        toks = words(window)
        for i, (w, s, _) in enumerate(toks):
            if window_start + s >= m.start():
                break
            if w.casefold() in ARTICLES:
                continue
            prefix = window[s:m.start() - window_start]
            if not _PREFIX.fullmatch(prefix) or not all(w[0].isupper() for w in prefix.split()) or any(w.casefold() in _LABEL_WORDS | CONNECT | ARTICLES
                                                    for w in prefix.split()):
                continue  # only capitalised words before it: "United Nations" + "Information Service"
            if len(window) - s > len(best):
                best = window[s:]
                break
    return best
