"""Study facts of one article: its designs, hosts, numbers of participants, body sites, methods and
countries, read by rules from the title and abstract (and PubMed's publication types), with the
values that corpus/study_facts/GUIDELINES.md defines.

Precise rather than complete: facts are read only from the title and from sentences about the
paper's own work. Sentences about earlier work ("studies have shown …", "Smith et al. (2020)") or
future work ("further trials are needed") are passed over, and what the text does not state plainly
is left out. Review and meta-analysis come from `miner.reviews` (one owner: the design holds
"review" exactly when `reviews.is_review` says so); a review gets no primary design and no numbers,
and a host only as it names the included studies' people or species. A protocol or a discussion
without data of its own gets no facts. The human designs (case-control, cohort, cross-sectional,
RCT) are read from sentences without animals, the animal model from sentences about the paper's
own animals. Countries, demonyms, a few cities and national cohorts are in miner/data/countries.tsv.
Imports: stdlib, `miner.errors`, `miner.records`, `miner.reviews`, `miner.resources`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from miner import records, reviews
from miner.errors import PipelineError
from miner.resources import package_path

DESIGNS = (
    "case-control",
    "cohort",
    "cross-sectional",
    "RCT",
    "animal model",
    "in vitro",
    "Mendelian randomization",
    "review",
    "meta-analysis",
)
BODY_SITES = (
    "stool",
    "oral",
    "nasal",
    "skin",
    "vaginal",
    "intestinal mucosa",
    "intestinal content",
    "blood",
    "urine",
    "cerebrospinal fluid",
    "brain",
)
METHODS = ("16S rRNA", "shotgun metagenomics", "qPCR", "culture")
HOSTS = ("human", "mouse", "rat", "zebrafish", "pig", "dog", "monkey", "chicken", "fruit fly", "nematode")
COUNTRIES_FILE = "countries.tsv"  # in miner/data/

SECONDARY = ("review", "meta-analysis")
HUMAN_DESIGNS = ("case-control", "cohort", "cross-sectional", "RCT")
MR = "Mendelian randomization"
RCT_TYPES = {"Randomized Controlled Trial"}
META_TYPES = {"Meta-Analysis"}


@dataclass(frozen=True)
class StudyFacts:
    """What one article says of its own study: lists in the guidelines' order, numbers or None."""

    design: tuple[str, ...] = ()
    host: tuple[str, ...] = ()
    sample_size: int | None = None
    cases: int | None = None
    controls: int | None = None
    body_sites: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    @property
    def is_review(self) -> bool:
        return any(design in SECONDARY for design in self.design)

    def to_json(self) -> dict:
        return {
            "design": list(self.design),
            "host": list(self.host),
            "sample_size": self.sample_size,
            "cases": self.cases,
            "controls": self.controls,
            "body_sites": list(self.body_sites),
            "methods": list(self.methods),
            "countries": list(self.countries),
        }

    def rows(self) -> list[tuple[str, str]]:
        """(kind, value) pairs of the list facts, as the store keeps them."""
        kinds = (
            ("design", self.design),
            ("host", self.host),
            ("body_site", self.body_sites),
            ("method", self.methods),
            ("country", self.countries),
        )
        return [(kind, value) for kind, values in kinds for value in values]


def facts_of(article: records.Article) -> StudyFacts:
    return study_facts(article.title, article.abstract, article.publication_types)


def study_facts(title: str, abstract: str, publication_types: Sequence[str] = ()) -> StudyFacts:
    """The facts the title and abstract state of the paper's own study (see the module docstring)."""
    title, abstract = _MARKUP.sub("", title or ""), _MARKUP.sub("", abstract or "")
    if _is_review(title, abstract, publication_types):
        own = own_sentences(title, abstract)
        return StudyFacts(design=_review_designs(own, publication_types), host=_review_hosts(own), **_measured(own))
    if not reports_a_study(title, abstract):
        return StudyFacts()
    text = _Reading.of(title, abstract)
    design = _primary_designs(text, bool(RCT_TYPES.intersection(publication_types)))
    counts = Counts() if MR in design else head_counts(text.own, arms="RCT" in design)
    human = bool(set(design) & {*HUMAN_DESIGNS, MR}) or counts.human or _studies_people(text.own)
    hosts = (("human",) if human else ()) + _species(text.animals)
    return StudyFacts(
        design=design,
        host=_ordered(hosts, HOSTS),
        sample_size=counts.total,
        cases=counts.cases,
        controls=counts.controls,
        **_measured(text.own),
    )


def _measured(own: list[str]) -> dict:
    return {"body_sites": _sites(own), "methods": _methods(own), "countries": countries(own)}


def _is_review(title: str, abstract: str, publication_types: Sequence[str]) -> bool:
    """`reviews.is_review` of these texts (the one place that decides what is a review)."""
    article = records.Article(
        pmid="", title=title, sections=(records.Section(abstract),), publication_types=tuple(publication_types)
    )
    return reviews.is_review(article)


def _any(pattern: re.Pattern, texts: Iterable[str]) -> bool:
    return any(pattern.search(text) for text in texts)


def _ordered(values: Iterable[str], order: Sequence[str]) -> tuple[str, ...]:
    """Distinct values in `order`'s order; values not in it after, alphabetically."""
    values = set(values)
    return tuple(value for value in order if value in values) + tuple(sorted(values - set(order)))


def _named(patterns: dict[str, str]) -> tuple[re.Pattern, dict[str, str]]:
    """One pattern over named lowercase alternatives (for lowercased text), and its groups → the names."""
    groups = {f"g{i}": name for i, name in enumerate(patterns)}
    return re.compile("|".join(f"(?P<g{i}>{pattern})" for i, pattern in enumerate(patterns.values()))), groups


def _labels(named: tuple[re.Pattern, dict[str, str]], texts: Iterable[str]) -> set[str]:
    """The names of the alternatives of a `_named` pattern that occur in `texts`."""
    pattern, groups = named
    return {groups[match.lastgroup] for text in texts for match in pattern.finditer(text.lower()) if match.lastgroup}


# --- sentences about the paper's own work --------------------------------------------------------

_MARKUP = re.compile(r"</?(?:i|b|u|em|strong|sup|sub)>", re.IGNORECASE)
_ABBREVIATION_END = re.compile(r"\b(?:e\.g|i\.e|vs|et al|approx|ca|Fig|Figs|no|Dr|sp|spp|cf|resp)\.$", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")
_HEDGE = re.compile(
    r"\b(?:future|further (?:\w+ )?(?:studies|research|work|investigations?|trials|experiments)|(?:is|are|be|remains?) "
    r"(?:needed|warranted|required|necessary)|should|would|will|(?:can|could) be further)\b",
    re.IGNORECASE,
)
_PREVIOUS = re.compile(
    r"\b(?:previous(?:ly)?|prior (?:studies|research|work|findings)|(?:in line|consistent|in agreement|"
    r"in accordance) with|"
    r"similar to (?:those|previous|earlier)|et al)\b|\(\d{4}\)",
    re.IGNORECASE,
)
_EARLIER = re.compile(
    r"\b(?:(?:has|have) been \w+ed\b|(?:has|have) (?:\w+ )?(?:been )?(?:shown|reported|demonstrated|suggested|found|"
    r"linked|implicated|"
    r"observed|identified|described|proposed|revealed|indicated)|(?:studies|evidence|research|reports|data|literature|"
    r"findings) "
    r"(?:has|have|suggests?|indicates?|shows?|supports?|points?)|accumulating|growing (?:body|evidence)|"
    r"increasing(?:ly)? "
    r"(?:evidence|recogni[sz]ed)|(?:most|many|several|few|some|other) (?:\w+ )?(?:studies|research|reports)|emerging "
    r"(?:evidence|data|studies)|recent (?:studies|evidence|research)|it is (?:well )?(?:known|established)|remains? "
    r"(?:unclear|unknown|elusive|poorly))",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(
    r"\b(?:we|our|us|here|herein|this study|the present study|the current study)\b", re.IGNORECASE
)


def sentences(text: str) -> list[str]:
    """`text` cut at sentence ends (not after "e.g.", "vs.", "et al." and the like)."""
    pieces, start = [], 0
    for match in _SENTENCE_BREAK.finditer(text):
        if _ABBREVIATION_END.search(text[max(start, match.start() - 8) : match.start()]):
            continue
        pieces.append(text[start : match.start()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def own_sentences(title: str, abstract: str) -> list[str]:
    """The title (first, even when empty) and the abstract's sentences about the paper's own work:
    not future work, not earlier work, unless the sentence also speaks of this study ("we")."""
    kept = [title]
    for sentence in sentences(abstract):
        if (
            _HEDGE.search(sentence)
            or _PREVIOUS.search(sentence)
            or (_EARLIER.search(sentence) and not _FIRST_PERSON.search(sentence))
        ):
            continue
        kept.append(sentence)
    return kept


_PROTOCOL_TITLE = re.compile(r"\bprotocol\b", re.IGNORECASE)
_PROTOCOL = re.compile(
    r"\b(?:this|the present|our) (?:study |trial )?protocol\b|\bwe (?:describe|present|report) (?:the|a|our) (?:study |"
    r"trial )?protocol\b|"
    r"\bwill be (?:randomi[sz]ed|recruited|enrolled)\b",
    re.IGNORECASE,
)
_DISCURSIVE = re.compile(
    r"\b(?:we|here we|I) (?:discuss(?:ed)?|propose[sd]?|put forward|hypothesi[sz]e|argue|speculate|outline)\b|"
    r"\b(?:this|the present|our) "
    r"(?:perspective|commentary|editorial|opinion|viewpoint|essay|chapter|hypothesis)\b",
    re.IGNORECASE,
)
_DISCURSIVE_TITLE = re.compile(
    r"\b(?:perspectives?|commentary|editorial|viewpoint|opinion|hypothesis)\b", re.IGNORECASE
)
_RESULTS = re.compile(
    r"\b(?:we (?:found|observed|recruited|enrolled|collected|analy[sz]ed|performed|measured|sequenced|compared|"
    r"conducted|"
    r"investigated|examined|assessed|evaluated|identified|showed|demonstrated)|(?:were|was) \w+(?:ed|en)|"
    r"significant(?:ly)?|"
    r"our (?:results|data|findings)|(?:results|data) (?:show|showed|indicate|revealed|demonstrated?))\b|"
    r"\b[pP]\s*[<=>]|\b[nN]\s*=",
    re.IGNORECASE,
)


def reports_a_study(title: str, abstract: str) -> bool:
    """False for a study protocol (no results yet) and for a discussion without data of its own
    ("Here we discuss …", "Perspectives on …")."""
    if _PROTOCOL_TITLE.search(title) or _PROTOCOL.search(abstract):
        return False
    return not ((_DISCURSIVE_TITLE.search(title) or _DISCURSIVE.search(abstract)) and not _RESULTS.search(abstract))


# --- designs and hosts of a primary study ----------------------------------------------------------

# lowercase, matched against lowercased text (much faster than case-insensitive patterns)
_ANIMALS = {
    "mouse": r"mice|mouse|murine|c57bl/?6\w*|balb/c|app/ps1|5xfad|db/db|ob/ob",
    "rat": r"rats?|sprague[- ]dawley|wistar|long[- ]evans",
    "zebrafish": r"zebrafish|danio rerio",
    "pig": r"(?<!guinea )pigs?|piglets?|swine|porcine|sows",
    "dog": r"dogs?|canines?|puppies",
    "monkey": r"monkeys?|macaques?|(?:non-?human )primates|marmosets?|rhesus",
    "chicken": r"chickens?|chicks|broilers?|laying hens",
    "fruit fly": r"drosophila|fruit ?fl(?:y|ies)",
    "nematode": r"c\. ?elegans|caenorhabditis|nematodes?",
    "hamster": r"hamsters?",
    "rabbit": r"rabbits?",
    "guinea pig": r"guinea pigs?",
    "cat": r"cats|felines?",
    "sheep": r"sheep|lambs",
    "cow": r"cows|cattle|calves|dairy heifers",
    "horse": r"horses|equine",
    "honeybee": r"honey ?bees?|bumble ?bees?",
    "vole": r"voles?",
    "gerbil": r"gerbils?",
    "tree shrew": r"tree shrews?",
}
_SPECIES = "|".join(_ANIMALS.values())
_HOST_OF = _named({host: rf"\b(?:{words})\b" for host, words in _ANIMALS.items()})
_ANY_ANIMAL = re.compile(rf"\b(?:animals?|rodents?|germ[- ]free|{_SPECIES})\b")
_OWN_ANIMALS = re.compile(rf"\b(?:animals|rodents|germ[- ]free|{_SPECIES})\b")
_CELLS_OF = re.compile(
    rf"\b(?:{_SPECIES})(?:[- ][\w-]+){{0,2}} (?:cells?|cell lines?|neurons|microglia|astrocytes|fibroblasts|"
    rf"macrophages|organoids)\b"
)


def _animal(text: str) -> bool:
    """The text names animals (a species, "animals", "rodents", germ-free)."""
    return bool(_ANY_ANIMAL.search(text.lower()))


_EXPERIMENT = re.compile(
    r"\b(?:we|were|was|received|treated|fed|induced|exposed|housed|gavaged?|coloni[sz]ed|transplanted|subjected|"
    r"injected|"
    r"administered|divided|assigned|randomly|showed|exhibited|displayed|developed|n\s*=)\b|\d",
    re.IGNORECASE,
)
_PEOPLE = (
    r"patients|participants|subjects|volunteers|individuals|adults|children|infants|neonates|newborns|adolescents|"
    r"toddlers|"
    r"women|men|mothers|people|persons|twins|students|elderly|veterans|athletes|residents|inpatients|outpatients|"
    r"centenarians|"
    r"probands|boys|girls|humans"
)
_HUMAN = re.compile(rf"\b(?:{_PEOPLE})\b")


def _human(text: str) -> bool:
    """The text names people (patients, participants, children…)."""
    return bool(_HUMAN.search(text.lower()))


@dataclass(frozen=True)
class _Reading:
    """A primary study's text as the rules read it: its own sentences (the title first), those
    without animals (where human designs are read), and those about its own animals."""

    own: list[str]
    people: list[str]
    animals: list[str]

    @classmethod
    def of(cls, title: str, abstract: str) -> _Reading:
        own = own_sentences(title, abstract)
        with_animals = [_animal(s) for s in own]
        people = [s for s, animals in zip(own, with_animals, strict=True) if not animals]
        return cls(own, people, [s for i, s in enumerate(own) if with_animals[i] and _about_own_animals(s, i == 0)])


def _about_own_animals(sentence: str, title: bool) -> bool:
    """The sentence (or title) speaks of the paper's animals, not of cells taken from animals
    ("rat PC12 cells") nor of animals in general ("animal studies suggest")."""
    return bool(_OWN_ANIMALS.search(_CELLS_OF.sub("", sentence.lower())) and (title or _EXPERIMENT.search(sentence)))


def _species(animal_sentences: list[str]) -> tuple[str, ...]:
    return tuple(_labels(_HOST_OF, [_CELLS_OF.sub("", s.lower()) for s in animal_sentences]))


_RCT = re.compile(
    r"(?<!non-)(?<!non)\brandomi[sz]ed,? (?:[\w-]+,? ){0,5}?(?:trial|study|design)\b|\bRCT\b|placebo[- ]controlled|"
    r"\brandomly (?:assigned|allocated)\b|(?<!non-)(?<!non)\b(?:were|was) randomi[sz]ed\b",
    re.IGNORECASE,
)
_MR = re.compile(
    r"\bMendelian randomi[sz]ation\b|\b(?:two-sample |bidirectional |multivariable )?MR (?:analys[ie]s|study|"
    r"approach)\b",
    re.IGNORECASE,
)
_CROSS_SECTIONAL = re.compile(r"\bcross[- ]sectional(?:ly)?\b", re.IGNORECASE)
_COHORT = re.compile(
    r"\b(?:cohort study|birth cohort|prospective (?:\w+ )?cohort|longitudinal (?:\w+ )?cohort)\b", re.IGNORECASE
)
_FOLLOWED = re.compile(
    r"\b(?:prospective (?:\w+ )?(?:study|observational|longitudinal)|longitudinal(?:ly)?|"
    r"followed (?!by\b)(?:\w+ ){0,3}(?:for|over|until|up)|"
    r"follow[- ]up (?:study|period|visits?)|at (?:\d+|two|three|four|five|six|several|multiple) time[- ]points|"
    r"before and after|"
    r"pre[- ] and post[- ]|at baseline and (?:after|at|following)|open[- ]label|single[- ]arm|non-?randomi[sz]ed)\b",
    re.IGNORECASE,
)
_CASE_CONTROL = re.compile(r"\bcase[- ]control\b|\bhealthy controls?\b|\bHCs?\b", re.IGNORECASE)
_COMPARISON = re.compile(
    r"\bcontrols\b|\bcontrol (?:subjects|participants|individuals|group)\b|\b(?:age|sex|gender)[- ].{0,12}matched\b|"
    r"\bhealthy (?:comparison|volunteers|individuals|subjects|participants|people|adults|children|infants|persons)\b|"
    r"\b(?:typically developing|neurotypical)\b",
    re.IGNORECASE,
)
_NOT_CASE_CONTROL = re.compile(r"\bplacebo\b|\bcontrols? for\b|\bcontrolling\b", re.IGNORECASE)
_PATIENTS = re.compile(r"\b(?:patients|cases|inpatients|outpatients|probands|carriers)\b", re.IGNORECASE)
_DISORDER = re.compile(r"(?:disease|disorder|syndrome|depressi|schizophreni|autis|epilep|dementia)", re.IGNORECASE)
_IN_VITRO = re.compile(
    r"\bin vitro\b(?! fertili[sz]ation)|\bcell lines?\b|\bcultured (?:\w+ )?(?:cells|neurons|microglia|astrocytes)\b|"
    r"\borganoids?\b|"
    r"\bCaco-?2\b|\bSH-?SY5Y\b|\bHT-?29\b|\bBV-?2\b|\bPC-?12 cells\b|\bHEK-?293|\bco-?cultur\w*|"
    r"\bprimary (?:\w+ )?cultures?\b",
    re.IGNORECASE,
)
_ENROLMENT = re.compile(
    r"\b(?:recruited|enrolled|included|participated|collected from|obtained from|sampled|were (?:studied|examined|"
    r"assessed|"
    r"analy[sz]ed|sequenced|surveyed|followed|randomi[sz]ed)|completed|underwent|provided)\b",
    re.IGNORECASE,
)
_TRANSFER = re.compile(r"\b(?:transplant\w*|FMT|coloni[sz]\w*|gavage\w*|inoculat\w*)\b", re.IGNORECASE)


def _primary_designs(text: _Reading, rct_type: bool) -> tuple[str, ...]:
    """The designs of a paper that is not a review, in DESIGNS order."""
    found = set()
    if _any(_MR, text.own):
        found.add(MR)
    if rct_type or _any(_RCT, text.people):
        found.add("RCT")
    if _any(_CROSS_SECTIONAL, text.people):
        found.add("cross-sectional")
    if _any(_COHORT, text.people) or ("RCT" not in found and _any(_FOLLOWED, _followed_people(text))):
        found.add("cohort")
    if any(_is_case_control(s, "RCT" in found) for s in text.people):
        found.add("case-control")
    if text.animals:
        found.add("animal model")
    if _any(_IN_VITRO, text.own):
        found.add("in vitro")
    if MR in found:
        found -= {"cohort", "case-control", "cross-sectional"}  # the GWAS behind an MR study are not its design
    if not any(map(_human, text.people)):
        found -= set(HUMAN_DESIGNS) - ({"RCT"} if rct_type else set())
    return _ordered(found, DESIGNS)


def _followed_people(text: _Reading) -> list[str]:
    """Where follow-up is read: sentences without animals, and when the paper has animals of its
    own, only those that name people ("fecal samples were collected before and after" may be the mice's)."""
    return [s for s in text.people if _human(s)] if text.animals else text.people


def _is_case_control(sentence: str, trial: bool) -> bool:
    """People chosen by disorder status and compared: "case-control", healthy controls, or a
    comparison group beside patients ("patients and matched controls"); in a trial only the first two."""
    if _NOT_CASE_CONTROL.search(sentence):
        return False
    if _CASE_CONTROL.search(sentence):
        return True
    return not trial and bool(
        _COMPARISON.search(sentence) and (_PATIENTS.search(sentence) or _DISORDER.search(sentence))
    )


def _studies_people(own: list[str]) -> bool:
    """A sentence says people were recruited or their samples analysed (not as donors to animals)."""
    return any(_human(s) and _ENROLMENT.search(s) and not _to_animals(s) for s in own)


def _to_animals(sentence: str) -> bool:
    """The sentence transfers something (people's stool, bacteria) into animals."""
    return bool(_TRANSFER.search(sentence) and _animal(sentence))


# --- reviews -------------------------------------------------------------------------------------

_POOLED = re.compile(
    r"(?<!reviews and )\bmeta-?analysis\b(?! (?:was|could) not)|\bmeta-?analy[sz]ed\b|\bpooled (?:analysis|estimate|"
    r"effect|prevalence|"
    r"odds|mean|data|results)|\brandom[- ]effects?\b|\bstandardi[sz]ed mean differences?\b|\bSMDs?\b|\bforest plots?\b",
    re.IGNORECASE,
)
_PRISMA = re.compile(r"\bPreferred Reporting Items for Systematic Reviews? and Meta-?Analys[ie]s\b", re.IGNORECASE)
_NO_POOLING = re.compile(
    r"\bmeta-?analys[ie]s (?:was|were|could) not\b|\bnot (?:possible|feasible|performed)\b|\bprecluded\b", re.IGNORECASE
)
_REVIEW_PEOPLE = re.compile(
    r"\b(?:clinical|human) (?:studies|trials|evidence|data|research|cohorts)\b|\b(?:studies|trials|RCTs) (?:in|of|on|"
    r"involving|"
    rf"including|with|among|enrolling|recruiting) (?:\w+ ){{0,2}}(?:{_PEOPLE})\b|\b\d[\d,]* (?:{_PEOPLE})\b|"
    r"\brandomi[sz]ed controlled trials\b|\bRCTs\b",
    re.IGNORECASE,
)
_REVIEW_ANIMALS = re.compile(
    rf"\b(?:studies|experiments|models?|research|evidence) (?:in|on|using|with|of) (?:\w+ ){{0,2}}(?:{_SPECIES})\b|"
    r"\b(?:mouse|murine|rat|zebrafish|porcine|canine|primate) (?:models?|studies)\b",
    re.IGNORECASE,
)


def _review_designs(own: list[str], publication_types: Sequence[str]) -> tuple[str, ...]:
    """ "review", and "meta-analysis" when PubMed types it so or the review says it pools results itself."""
    pools = any(_POOLED.search(_PRISMA.sub("", text)) and not _NO_POOLING.search(text) for text in own)
    return SECONDARY if pools or META_TYPES.intersection(publication_types) else ("review",)


def _review_hosts(own: list[str]) -> tuple[str, ...]:
    """Hosts a review names for the studies it includes: people, or named species."""
    hosts = _labels(_HOST_OF, [match.group(0) for s in own for match in _REVIEW_ANIMALS.finditer(s)])
    if _any(_REVIEW_PEOPLE, own):
        hosts.add("human")
    return _ordered(hosts, HOSTS)


# --- numbers of participants ---------------------------------------------------------------------

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = {
    word: 10 * (i + 2)
    for i, word in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
}
_NUMBER_WORD = "|".join([*_UNITS[1:], *_TENS, "hundred", "thousand"])
_NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|(?:{_NUMBER_WORD})(?:(?:-|\s+|\s+and\s+)(?:{_NUMBER_WORD}))*)"
_NOT_AFTER = r"(?<![\w.,/+<>~≥≤-])"  # a number on its own: not "COVID-19", "2.5", ">300"


def number_value(text: str) -> int | None:
    """120, "1,203", "forty-two", "one hundred and twenty" → int; anything else None."""
    text = text.strip().lower()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", text):
        return int(text.replace(",", ""))
    total, current = 0, 0
    for word in re.split(r"[-\s]+", text):
        if word in _UNITS:
            current += _UNITS.index(word)
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total, current = total + max(current, 1) * 1000, 0
        elif word != "and":
            return None
    return total + current or None


_CONTROL_WORDS = re.compile(
    r"\b(?:controls?|HCs?|NCs?|healthy|non-?depressed|unaffected|asymptomatic|typically developing|neurotypical|TD)\b",
    re.IGNORECASE,
)
_CASE_WORDS = re.compile(  # patient nouns, or an abbreviation ("40 MDD subjects", "PD (n = 60)")
    r"\b(?:patients|cases|inpatients|outpatients|probands|carriers)\b|\b(?!(?:UK|US|USA|HCs?)\b)[A-Z][A-Z0-9-]{1,7}s?\b"
)
_COUNTED = rf"{_PEOPLE}|cases|carriers|controls|HCs?|NCs?"
_NOT_PEOPLE = (
    r"samples|specimens|sequences|reads|time|points|days|weeks|months|years|hours|studies|articles|trials|genera|"
    r"species|taxa|OTUs|"
    r"ASVs|genes|mg|g|kg|ml|groups|times|visits|cells|strains|items|questionnaires|papers|records|metabolites|million|"
    r"billion|"
    r"percent|different|kinds|types|breeds|lines|models|study|of|from|in|to|on|at|for|by|than"
)
_PER_GROUP = r"\s*(?:per|/|in each|each|for each)\s*(?:group|arm|condition|cage|sex)?"
_GROUP = re.compile(
    rf"{_NOT_AFTER}(?P<number>{_NUMBER})(?![.,]\d)\s+(?P<words>(?:(?!(?:{_NOT_PEOPLE})\b)[\w'/()-]+,?\s+){{0,5}}?)"
    rf"(?P<noun>{_COUNTED}|{_SPECIES})\b(?P<per>{_PER_GROUP}\b)?(?P<with>\s+(?:with|diagnosed|suffering|affected|"
    rf"having)\b)?",
    re.IGNORECASE,
)
_N_EQUALS = re.compile(rf"\b[nN]\s*=\s*(?P<number>{_NUMBER})(?![.,]\d)(?P<per>(?:\s+[a-z]+)?{_PER_GROUP}\b)?")
_BARE_WITH = re.compile(rf"{_NOT_AFTER}(?P<number>{_NUMBER}) (?P<with>with|had|having|without) (?!\d)", re.IGNORECASE)
_GROUP_COUNT = re.compile(rf"\b(?P<number>{_NUMBER}) (?:\w+ )?(?:groups|arms)\b", re.IGNORECASE)
_LABEL_END = re.compile(r"[;,]|\band\b|\bvs\.?|\bversus\b")
_LABEL_NOUN = re.compile(rf"\b(?:{_COUNTED}|{_SPECIES}|animals)\b", re.IGNORECASE)
MAX_GROUPS = 40  # counted groups read per sentence: enough for any real one, and bounded for a hostile one
_SUBSET = re.compile(
    r"\b(?:of the|of these|of them|of whom|among(?: the| these| them)?),?\s+$", re.IGNORECASE
)  # "of these, 20 patients"


@dataclass(frozen=True)
class Counts:
    total: int | None = None
    cases: int | None = None
    controls: int | None = None
    human: bool = False  # the counts are of people


@dataclass(frozen=True)
class _Group:
    number: int
    role: str  # "case", "control", "total" (people) or "animal"


def head_counts(own: list[str], *, arms: bool = False) -> Counts:
    """Participants at enrolment, from the first sentence that counts people (and the next one
    when it adds only the controls): the total, the cases (summed over patient groups) and the
    controls. In a trial (`arms`) only the total, the first number of people. Animals count only
    when no people are counted, and people who only gave animals their stool do not count. `own[0]`
    (the title) is not read."""
    people = [
        [] if _to_animals(sentence) else [g for g in _groups(sentence) if g.role != "animal"] for sentence in own[1:]
    ]
    for i, groups in enumerate(people):
        if arms and groups:
            return Counts(total=groups[0].number, human=True)
        if groups:
            following = people[i + 1] if i + 1 < len(people) else []
            if (
                not any(g.role == "control" for g in groups)
                and following
                and all(g.role == "control" for g in following)
            ):
                groups = groups + following
            return _people_counts(groups)
    return Counts(total=next(filter(None, map(_animal_total, own[1:])), None))


def _groups(sentence: str) -> list[_Group]:
    """Counted groups of one sentence, in order: "40 patients with MDD", "healthy controls (n = 30)",
    "140 with PD"; not subsets ("of these, 20 patients") nor numbers per group."""
    animals = _animal(sentence)
    found: list[tuple[int, _Group]] = []
    for match in islice(_GROUP.finditer(sentence), MAX_GROUPS):
        value = number_value(match.group("number"))
        if value is None or match.group("per") or _subset(sentence, match):
            continue
        role = _role(match.group("words") + match.group("noun"), match.group("noun"), bool(match.group("with")))
        found.append((match.start("number"), _Group(value, role)))
    if found and not animals:
        bare = islice(
            _BARE_WITH.finditer(sentence), MAX_GROUPS
        )  # "140 with PD", "58 without MetS" (the comparison group)
        found += [
            (
                m.start(),
                _Group(
                    number_value(m.group("number")) or 0, "control" if m.group("with").lower() == "without" else "case"
                ),
            )
            for m in bare
        ]
    for match in islice(_N_EQUALS.finditer(sentence), MAX_GROUPS):
        value = number_value(match.group("number"))
        before = sentence[max(0, match.start() - 200) : match.start()]
        group = _labelled(before, value, animals) if value and not match.group("per") else None
        if group:
            found.append((match.start(), group))
    return [group for _, group in sorted(found, key=lambda pair: pair[0])]


def _subset(sentence: str, match: re.Match) -> bool:
    return bool(_SUBSET.search(sentence, max(0, match.start() - 16), match.start()))


def _labelled(before: str, value: int, animals: bool) -> _Group | None:
    """The group an "n = 30" counts, from the words before it back to a comma or "and": "healthy
    controls (n = 30)", "patients with PD (n = 40)", "(Parkinson's disease, n = 268)"."""
    pieces = [piece for piece in _LABEL_END.split(before) if piece.strip(" (")]
    label = pieces[-1] if pieces else ""
    nouns = _LABEL_NOUN.findall(label)
    if nouns:
        return _Group(value, _role(label, nouns[-1], " with " in label))
    if not animals and (_CASE_WORDS.search(label) or _DISORDER.search(label) or " with " in label):
        return _Group(value, "control" if _CONTROL_WORDS.search(label) else "case")
    return None


def _role(phrase: str, noun: str, with_disorder: bool) -> str:
    if _ANY_ANIMAL.fullmatch(noun.lower()):
        return "animal"
    if _CONTROL_WORDS.search(phrase):
        return "control"
    if with_disorder or _CASE_WORDS.search(phrase) or _DISORDER.search(phrase):
        return "case"
    return "total"


def _people_counts(groups: list[_Group]) -> Counts:
    """Total, cases and controls from the groups one enrolment sentence counts. A group whose
    number is the sum of the others is their total ("65 individuals with IBS (n = 22), …")."""
    whole = sum(g.number for g in groups)
    groups = [_Group(g.number, "total") if len(groups) > 2 and 2 * g.number == whole else g for g in groups]
    cases = sum(g.number for g in groups if g.role == "case") or None
    controls = sum(g.number for g in groups if g.role == "control") or None
    totals = [g.number for g in groups if g.role == "total" and g.number >= (cases or 0) + (controls or 0)]
    total: int | None
    if totals:
        total = totals[0]
    elif controls:
        total = cases + controls if cases else None
    else:
        total = cases
    if controls is None and any(g.role == "total" for g in groups):
        cases = None  # "100 participants, 60 of them patients": the others are not named controls
    return Counts(total=total, cases=cases, controls=controls, human=True)


def _animal_total(sentence: str) -> int | None:
    """A stated number of animals ("Thirty male C57BL/6 mice"), or a number per group times a
    stated number of groups ("three groups (n = 10 per group)")."""
    if not _animal(sentence):
        return None
    groups = [m for m in _GROUP.finditer(sentence) if _ANY_ANIMAL.fullmatch(m.group("noun").lower())]
    counted = next((m for m in groups if not m.group("per") and not _subset(sentence, m)), None)
    if counted:
        return number_value(counted.group("number"))
    per_group = [m.group("number") for m in (*_N_EQUALS.finditer(sentence), *groups) if m.group("per")]
    count = _GROUP_COUNT.search(sentence) if len(set(per_group)) == 1 else None
    size, number = (number_value(per_group[0]), number_value(count.group("number"))) if count else (None, None)
    return size * number if size and number else None


# --- body sites and methods ------------------------------------------------------------------------

# site: (lowercase words without which its pattern cannot match, the pattern)
_SITES = {
    "stool": (
        ("fec", "faec", "stool"),
        (
            r"\b(?:f(?:a)?ec(?:al|es)|stools?)\b(?! (?:microbiota |microbiome |microbial |bacteria |"
            r"flora )?(?:transplant\w*|transfer)|"
            r"[- ](?:consistency|frequency|form|scale|pattern|diar(?:y|ies)|habits?|softeners?|output))"
        ),
    ),
    "oral": (
        ("saliv", "tongue", "plaque", "gingival", "oral", "buccal", "oropharyn"),
        (
            r"\b(?:saliva|salivary (?:microbio\w+|samples?|bacteria)|tongue (?:coating|swabs?|dorsum)|dental plaque|"
            r"subgingival|"
            r"supragingival|oral (?:swabs?|rinses?|wash|microbio\w+|bacteria|samples?)|buccal swabs?|"
            r"oropharyngeal swabs?)\b"
        ),
    ),
    "nasal": (
        ("nasal", "nasopharyn"),
        r"\b(?:nasal|nasopharyngeal) (?:swabs?|wash\w*|microbio\w+|samples?|bacteria)\b",
    ),
    "skin": (("skin",), r"\bskin (?:swabs?|microbio\w+|samples?|bacteria)\b"),
    "vaginal": (("vagin",), r"\bvaginal (?:swabs?|microbio\w+|samples?|bacteria|fluid)\b"),
    "intestinal mucosa": (
        ("biops", "mucosa"),
        (
            r"\b(?:colonic|intestinal|mucosal|duodenal|rectal|ileal|sigmoid|gut|colon|endoscopic) biops(?:y|ies)\b|"
            r"\bmucosa-associated\b|"
            r"\bmucosal (?:samples?|microbio\w+|bacteria)\b"
        ),
    ),
    "intestinal content": (
        ("content", "digesta"),
        (
            r"\b(?:c(?:a)?ecal|colonic|ileal|jejunal|intestinal|c(?:a)?ecum|colon|luminal) (?:contents?|digesta)\b|"
            r"\bdigesta\b"
        ),
    ),
    "blood": (
        ("blood", "circulating"),
        r"\bblood (?:microbio\w+|bacteria\w*)|\bcirculating (?:microbio\w+|bacterial dna)\b",
    ),
    "urine": (("urin",), r"\burin(?:e|ary) (?:microbio\w+|bacteria\w*)\b"),
    "cerebrospinal fluid": (("cerebrospinal", "csf"), r"\b(?:cerebrospinal fluid|csf) (?:microbio\w+|bacteria\w*)\b"),
    "brain": (
        ("brain",),
        r"\bbrain (?:microbio\w+|bacteria\w*)\b|\bbacteria\w* (?:in|within) (?:the )?(?:\w+ )?brain\b",
    ),
}
_SITE = {site: (words, re.compile(pattern)) for site, (words, pattern) in _SITES.items()}
_SIXTEEN_S = re.compile(
    r"\b16\s?S\b|\bamplicon sequencing\b|\bV\d(?:\s?[-–]\s?V\d)? (?:hypervariable )?regions?\b", re.IGNORECASE
)
_SHOTGUN = re.compile(
    r"\bshotgun\b|\bwhole[- ]metagenom\w+|\bmetagenom(?:e|ic|ics) (?:shotgun )?sequencing\b|\bmetagenome-wide\b",
    re.IGNORECASE,
)
_SHOTGUN_WORD = re.compile(r"\bshotgun\b", re.IGNORECASE)
_QPCR = re.compile(
    r"\b(?:q-?PCR|quantitative (?:real-time )?PCR|real[- ]time (?:quantitative )?PCR|ddPCR|digital PCR)\b",
    re.IGNORECASE,
)
_TAXA_CONTEXT = re.compile(
    r"\b(?:bacteri\w*|microb\w*|taxa|16\s?S|genus|genera|phyl\w+|\w+bacter\w*|\w+coccus|\w+bacillus|Akkermansia|"
    r"Prevotella|"
    r"Bacteroides|Roseburia|Escherichia|Clostridi\w*|Firmicutes|Bacteroidetes|probiotic strains?)\b",
    re.IGNORECASE,
)
_HOST_EXPRESSION = re.compile(r"\b(?:mRNA|expression|cytokines?|transcripts?)\b", re.IGNORECASE)
_CULTURE = re.compile(
    r"\b(?:culturomics|culture[- ](?:based|dependent)|cultivation|(?:bacterial|anaerobic) cultur\w+|(?:were|"
    r"was) (?:isolated|cultured|"
    r"cultivated) from|isolates?\b|isolated (?:bacteri\w+|strains?)|strains? (?:were )?isolated)",
    re.IGNORECASE,
)
_CELL_WORD = re.compile(r"\bcell", re.IGNORECASE)


def _sites(own: list[str]) -> tuple[str, ...]:
    lower = [s.lower() for s in own]
    joined = "\n".join(lower)
    return tuple(
        site for site, (words, pattern) in _SITE.items() if any(w in joined for w in words) and _any(pattern, lower)
    )


def _methods(own: list[str]) -> tuple[str, ...]:
    """16S (amplicon) and shotgun sequencing; qPCR and culture only of bacteria (not of host
    transcripts, not cell culture)."""
    found = []
    if _any(_SIXTEEN_S, own):
        found.append("16S rRNA")
    if any(_SHOTGUN.search(s) and (_SHOTGUN_WORD.search(s) or not _SIXTEEN_S.search(s)) for s in own):
        found.append("shotgun metagenomics")  # not "16S rRNA metagenomic sequencing"
    if any(_QPCR.search(s) and _TAXA_CONTEXT.search(s) and not _HOST_EXPRESSION.search(s) for s in own):
        found.append("qPCR")
    if any(_CULTURE.search(s) and _TAXA_CONTEXT.search(s) and not _CELL_WORD.search(s) for s in own):
        found.append("culture")
    return tuple(found)


# --- countries -------------------------------------------------------------------------------------

_NOT_A_PLACE = re.compile(
    r"[- ](?:medicines?|medications?|herbal|herbs?|medicinal|materia|formula|decoction|version|language|translations?|"
    r"speaking|"
    r"encephalitis|flu|quail|hamsters?|ginseng|red ginseng|cabbage|yam|saffron|thali|natto|paradox|albino|Webster|mice|"
    r"rats|pigs?|"
    r"shepherds?|breed|yogh?urt|Psychiatric|Academy|Association|College|Society|Heart|Diabetes|Cancer|Council|Ocean|"
    r"Encyclopedia|"
    r"Cognitive|I{1,3}|IV|Ⅲ|Ⅳ|criteria|and English|(?:and |New Zealand )*(?:Clinical )?Trials? Regist(?:ry|er)|"
    r"Registry|Food and Drug)\b",
    re.IGNORECASE,
)
_NOT_A_PLACE_BEFORE = re.compile(
    r"\b(?:traditional|guinea|Latin|North|South|Central|African|Native|Asian|American|Schwab and|"
    r"English and)\s$",
    re.IGNORECASE,
)
# sentences that name countries for other reasons than where the study was done
_NOT_THE_STUDY_PLACE = re.compile(
    r"\b(?:prevalen\w+|burden|worldwide|affect(?:s|ing)?|suffer|approved|publications?|citations?|cited|productive|"
    r"bibliometric|"
    r"institutions?|journals?|authors?|scholars|articles|registered|registry|congress|symposium|databases?|funded|"
    r"funding|grants?|"
    r"Council|Foundation|National Institute)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"\b[A-ZÀ-Þ]\w*")


@dataclass(frozen=True)
class _Places:
    pattern: re.Pattern  # every name of miner/data/countries.tsv, longest first
    country: dict[str, str]  # name → country
    first_words: frozenset[str]  # what a sentence must hold for the pattern to be worth running


@lru_cache(maxsize=1)
def _places() -> _Places:
    """miner/data/countries.tsv (name, country; "#" comment lines, a header), read once."""
    with open(package_path("data", COUNTRIES_FILE), encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and not row[0].startswith("#")]
    country = dict(rows[1:])
    alternatives = "|".join(re.escape(name) for name in sorted(country, key=len, reverse=True))
    capitalised = {name: _CAPITALISED.match(name) for name in country}
    if lowercase := [name for name, match in capitalised.items() if match is None]:
        # the quick test below looks for a name's capitalised first word in the sentence
        raise PipelineError(f"{COUNTRIES_FILE}: place names must start with a capital letter: {lowercase[:3]}")
    first_words = frozenset(match.group(0) for match in capitalised.values() if match)
    return _Places(re.compile(rf"(?<![\w-])(?:{alternatives})(?!\w)"), country, first_words)


def countries(own: list[str]) -> tuple[str, ...]:
    """Countries the sentences name (names, demonyms, a few cities and national cohorts), except
    where the word is not a place ("traditional Chinese medicine", "the Spanish version", "Rome IV
    criteria") and in sentences about something else than the study's place (prevalence,
    publications, trial registries, funders)."""
    places, found = _places(), set()
    for sentence in own:
        if places.first_words.isdisjoint(_CAPITALISED.findall(sentence)) or _NOT_THE_STUDY_PLACE.search(sentence):
            continue
        for match in places.pattern.finditer(sentence):
            before = sentence[max(0, match.start() - 20) : match.start()]
            if not (_NOT_A_PLACE.match(sentence, match.end()) or _NOT_A_PLACE_BEFORE.search(before)):
                found.add(places.country[match.group(0)])
    return tuple(sorted(found))
