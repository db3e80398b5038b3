"""The search fold in SQL (revision 0009) and in Python (clientele.names) read names alike."""

# ruff: noqa: RUF001 - names in Indian scripts and typographic apostrophes are the point

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.demo import legacy_data
from clientele.demo.dataset import iter_customers
from clientele.duplicates.evaluation import synthetic_dataset
from clientele.names.fold import search_key, words
from clientele.names.sql import fold_sql

REVISION = Path(__file__).parents[2] / "src/clientele/migrations/versions/0012_indic_words.py"

# The cases and the hard ones: initials, glued words, places, scripts, punctuation.
CASES = [
    "D.Y. Children's Hospital", "DY Children's Hospital", "R.M.L. Nursing Home",
    "A.B.C. Dental Clinic", "K.L.E Eye Hospital", "THE J.J. EYE HOSPITAL", "PGINursing Home",
    "KEMHOSPITAL", "SRMDiagnostic Centre", "SunriseHospital", "POLYCLINIC", "MULTISPECIALITY",
    "Shree Sparsh Multispeciality Hospital (Latur)", "RML Nursing Home - Malegaon",
    "डॉ. Amit Agarwal", "श्री लक्ष्मी हॉस्पिटल", "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ", "বিশ্বাস ক্লিনিক",
    "முருகன் மருத்துவமனை", "ರಾಜು ಡಯಾಗ್ನೋಸ್ಟಿಕ್ಸ್", "José's Clínica", "O’Brien’s Lab", "Ørsted",
    "Sunrise Labs", "Sunrise Laboratory", "M/s Ram & Sons Pvt. Ltd.", "N. Home", "N.H.",
    "100% Pure Care", "", "   ", "-", "Ünïcödé ÇÅPS", "Dr.A.K.Sharma", "a", "A B", "x_y",
    "Super Specialty Hosp", "ABC  Hospital", "A.B.C Hospitals", "abc hosp.", "A B C Hospital",
    # titles and English words written in Devanagari (revision 0012), and near misses
    "डॉ. अमित अग्रवाल", "डा. सुनीता शर्मा", "डॉक्टर राकेश वर्मा", "श्रीमती कमला देवी",
    "सिटी केयर लैब", "मल्टी स्पेशलिटी हॉस्पिटल", "सह्याद्री प्रा. लि.", "डॉक्टरों का होम",
    "अपोलो हॉस्पिटल", "होमियो क्लीनिक", "Do Care Clinic", "डॉ.Amit", "नर्सिंग-होम",
    "ডাঃ বিশ্বাস", "सेंटर्स", "लैब्स (Pune)",
]  # fmt: skip


def _revision() -> object:
    spec = importlib.util.spec_from_file_location("revision_0012", REVISION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus() -> list[str]:
    """Every name the demo, the legacy demo, the duplicate sets and the issue hold."""
    names = set(CASES)
    names.update(c.name for c in iter_customers(n=3000, seed=7))
    for row in legacy_data.generate(300).tickets:
        names.update(v for v in row if isinstance(v, str))
    records, _ = synthetic_dataset(n=2000, seed=3)
    names.update(r.name for r in records)
    return sorted(names)


def test_the_revision_holds_the_fold_the_names_module_makes() -> None:
    assert _revision().FOLD_SQL.strip() == fold_sql().strip()  # type: ignore[attr-defined]


async def test_python_and_sql_fold_every_name_of_the_corpus_alike(
    connection: AsyncConnection,
) -> None:
    names = corpus()
    rows = await connection.execute(
        text("SELECT n, clientele_search_normalize(n) FROM unnest(CAST(:names AS text[])) AS n"),
        {"names": names},
    )
    sql = {row[0]: row[1] for row in rows}
    differ = {n: (search_key(n), sql[n]) for n in names if search_key(n) != sql[n]}
    assert differ == {}
    assert len(names) > 3000


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("D.Y. Children's Hospital", "DY Children's Hospital"),
        ("R.M.L. Nursing Home", "RML Nursing Home"),
        ("K.L.E Eye Hospital", "KLE Eye Hospital"),
        ("THE J.J. EYE HOSPITAL", "JJ Eye Hospital"),
        ("A B C Hospital", "ABC Hospitals"),
        ("PGINursing Home", "PGI Nursing Home"),
        ("KEMHOSPITAL", "KEM Hospital"),
        ("SRMDiagnostic Centre", "SRM Diagnostics Center"),
        ("Sunrise Labs", "Sunrise Laboratory"),
        ("श्री लक्ष्मी हॉस्पिटल", "Shri Lakshmi Hospital"),
        ("José Clínica", "Jose Clinica"),
        ("डॉ. अमित अग्रवाल", "Dr. Amit Agraval"),
        ("डा. राकेश वर्मा", "Dr Rakesh Varma"),
        ("सिटी केयर लैब", "City Care Labs"),
        ("मल्टी स्पेशलिटी हॉस्पिटल", "Multispeciality Hospital"),
        ("नर्सिंग होम", "Nursing Home"),
        ("प्रा. लि.", "Pvt. Ltd."),
    ],
)
def test_spellings_of_one_name_fold_to_one_key(typed: str, stored: str) -> None:
    assert search_key(typed) == search_key(stored)


def test_indic_words_are_read_only_as_whole_words() -> None:
    # "डॉक्टरों" (doctors) is not the title "डॉक्टर"; a Latin "do" is not "डॉ".
    assert words("डॉक्टरों") == ("doktaron",)
    assert words("Do Care Clinic") == ("do", "care", "clinic")
    assert words("होमियो") == ("homiyo",)


def test_a_generic_prefix_of_one_word_is_not_split() -> None:
    assert words("POLYCLINIC") == ("polyclinic",)
    assert words("Multispeciality Hospital") == ("multispeciality", "hospital")


def test_indic_names_are_romanized_with_the_final_inherent_vowel_dropped() -> None:
    assert words("अमित अग्रवाल") == ("amit", "agraval")
    assert search_key("अमित अग्रवाल") == "amit agraval"


def test_the_letter_table_is_what_indic_transliteration_makes() -> None:
    pytest.importorskip("indic_transliteration")
    from clientele.names import indic_table
    from clientele.names.indic import build_table

    frozen = (indic_table.LETTERS, indic_table.CONSONANTS, indic_table.SIGNS, indic_table.NUKTAS)
    assert build_table() == frozen
