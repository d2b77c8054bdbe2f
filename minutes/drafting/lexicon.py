"""The private matters of school life, by kind: word families that name something that happens to a person.

A kind's patterns name a matter (an exclusion, a referral, an arrest, a death in the family, an eviction), not
the school's function that deals with it: "safeguarding" alone is a topic ("the safeguarding course"), a
safeguarding *referral* or *concern* is a matter. A matter only becomes a flag where the same line is about a
person (minutes.drafting.persons); that is the only exemption, so "Exclusions across the trust fell" is
business and "Poppy has been excluded" is not. The "confidential" kind is a speaker asking for privacy ("in
confidence", "a part two item") and needs no person.

Patterns are case-insensitive; acronyms that are ordinary words in lower case (SEND, CP, LAC) match only in
capitals. Which dev items each kind supports, and why the kind exists, is in docs/drafting.md ("Sensitive
matters"): no kind rests on one dev sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# someone's: a possessive or object pronoun, a name's possessive, or a determiner for a family member
WHOSE = r"(?:his|her|their|my|your|[A-Z][a-z]+['’]s)"
KIN = (
    r"(?:mum|mom|mother|dad|father|parents?|step-?(?:mum|dad|mother|father)|nan|nana|gran|granny|grandma|"
    r"grandad|grandpa|grandmother|grandfather|grandparents?|brother|sister|siblings?|uncle|aunt(?:ie)?|cousin|"
    r"husband|wife|partner|son|daughter|boyfriend|girlfriend|baby|carers?|family)"
)


@dataclass(frozen=True)
class Kind:
    """A kind of private matter: what a flag says (never the words that fired) and the patterns."""

    name: str
    reason: str  # one line, shown on the flag
    pattern: re.Pattern[str]


def _kind(name: str, reason: str, *alternatives: str) -> Kind:
    return Kind(name, reason, re.compile(r"\b(?:" + "|".join(alternatives) + r")", re.IGNORECASE))


KINDS: tuple[Kind, ...] = (
    _kind(
        "safeguarding",
        "a possible safeguarding or child-protection matter",
        r"safeguarding (?:concerns?|issues?|matters?|referrals?|reports? (?:on|about|for)|disclosures?|cases?|"
        r"incidents?|files?|plans?|logs? (?:on|about|for)|meetings? (?:on|about|for))",
        r"child protection|(?-i:CP) (?:plan|register|conference|case|file)|children in need|(?-i:\bCIN\b)|"
        r"section (?:47|17|forty-?seven|seventeen)|strategy (?:meeting|discussion)|(?-i:\bLADO\b|\bMASH\b)",
        r"early help|social (?:worker|services|care)|disclos(?:ed|ure|ing|es)\b|neglect(?:ed|ful)?\b|"
        r"grooming|groomed|exploit(?:ed|ation)\b|county lines|(?-i:\bFGM\b)|radicali[sz]\w*|prevent referral|"
        r"channel referral|(?:keeps?|keeping|kept) (?:a |it |this )?secrets?|makes? (?:him|her|them) keep|"
        r"touched (?:him|her|them)\b|inappropriate(?:ly)? (?:touch\w*|photos?|images?|messages?|pictures?)|"
        r"(?:not|isn['’]t|doesn['’]t feel) safe at home|scared (?:to go|of going) home|unsafe at home|"
        r"at risk\b|abus(?:e|ed|ive|ing)\b|bruis(?:e|es|ed|ing)\b|sexual(?:ly)?\b|underage|relationship with a (?:pupil|student)",
    ),
    _kind(
        "police",
        "a possible police, court or criminal matter",
        r"police|arrest(?:ed|s)?\b|prison|jail|(?:in|into|on) custody|(?<!netball )(?<!tennis )court\b(?! yard)|"
        r"sentenced|charged with|criminal|crimes?\b|(?<!no )offen(?:ce|ces)\b|offend(?:er|ers|ing)\b|"
        r"youth offending|(?-i:\bYOT\b)|restraining order|injunction|non-molestation|bail\b|"
        r"knife|knives|weapons?\b|drugs?\b|cannabis|stolen\b|stole\b|steal(?:ing|s)?\b|theft|"
        r"shoplift\w*|(?:reported|went|go(?:ne)?) missing|missing (?:from|episode)|ran away|runs? away|"
        r"abscond\w*",
    ),
    _kind(
        "exclusion",
        "a possible exclusion, suspension or sanction of a pupil",
        r"exclu(?:ded|sions?)\b|suspen(?:ded|sions?)\b|fixed[- ]term|managed move|alternative provision|"
        r"(?-i:\bPRU\b)|pupil referral unit|internal isolation|isolation (?:booth|room|unit)|"
        r"sent home (?:for|after)|behaviour (?:plan|contract|support plan|report)|pastoral support plan|"
        r"on report\b|(?:a|another|his|her) detention|expelled|expulsion",
    ),
    _kind(
        "allegation",
        "a possible allegation or complaint about a person",
        r"allegations?|alleg(?:ed|edly|ing)\b|accus(?:ed|ation|ing)\b|complain(?:ed|ts?|ing)?\b|grievances?|"
        r"whistle-?blow\w*|grabbed|slapped|punched|kicked (?:him|her|them|a|an|another|the)\b|"
        r"(?:hit|hitting|hits|pushed|shoved|hurt|hurting|hurts) (?:him|her|them|me|a pupil|a child|"
        + WHOSE
        + r")|shouted at|swore at|investigation (?:into|of|about)|(?:his|her|their|[A-Z][a-z]+['’]s) conduct|"
        r"(?:raised|lodged|made|brought) against",
    ),
    _kind(
        "discipline",
        "a possible disciplinary or capability matter about a member of staff",
        r"disciplinary|capability (?:procedure|process|meeting|plan|stage|hearing)|on capability|misconduct|"
        r"(?:formal|written|verbal|final) warning|dismiss(?:ed|al)\b|sacked|(?:been|was|being|were|be) let go\b|"
        r"asked to leave|(?:paid|gardening) leave|(?:a|the) hearing\b(?! aid| loop| impair)|tribunal|"
        r"settlement agreement|union rep\w*|(?:matter|case|panel|hearing|investigation) (?:concerning|"
        r"regarding|involving|into|against)|pending (?:the |an |his |her )?(?:outcome|investigation)|"
        r"probation(?:ary)? (?:review|period|meeting)|(?:failed|passed|extended) (?:his|her|their) probation|"
        r"performance (?:management|concerns?|improvement|plan)|support plan|"
        r"(?:any|an|his|her|their) appeal\b|appeal (?:panel|hearing|against)",
    ),
    _kind(
        "health",
        "possible health information about a person",
        r"diagnos\w*|medical|medication|illness|\bill\b|unwell|poorly|mental health|hospital\w*|(?-i:\bA&E\b)|"
        r"(?:was|been|is|being|felt|feels?|feeling|got|were) sick\b|sickness|(?-i:\bGP\b)|doctor|surgery|"
        r"(?:an|his|her|their|my) operation\b|therapy|therapist|counsell?ing|(?-i:\bCAMHS\b)|eating disorder|"
        r"(?:not|isn['’]t|stopped) eating|(?:her|his|their) eating|anorexi\w*|bulimi\w*|faint(?:ed|ing|s)?\b|"
        r"seizures?|epilep\w*|asthma\w*|inhaler|epi-?pen|allerg\w*|diabet\w*|insulin|cancer|chemo\w*|"
        r"tumou?r|(?:his|her|their|my|having|for|cancer|hospital) treatment|terminal(?:ly)? ill|"
        r"depress(?:ed|ion)|anxiety|panic attacks?|with stress|stress-related|(?:nervous|mental|emotional) "
        r"breakdown|had a breakdown|(?-i:\bOCD\b)|(?:his|her|their|my|[A-Z][a-z]+['’]s) condition\b|"
        r"injur(?:y|ies|ed)|concussion|broke(?:n)? (?:his|her|their|a) (?:arm|leg|wrist|ankle|collarbone)|"
        r"disabilit\w*|wheelchair|hearing aid",
    ),
    _kind(
        "self_harm",
        "possible self-harm or suicidal talk",
        r"self[- ]?harm\w*|cutting (?:him|her|them)sel(?:f|ves)|cuts (?:on|to) (?:his|her|their) (?:arms?|legs?|"
        r"wrists?)|marks on (?:his|her|their) (?:arms?|legs?|wrists?)|suicid\w*|kill (?:him|her|them|my)sel\w*|"
        r"end (?:it all|(?:his|her|their|my) life)|(?:doesn['’]t|does not|don['’]t|didn['’]t) want to "
        r"(?:be alive|live|be here anymore|wake up)|overdos\w*|ligature|hurt(?:ing|s)? (?:him|her|them|my)sel\w*",
    ),
    _kind(
        "bereavement",
        "a possible bereavement",
        r"(?:he|she|who|(?-i:[A-Z])\w+|" + KIN + r")(?: has| had| just| sadly| recently| suddenly)* died|"
        r"death (?:of|in)|(?:is|was|found|been) dead\b|passed away|passed on\b|bereave\w*|grie(?:f|ving)|"
        r"(?:his|her|their|my|(?-i:[A-Z])\w+['’]s) (?:\w+['’]s )?funeral|funeral (?:of|for)|"
        r"(?:at|to|attend|attending|going to) (?:a|the) funeral|"
        r"lost (?:his|her|their|my) " + KIN,
    ),
    _kind(
        "family",
        "a possible family breakdown or domestic abuse matter",
        r"divorc\w*|separated\b|separation\b|split up|moved out|left home|kicked (?:him|her|them) out|"
        r"domestic (?:abuse|violence|incident)|(?:fight|fights|fighting|rows?|arguing|arguments?|trouble|"
        r"difficult\w*|problems?|things are hard) at home|home (?:life|situation)|"
        r"sleeping (?:at|on) (?:a|his|her|their) (?:friend|mate|sofa|couch)|"
        r"staying with (?:his|her|their) (?:nan|gran|grandparents?|aunt\w*|uncle|dad|mum|father|mother)|"
        r"not allowed to see|contact (?:arrangements|visits)|custody of|"
        r"(?:" + WHOSE + r" " + KIN + r")(?:['’]s)? (?:hit|hurt|hits|hurts|hurting|beat|beats|beating)\b",
    ),
    _kind(
        "care",
        "a possible care or fostering matter",
        r"foster\w*|in care\b|looked[- ]after|(?-i:\bLAC\b|\bCLA\b|\bPEP\b)|children['’]s home|care leaver|"
        r"special guardianship|(?-i:\bSGO\b)|kinship care|adoption|adoptive|(?:was|were|been|being|got) adopted|"
        r"adopted (?:son|daughter|child|children|brother|sister)|birth (?:mother|father|mum|dad|"
        r"parents?|family)|care order|virtual school",
    ),
    _kind(
        "young_carer",
        "a possible young carer",
        r"young carers?|carer for (?:his|her|their)|caring for (?:his|her|their)|"
        r"(?:looks?|looking) after (?:his|her|their) (?:\w+ )?(?:mum|dad|mother|father|brothers?|sisters?|"
        r"siblings|nan|gran)",
    ),
    _kind(
        "immigration",
        "a possible immigration-status matter",
        r"asylum|refugees?|home office|visas?\b|deport\w*|immigration|leave to remain|no recourse to public "
        r"funds|(?-i:\bNRPF\b)|undocumented|settled status|traffick\w*",
    ),
    _kind(
        "poverty",
        "a possible poverty, housing or food matter",
        r"food ?banks?|free school meals|(?-i:\bFSM\b)|(?:he|she|they|family|parents?|mum|dad|(?-i:[A-Z])\w+) "
        r"(?:can['’]t|cannot|couldn['’]t|can not) afford|struggling (?:with money|financially|to pay|for money)|"
        r"hardship|in debt|rent arrears|evict\w*|homeless\w*|(?-i:\bB&B\b|\bB and B\b)|bed and breakfast|"
        r"hostel|temporary accommodation|emergency housing|sofa[- ]?surf\w*|hungry|hiding food|no food|"
        r"laid off|redundan\w*|lost (?:his|her|their|my) job|out of work|unemployed|universal credit|"
        r"on benefits|benefits? (?:cut|sanction)|uniform grant|pupil premium (?:child|pupil)",
    ),
    _kind(
        "send",
        "possible special educational needs, a diagnosis or a referral of a named child",
        r"(?-i:\bEHCP\b|\bEHC plan\b|\bADHD\b|\bASD\b|\bSALT\b|\bIEP\b)|education,? health and care plan|"
        r"(?:has|have|his|her|their|(?-i:[A-Z])\w+['’]s) (?:(?-i:SEND?)|special (?:educational )?needs)\b|"
        r"(?:(?-i:SEND?)|special (?:educational )?needs) (?:support|register|status|needs)|"
        r"dyslexi\w*|dyspraxi\w*|dyscalcul\w*|autis\w*|learning difficult\w*|"
        r"speech and language|educational psycholog\w*|ed psych|one[- ]to[- ]one support|"
        r"(?:assessment|diagnos\w+|neuro\w*) pathway|referrals?\b|referred (?:him|her|them|(?-i:[A-Z])\w+)\b|"
        r"(?:been|was|were|be|being|get|got) referred|waiting list|paediatrician|"
        r"assessment (?:for|of) (?:him|her|them|(?-i:[A-Z]))|(?:his|her|their|[A-Z][a-z]+['’]s) (?:needs|"
        r"statement)\b",
    ),
    _kind(
        "pregnancy",
        "a possible pregnancy",
        r"pregnan\w*|maternity|paternity|expecting (?:a baby|twins)|miscarr\w*|(?-i:\bIVF\b)|having a baby|"
        r"antenatal|baby is due",
    ),
    _kind(
        "absence",
        "a possible absence of a named member of staff or pupil",
        r"signed off|off sick|sick (?:leave|note)|fit note|off work|long[- ]term (?:absence|sick)|"
        r"phased return|occupational health|absence (?:review|meeting|management)|compassionate leave|"
        r"(?:he|she|they)['’]s off (?:until|till|for|again|with)|is off (?:until|till|for|again|with)|"
        r"persistent(?:ly)? (?:absent|absence|late)|late every (?:single )?day|truan\w*|school refus\w*|"
        r"(?:won['’]t|doesn['’]t|refuses to) come (?:in|into school|to school)|self[- ]isolat\w*|"
        r"attendance (?:concern|meeting|panel|fine|contract)|education welfare|home[- ]educat\w*",
    ),
    _kind(
        "bullying",
        "a possible bullying, harassment or discrimination matter",
        r"bull(?:y|ied|ies|ying)\b|racis[tm]\w*|homophob\w*|transphob\w*|sexis[tm]|hate (?:incident|crime)|"
        r"discriminat\w*|harass\w*|called (?:him|her|them) (?:names|a\b)|picked on|sexting|nudes\b",
    ),
    _kind(
        "identity",
        "possible information on a person's sexuality, gender identity or beliefs",
        r"\bgay\b|lesbian|bisexual|(?:came|coming) out as|transgender|\btrans\b|transitioning|gender identity|"
        r"(?:new|preferred) pronouns|preferred name",
    ),
    _kind(
        "pay",
        "possible pay or money of a named person",
        r"(?:his|her|their|my|[A-Z][a-z]+['’]s) (?:salary|pay|wages|TLR|pension)\b|pay (?:rise|cut|grade|"
        r"point|progression|scale) (?:for|of)|overpaid|underpaid|honorarium",
    ),
    _kind(
        "concern",
        "a concern raised about a person",
        r"(?:concern(?:ed|s)?|worr(?:ied|ies|y|ying)) (?:about|for) (?:him|her|them|(?-i:[A-Z])\w+)\b",
    ),
    _kind(
        "confidential",
        "a passage the speaker asked to keep confidential",
        r"in confidence|in strict confidence|confidential(?:ly)? (?:item|matter|session|business|issue)|"
        r"part (?:two|2) (?:item|business|session|matter)|(?:minuted|minute it|recorded) separately|"
        r"not (?:be )?(?:published|minuted)|off the record|(?:between|keep (?:this|it) (?:between|to)) "
        r"(?:us|ourselves)|(?:doesn['’]t|does not|don['’]t) want (?:anyone|people|the others) to know",
    ),
)
BY_NAME = {kind.name: kind for kind in KINDS}
NEEDS_NO_PERSON = frozenset({"confidential"})  # a request for privacy stands on its own


@dataclass(frozen=True)
class Matter:
    kind: str
    start: int
    end: int


def matters(text: str) -> list[Matter]:
    """Every private matter named in a text, in order of where it is named (kinds may overlap)."""
    found = [Matter(k.name, m.start(), m.end()) for k in KINDS for m in k.pattern.finditer(text)]
    return sorted(found, key=lambda m: (m.start, m.end))


def kinds_in(text: str) -> list[str]:
    """The kinds named in a text, each once, in order of first mention."""
    return list(dict.fromkeys(m.kind for m in matters(text)))
