"""Names written in Indian scripts, read in Latin letters (romanized) the way agents type them.

`romanize("डॉ. अमित अग्रवाल")` is "dr. amit agraval": titles and English words written in the
script are read from `INDIC_WORDS` first ("डॉ" -> dr, "सिटी" -> city); then each consonant
carries its inherent "a" unless a vowel sign or a virama follows,
and the inherent "a" at the end of a word is not pronounced (Hindi, Marathi), so it is dropped.
The letter table is made with `indic-transliteration` (ITRANS, lower-cased, letters only) for
the nine scripts it knows (`build_table`, run by `python -m clientele.names.indic`) and frozen
in `indic_table.py`: the SQL fold of revision 0009 embeds the same table, and a test checks
that the library still gives it.
"""

import re
import unicodedata
from functools import lru_cache

from clientele.names.indic_table import CONSONANTS, LETTERS, NUKTAS, SIGNS
from clientele.names.vocabulary import INDIC_WORDS

# An inherent vowel, written after every consonant that no vowel sign or virama follows.
INHERENT = "\x01"

_NUKTA = re.compile(f"[{NUKTAS}]") if NUKTAS else None
_BARE_CONSONANT = re.compile(f"([{CONSONANTS}])(?![{SIGNS}])")
_FINAL_INHERENT = re.compile(INHERENT + "(?![a-z0-9])")
_INDIC = re.compile("[\u0900-\u0d7f]")


def indic_word_pattern(word: str) -> str:
    """The regular expression of one INDIC_WORDS key, as a whole word (Python and SQL alike)."""
    return "(?<![\\u0900-\\u0d7f])" + word + "(?![\\u0900-\\u0d7f])"


# Longest first; keys as the fold leaves them when they are read (NFKD, nuktas dropped).
INDIC_WORD_RULES: tuple[tuple[str, str], ...] = tuple(
    (re.sub(f"[{NUKTAS}]", "", unicodedata.normalize("NFKD", k)), v)
    for k, v in sorted(INDIC_WORDS.items(), key=lambda kv: (-len(kv[0]), kv[0]))
)
_INDIC_WORDS = tuple((re.compile(indic_word_pattern(k)), v) for k, v in INDIC_WORD_RULES)


@lru_cache(maxsize=65536)
def romanize(text: str) -> str:
    """`text` with every letter of an Indian script replaced by Latin letters; others kept."""
    if not _INDIC.search(text):
        return text
    if _NUKTA is not None:
        text = _NUKTA.sub("", text)
    for pattern, latin in _INDIC_WORDS:
        text = pattern.sub(latin, text)
    text = _BARE_CONSONANT.sub("\\1" + INHERENT, text)
    text = "".join(LETTERS.get(ch, ch) for ch in text)
    return _FINAL_INHERENT.sub("", text).replace(INHERENT, "a")


SCRIPTS = (
    "DEVANAGARI",
    "BENGALI",
    "GURMUKHI",
    "GUJARATI",
    "ORIYA",
    "TAMIL",
    "TELUGU",
    "KANNADA",
    "MALAYALAM",
)
_SPECIAL = {"ANUSVARA": "n", "CANDRABINDU": "n", "TIPPI": "n", "BINDI": "n", "VISARGA": "h",
            "ADDAK": "", "AVAGRAHA": ""}  # fmt: skip
# Letters ITRANS has no good Latin for: the English "o" and "e" of loan words ("डॉक्टर").
_CANDRA = {"CANDRA O": "o", "CANDRA E": "e", "CANDRA A": "a"}


def _latin(text: str) -> str:
    return "".join(ch for ch in text.lower() if "a" <= ch <= "z")


def _from_name(name: str) -> str:
    # "DEVANAGARI VOWEL SIGN CANDRA O" -> "o", "DEVANAGARI LETTER KA" -> "k"
    last = name.split()[-1].lower()
    sound = last[:-1] if " LETTER " in name and last.endswith("a") and len(last) > 1 else last
    return sound if len(sound) <= 3 else ""  # "GLOTTAL STOP", "SIGN AVAGRAHA": no sound


def _candra(name: str) -> str | None:
    return next((v for k, v in _CANDRA.items() if name.endswith(k)), None)


def build_table() -> tuple[dict[str, str], str, str, str]:
    """(letters, consonants, signs, nuktas) for every script, from `indic-transliteration`."""
    from indic_transliteration import sanscript  # noqa: PLC0415 - optional (the dev extra)

    letters: dict[str, str] = {}
    consonants, signs, nuktas = [], [], []
    for script in SCRIPTS:
        block = {"DEVANAGARI": 0x0900, "BENGALI": 0x0980, "GURMUKHI": 0x0A00,
                 "GUJARATI": 0x0A80, "ORIYA": 0x0B00, "TAMIL": 0x0B80, "TELUGU": 0x0C00,
                 "KANNADA": 0x0C80, "MALAYALAM": 0x0D00}[script]  # fmt: skip
        scheme = getattr(sanscript, script)
        virama = chr(block + 0x4D)
        for code in range(block, block + 0x80):
            ch = chr(code)
            name = unicodedata.name(ch, "")
            if not name or unicodedata.normalize("NFKD", ch) != ch:
                continue  # unassigned, or decomposed by the fold's NFKD before it gets here
            kind = name.split(" ", 1)[1]
            if kind.startswith("DIGIT"):
                letters[ch] = str(unicodedata.digit(ch))
            elif kind.startswith("SIGN NUKTA"):
                nuktas.append(ch)
            elif kind.startswith("VOWEL SIGN") or kind.startswith("SIGN VIRAMA"):
                signs.append(ch)
                if kind.startswith("SIGN VIRAMA"):
                    letters[ch] = ""
                    continue
                base = sanscript.transliterate(chr(block + 0x15) + virama, scheme, sanscript.ITRANS)
                both = sanscript.transliterate(chr(block + 0x15) + ch, scheme, sanscript.ITRANS)
                value = _latin(both[len(base) :]) if both.startswith(base) else ""
                letters[ch] = _candra(name) or value or _from_name(name)
            elif kind.startswith("LETTER"):
                value = _latin(sanscript.transliterate(ch + virama, scheme, sanscript.ITRANS))
                is_consonant = _latin(sanscript.transliterate(ch, scheme, sanscript.ITRANS)) == (
                    value + "a"
                ) and value not in ("", "a")
                if is_consonant:
                    consonants.append(ch)
                else:
                    value = _latin(sanscript.transliterate(ch, scheme, sanscript.ITRANS))
                letters[ch] = _candra(name) or value or _from_name(name)
            else:
                special = next((v for k, v in _SPECIAL.items() if k in kind), None)
                if special is not None:
                    letters[ch] = special
    return letters, "".join(consonants), "".join(signs), "".join(nuktas)


def _rows(letters: dict[str, str], size: int) -> list[list[tuple[str, str]]]:
    items = list(letters.items())
    return [items[i : i + size] for i in range(0, len(items), size)]


def render_table() -> str:
    """The source of `indic_table.py`."""
    letters, consonants, signs, nuktas = build_table()
    lines = [
        '"""Made by `python -m clientele.names.indic` (indic-transliteration): do not edit."""',
        "",
        "# ruff: noqa: E501, RUF001",
        "",
        f"CONSONANTS = {consonants!r}",
        f"SIGNS = {signs!r}",
        f"NUKTAS = {nuktas!r}",
        "# fmt: off",
        "LETTERS: dict[str, str] = {",
        *("    " + " ".join(f"{k!r}: {v!r}," for k, v in row) for row in _rows(letters, 8)),
        "}",
        "# fmt: on",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    from pathlib import Path

    Path(__file__).with_name("indic_table.py").write_text(render_table(), encoding="utf-8")
