"""Is a line about a person? Names, titles, pupils picked out by class or year, family members, personal pronouns
and identifying roles, found lexically.

A private matter is only private when it is someone's (minutes.drafting.lexicon): "Exclusions fell by a third"
is business, "Poppy has been excluded" is not. So this errs towards finding a person: any capitalised word
inside a sentence that is not a day, month, subject or other common proper noun counts as a name (a place
named there costs at most a false flag), and a sentence's first word counts when it is a known first name
(Faker's name lists, all its Latin-script locales, as a school's pupils come from everywhere) or takes a
possessive ("Kacper's"). "We", "us" and "our" are the meeting itself; "they" is a school, a team or a group
as often as a person ("they went to agency for all three"), so it marks no one; and a participant addressed by
name ("Thanks, Nadia.") is not the subject of what is said to them.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

PERSON_NOUN = (
    r"(?:pupil|student|child|boy|girl|kid|lad|lass|young person|youngster|teenager|toddler|learner|baby|"
    r"member of staff|staff member|colleague|teacher|parent|carer|mum|dad|man|woman|lady|gentleman|person|"
    r"individual|twins?|son|daughter)"
)
# a noun used as a modifier is not a person: "the child protection register", "a parent survey"
NOT_AFTER = r"(?!\s+(?:protection|care|development|poverty|premium|friendly|voice|council|survey|forum|"
NOT_AFTER += r"governors?|evening|body|association|portal|handbook|guide|view|views|questionnaire)\b)"
CLASS = r"(?:year\s*\d{1,2}|reception|nursery|(?-i:\d{1,2}[A-Z]{1,2})\b|(?:my|his|her|your) (?:tutor )?group)"
KIN_ONE = (
    r"(?:mum|mom|mother|dad|father|step-?(?:mum|dad|mother|father)|nan|gran|grandma|grandad|grandmother|"
    r"grandfather|uncle|aunt(?:ie)?|husband|wife|boyfriend|girlfriend|stepdad|stepmum)"
)
KIN = (
    r"(?:mum|mom|mother|dad|father|parents|step-?(?:mum|dad|mother|father)|nan|nana|gran|granny|grandma|"
    r"grandad|grandpa|grandmother|grandfather|grandparents|brother|sister|siblings|uncle|aunt(?:ie)?|cousin|"
    r"husband|wife|partner|son|daughter|boyfriend|girlfriend|carers?|family|in-laws?|daughter-in-law|"
    r"son-in-law|mother-in-law|father-in-law)"
)
ROLE = (
    r"(?:(?:supply|cover|agency|new|class|form|subject|maths|english|science|art|music|pe|drama) )?"
    r"(?:teacher|TA|teaching assistant|head(?:teacher)?|head of (?:\w+)|deputy(?: head)?|assistant head|"
    r"caretaker|cleaner|site manager|business manager|office manager|receptionist|technician|chef|cook|"
    r"(?:lunchtime|midday) supervisor|SENC?[Oo]|DSL|nurse|counsellor|governor|trustee|chair|"
    r"clerk|bursar|CFO|CEO|principal|tutor|form tutor|head of year|librarian|mentor|volunteer|lollipop lady|"
    r"crossing patrol|invigilator|apprentice|trainee|(?:ECT|NQT))"
)
MARKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("title", re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Rev)\.?\s+[A-Z][\w'’-]+")),
    (
        "family",
        re.compile(
            rf"\b(?:(?:his|her|their|my|your|[A-Za-z]+['’]s)\s+(?:\w+\s+)?{KIN}\b)|\b(?:the|a)\s+{KIN_ONE}\b",
            re.IGNORECASE,
        ),
    ),
    (
        "class",
        re.compile(
            rf"\b{PERSON_NOUN}s?\s+(?:in|from|of)\s+(?:my\s+|the\s+)?{CLASS}|"
            rf"\b(?:a|an|the|one|this|that)\s+{CLASS}\s+{PERSON_NOUN}\b",
            re.IGNORECASE,
        ),
    ),
    (
        "person",
        re.compile(
            rf"\b(?:a|an|the|this|that|one|another|our|my|your|his|her|their)\s+(?:\w+\s+)?{PERSON_NOUN}\b"
            rf"{NOT_AFTER}",
            re.IGNORECASE,
        ),
    ),
    ("role", re.compile(rf"\b(?:the|our|a|an|their|your|his|her)\s+{ROLE}\b{NOT_AFTER}", re.IGNORECASE)),
    (
        "pronoun",
        re.compile(
            r"\b(?:he|she|him|her|his|hers|himself|herself|i|me|my|mine|"
            r"myself|you|your|yours|yourself)\b",
            re.IGNORECASE,
        ),
    ),
)
# Capitalised words that are not people: days, months, festivals, subjects, school and public bodies.
NOT_NAMES = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december christmas easter halloween diwali eid ramadan hanukkah
    english maths mathematics science history geography french spanish german latin drama music art pe re
    computing biology chemistry physics year reception nursery key stage ofsted gcse gcses god okay ok
    i i'm i'll i've i'd um uh er erm yeah yes no hi hello bye thanks sorry well right so oh ah hmm senco sendco
    trust council academy school primary secondary college university governors board committee department
    team office street road lane hall centre center house club church police nhs""".split()
)
# Words that start sentences: never a name there, whatever a name list says ("Will you ...", "May I ...").
FUNCTION = frozenset(
    """a an the this that these those it its we us our you your he she they them their i me my and but or if
    so then when while because as at by for from in into of on onto to with without about after before over
    under up down out off can could will would shall should may might must do does did is are was were be
    been being have has had not no yes all any some each every both either neither what which who whom whose
    where why how here there now just also still only even well right okay ok oh um uh er erm yeah thanks his
    her hers him
    thank sorry please let let's look see sure fine great good lovely brilliant perfect absolutely exactly
    agreed true""".split()
)
WORD = re.compile(r"[A-Za-z][\w'’-]*")
PLACE_BEFORE = re.compile(
    r"\b(?:at|in|near|across|around|into|outside|inside|towards|under)\s+$", re.IGNORECASE
)
SENTENCE_END = re.compile(r"[.?!…]+[\"'’”)]*\s*$|[-–—]{1,2}\s*$|^\s*$")


@dataclass(frozen=True)
class Mark:
    """What marks a text as about a person: the kind of mark and where it is."""

    kind: str  # name, title, family, class, person, role, pronoun
    start: int
    end: int
    text: str


@cache
def first_names() -> frozenset[str]:
    """Given names from Faker's person providers, every locale written in Latin script, case-folded."""
    import faker.providers.person as person

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
            found = next((vars(c)[attr] for c in provider.__mro__ if attr in vars(c)), ())
            if isinstance(found, dict | list | tuple | set | frozenset):
                names.update(n.casefold() for n in found if n.isascii() and n.isalpha())
    return frozenset(names - FUNCTION - NOT_NAMES)


@dataclass(frozen=True)
class People:
    """Who a meeting knows of: its participants (names as listed, "Name" or "Name:role"), the names said inside
    sentences anywhere in it, so that such a name also counts where it starts a sentence, and the places it
    names ("at Kingsmead", "in Harrowdene"), which are nobody wherever they are said."""

    participants: tuple[str, ...] = ()
    said: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()

    @classmethod
    def of(cls, participants: Iterable[str] = (), texts: Iterable[str] = ()) -> People:
        listed = tuple(p for p in participants if p.strip())
        words = [w for t in texts for w in _capitalised(t)]
        places = {w.text.casefold() for w in words if w.place} - first_names()
        inside = {w.text.casefold() for w in words if not w.start_of_sentence}
        own = {p.split(":")[0].split()[0].casefold() for p in listed}
        return cls(listed, frozenset((inside | own) - FUNCTION - NOT_NAMES - places), frozenset(places))

    @property
    def names(self) -> list[str]:
        """The participants' names, without roles."""
        return [p.split(":")[0].strip() for p in self.participants]

    def knows(self, word: str) -> bool:
        return word.casefold() in self.said or word.casefold() in first_names()


NOBODY = People()


@dataclass(frozen=True)
class _Word:
    text: str  # without a possessive 's
    start: int
    end: int
    start_of_sentence: bool
    possessive: bool
    place: bool  # after "at", "in", "near" ...: a place, unless a known first name


def _capitalised(text: str) -> list[_Word]:
    """Capitalised words that could be names: not acronyms, not days, months, subjects and the like."""
    out = []
    for m in WORD.finditer(text):
        bare = re.sub(r"['’]s$", "", m.group(0))
        if bare[:1].isupper() and not bare.isupper() and bare.casefold() not in NOT_NAMES:
            at_start = bool(SENTENCE_END.search(text[: m.start()]))
            place = bool(PLACE_BEFORE.search(text[: m.start()]))
            if not (at_start and bare.casefold() in FUNCTION):
                out.append(_Word(bare, m.start(), m.end(), at_start, bare != m.group(0), place))
    return out


def marks(text: str, people: People = NOBODY) -> list[Mark]:
    """Every mark of a person in `text`. The meeting's participants are people too, except where one is only
    addressed ("Thanks, Nadia.", "Nadia, can you ...")."""
    found = [Mark(kind, m.start(), m.end(), m.group(0)) for kind, rx in MARKS for m in rx.finditer(text)]
    taken = [(m.start, m.end) for m in found if m.kind == "title"]
    addressed = _addressed(text, people.participants)
    for w in _capitalised(text):
        if w.start in addressed or any(a <= w.start < b for a, b in taken):
            continue
        if (w.place or w.text.casefold() in people.places) and w.text.casefold() not in first_names():
            continue  # "at Kingsmead": a place
        if w.start_of_sentence and not w.possessive:
            if not people.knows(w.text) or _asks(text[w.end :]):
                continue  # not a name we know, or "Will you ...", "Mark the register": a verb
        found.append(Mark("name", w.start, w.end, w.text))
    return sorted(found, key=lambda x: (x.start, x.end))


def about_person(text: str, people: People = NOBODY) -> bool:
    return bool(marks(text, people))


def names(text: str, people: People = NOBODY) -> set[str]:
    """The people a text names (names, titled surnames, a named person's family), case-folded, for following a
    matter from line to line."""
    out = set()
    for mark in marks(text, people):
        if mark.kind == "name":
            out.add(mark.text.casefold())
        elif mark.kind in ("title", "family"):
            out.update(w.casefold() for w in re.findall(r"[A-Z][a-z]+", mark.text))
    return out - FUNCTION - {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev"}


def third_person(text: str, people: People = NOBODY) -> bool:
    """About someone other than the speaker and the people addressed: a name, title, class, family member,
    a pupil or teacher spoken of, or he/she/his/her."""
    return any(
        m.kind != "pronoun" or m.text.casefold() in ("he", "she", "him", "her", "his", "hers")
        for m in marks(text, people)
        if m.kind != "role"
    )


def _addressed(text: str, participants: tuple[str, ...]) -> set[int]:
    """Where a participant's first name is used to address them: at a sentence's start before a comma, or
    after a comma at a sentence's end."""
    out = set()
    for name in {p.split(":")[0].split()[0] for p in participants}:
        for m in re.finditer(rf"\b{re.escape(name)}\b", text):
            before, after = text[: m.start()], text[m.end() :]
            if (
                SENTENCE_END.search(before)
                or re.search(
                    r"(?:thanks|thank you|yes|no|okay|right|so|and|"
                    r"sorry|hi|well),?\s*$",
                    before,
                    re.IGNORECASE,
                )
            ) and (re.match(r"\s*[,.?!]", after) or not after.strip()):
                out.add(m.start())
            elif re.search(r",\s*$", before) and re.match(r"\s*(?:[.?!]|$)", after):
                out.add(m.start())
    return out


def _asks(rest: str) -> bool:
    """The words after a sentence's first word make it a question or an order: a subject pronoun follows."""
    return bool(re.match(r"\s+(?:you|we|i|he|she|they|it|the|a|this|that)\b", rest, re.IGNORECASE))
