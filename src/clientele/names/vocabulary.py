"""The words of customer names: every list the product reads names with, in one place.

Search (the SQL fold of revision 0009 is generated from these), duplicate matching, the legacy
migration and the CSV import all read them from here. Change a list, and the search fold
changes: write a new revision that regenerates it (`clientele.names.sql`) and rebuilds the
search index (see docs/names.md).
"""

# ruff: noqa: E501 - the word lists read better one group per line

# Words agents abbreviate or pluralize, and the one spelling every reader folds them to (after
# case folding, punctuation gone, initials joined). Multi-word values are split again; '' drops
# the word.
WORD_MAP: dict[str, str] = {
    # hospital
    "hosp": "hospital", "hospl": "hospital", "hsp": "hospital", "hosptl": "hospital", "hospitals": "hospital",
    # clinic
    "clin": "clinic", "clinics": "clinic",
    # diagnostics
    "diag": "diagnostics", "diagn": "diagnostics", "diagnostic": "diagnostics",
    # centre
    "ctr": "centre", "cntr": "centre", "center": "centre", "centers": "centre", "centres": "centre",
    # nursing (a lone "N." is an initial; "N. Home" is a phrase, below)
    "nh": "nursing home", "nsg": "nursing",
    # laboratory
    "lab": "laboratory", "labs": "laboratory", "laboratories": "laboratory",
    "path": "pathology",
    # speciality
    "specialty": "speciality", "spl": "speciality", "multispecialty": "multispeciality",
    "superspeciality": "super speciality", "superspecialty": "super speciality",
    # others
    "med": "medical", "medicals": "medical", "inst": "institute", "mem": "memorial",
    "intl": "international", "svcs": "services", "eqpt": "equipments", "equipment": "equipments",
    "mfg": "manufacturing", "pvt": "private", "ltd": "limited", "doctor": "dr", "scans": "scan",
    # loanwords as a name in an Indian script romanizes them ("क्लिनिक", "अस्पताल")
    "klinik": "clinic", "aspatal": "hospital",
    # words that say nothing
    "and": "", "the": "", "of": "", "at": "", "s": "",
}  # fmt: skip

# Two-word forms read as other words, applied to the whole folded text before the word map.
PHRASES: dict[str, str] = {
    "n home": "nursing home",
    "multi speciality": "multispeciality",
    "multi specialty": "multispeciality",
    "super specialty": "super speciality",
}

# The legal form of a business: not part of which customer it is.
LEGAL_WORDS = frozenset(
    {"pvt", "private", "ltd", "limited", "llp", "trust", "inc", "co", "corp", "opc", "regd"}
)
# Titles before a person's name.
HONORIFICS = frozenset(
    {"dr", "doctor", "sri", "shri", "shree", "sree", "smt", "mr", "mrs", "ms", "prof", "m/s"}
)
# Words the fold drops everywhere (the '' entries of WORD_MAP).
STOP_WORDS = frozenset(word for word, value in WORD_MAP.items() if value == "")

# Words that say what kind of place it is, not which one: they must not dominate similarity.
GENERIC_WORDS = frozenset(
    {
        "hospital", "clinic", "nursing", "home", "centre", "diagnostics", "laboratory", "pathology",
        "multispeciality", "super", "speciality", "medical", "healthcare", "health", "care",
        "services", "institute", "research", "imaging", "scan", "clinical", "polyclinic",
        "maternity", "memorial", "surgicals", "surgical", "systems", "solutions", "agencies",
        "equipments", "distributors", "devices", "technologies", "group", "network", "dental",
        "eye", "children", "child", "women", "ent", "diabetes", "ortho", "heart", "cancer",
        "orthopaedic", "family", "dialysis", "ivf", "skin", "physiotherapy", "rehab", "mri", "ct",
        "sciences", "general",
    }
)  # fmt: skip

# Transliteration variants of one sound folded to one spelling, applied in this order to every
# word, then doubled letters collapsed: Shri/Sri/Shree -> sri, Lakshmi/Laxmi -> laxmi,
# Saksena/Saxena -> saxena (x is written ks in every Indian script),
# Venkateshwara/Venkateswara -> venkatesvara. Search and matching share these.
SPELLING_RULES: tuple[tuple[str, str], ...] = (
    ("ksh", "x"),
    ("ks", "x"),
    ("sh", "s"),
    ("ee", "i"),
    ("oo", "u"),
    ("aa", "a"),
    ("w", "v"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("bh", "b"),
    ("kh", "k"),
    ("gh", "g"),
)
# Matching folds further (it compares two stored names, not a half-typed word with a vocabulary):
# these apply after SPELLING_RULES, and a final "a" is dropped from words of 4+ letters
# (Ganesha / Ganesh).
MATCH_SPELLING_RULES: tuple[tuple[str, str], ...] = (("z", "j"), ("q", "k"), ("y", "i"))

# A generic word typed glued to an acronym before it ("KEMHOSPITAL", "PGINursing",
# "SRMDiagnostic") or to a word in camel case ("SunriseHospital") is split off. Acronyms that
# are really a prefix of one word are left alone ("POLYCLINIC", "MULTISPECIALITY").
GLUED_WORDS: tuple[str, ...] = (
    "hospitals", "hospital", "nursing", "diagnostics", "diagnostic", "clinic", "centre", "center",
    "laboratory", "pathology", "medical", "dental", "eye", "imaging", "scans", "healthcare",
    "multispeciality", "maternity", "memorial", "polyclinic",
)  # fmt: skip
GLUE_PREFIXES_KEPT: tuple[str, ...] = ("POLY", "MULTI", "SUPER", "HEALTH", "EYE", "DAY")

# Words of a name written in an Indian script that are not read by their letters: titles
# ("डॉ." is Dr., not "do") and the English words of a business name as Hindi writes them
# ("सिटी केयर" is City Care, not "siti keyar"). Replaced, as whole words, before the letters are
# romanized; the Latin then goes through WORD_MAP like any other word ("लैब" -> lab ->
# laboratory). Spellings that romanize to the English word already (हॉस्पिटल, डेंटल) need no
# entry; nor do those WORD_MAP maps (क्लिनिक -> klinik, अस्पताल -> aspatal).
INDIC_WORDS: dict[str, str] = {
    # titles
    "डॉक्टर": "dr", "डाक्टर": "dr", "डॉ": "dr", "डा": "dr", "श्रीमती": "smt", "ডাঃ": "dr", "ডাক্তার": "dr",
    # kinds of place
    "हास्पिटल": "hospital", "हॉस्पीटल": "hospital", "हस्पताल": "hospital", "क्लीनिक": "clinic",
    "नर्सिंग": "nursing", "नरसिंग": "nursing", "होम": "home", "सेंटर": "centre", "सेन्टर": "centre",
    "सेंटर्स": "centre", "डायग्नोस्टिक्स": "diagnostics", "डायग्नोस्टिक": "diagnostics",
    "डायग्नॉस्टिक्स": "diagnostics", "लैब": "lab", "लैब्स": "lab", "लेबोरेटरी": "laboratory",
    "लैबोरेटरी": "laboratory", "लेबोरेट्री": "laboratory", "पैथोलॉजी": "pathology",
    "पैथोलोजी": "pathology", "पैथ": "pathology", "इमेजिंग": "imaging", "स्कैन": "scan",
    "स्कैन्स": "scan", "पॉलीक्लिनिक": "polyclinic", "पोलीक्लिनिक": "polyclinic",
    "मल्टीस्पेशलिटी": "multispeciality", "मल्टीस्पेशियलिटी": "multispeciality",
    "मल्टी": "multi", "स्पेशलिटी": "speciality", "स्पेशियलिटी": "speciality", "सुपर": "super",
    "मेडिकल": "medical", "मेडिकल्स": "medical", "मेमोरियल": "memorial", "मैटरनिटी": "maternity",
    "इंस्टिट्यूट": "institute", "इंस्टीट्यूट": "institute", "रिसर्च": "research",
    "हेल्थकेयर": "healthcare", "हेल्थ": "health", "केयर": "care", "सिटी": "city",
    "चिल्ड्रन": "children", "चिल्ड्रेन": "children", "चिल्ड्रन्स": "children", "वूमेन": "women",
    "वुमन": "women", "हार्ट": "heart", "कैंसर": "cancer", "स्किन": "skin", "ऑर्थो": "ortho",
    "आर्थो": "ortho", "डायलिसिस": "dialysis", "फैमिली": "family", "जनरल": "general",
    "सर्जिकल": "surgical", "सर्जिकल्स": "surgicals", "इक्विपमेंट्स": "equipments",
    "इक्विपमेंट": "equipments", "सिस्टम्स": "systems", "सॉल्यूशंस": "solutions",
    "एजेंसीज": "agencies", "एजेंसी": "agencies", "डिवाइसेज": "devices", "डिस्ट्रीब्यूटर्स": "distributors",
    "टेक्नोलॉजीज": "technologies", "ग्रुप": "group", "नेटवर्क": "network", "सर्विसेज": "services",
    "प्राइवेट": "private", "प्रा": "private", "लिमिटेड": "limited", "लि": "limited", "एंड": "and",
    "एण्ड": "and", "सन्स": "sons", "इंटरनेशनल": "international", "ग्लोबल": "global",
}  # fmt: skip

# Old city names and spellings, mapped to the current one ("Bombay" -> mumbai).
CITY_ALIASES: dict[str, str] = {
    "bombay": "mumbai",
    "bangalore": "bengaluru",
    "bengalooru": "bengaluru",
    "calcutta": "kolkata",
    "madras": "chennai",
    "gurgaon": "gurugram",
    "trivandrum": "thiruvananthapuram",
    "cochin": "kochi",
    "ernakulam": "kochi",
    "mysore": "mysuru",
    "mangalore": "mangaluru",
    "poona": "pune",
    "baroda": "vadodara",
    "pondicherry": "puducherry",
    "calicut": "kozhikode",
    "new delhi": "delhi",
    "vizag": "visakhapatnam",
    "benares": "varanasi",
    "banaras": "varanasi",
    "allahabad": "prayagraj",
}
