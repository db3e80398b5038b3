"""The SQL fold of the search, generated from the Python one (`fold.py`, `vocabulary.py`).

`fold_sql()` is the text revision 0012 runs (the revision freezes it, so that a later change
here cannot change what an old revision did; tests/names checks that the revision's text is
still what this module makes, and that both folds agree on a corpus of names).
"""

# ruff: noqa: S608 - DDL made from this module's own constants: nothing a user typed

import json

from clientele.names import fold
from clientele.names.indic import INDIC_WORD_RULES, INHERENT, indic_word_pattern
from clientele.names.indic_table import CONSONANTS, LETTERS, NUKTAS, SIGNS
from clientele.names.vocabulary import PHRASES, SPELLING_RULES, WORD_MAP


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _jsonb(mapping: dict[str, str]) -> str:
    return _literal(json.dumps(mapping, sort_keys=True, ensure_ascii=False)) + "::jsonb"


def _romanize() -> str:
    marker = "chr(" + str(ord(INHERENT)) + ")"
    words = f"regexp_replace(t, {_literal(f'[{NUKTAS}]')}, '', 'g')" if NUKTAS else "t"
    for word, latin in INDIC_WORD_RULES:
        pattern = _literal(indic_word_pattern(word))
        words = f"regexp_replace({words}, {pattern}, {_literal(latin)}, 'g')"
    bare = _literal(f"([{CONSONANTS}])(?![{SIGNS}])")
    return f"""-- Letters of Indian scripts in Latin (clientele.names.indic.romanize, same table).
CREATE OR REPLACE FUNCTION clientele_name_romanize(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN t !~ '[\\u0900-\\u0d7f]' THEN t ELSE (
        SELECT replace(regexp_replace(
                   string_agg(coalesce({_jsonb(LETTERS)} ->> c.ch, c.ch), '' ORDER BY c.pos),
                   {marker} || '(?![a-z0-9])', '', 'g'),
               {marker}, 'a')
        FROM regexp_split_to_table(
            regexp_replace({words}, {bare}, '\\1' || {marker}, 'g'), '')
            WITH ORDINALITY AS c(ch, pos))
    END
$$;
"""


def _clean() -> str:
    text = "normalize(raw, NFKD)"
    text = f"regexp_replace({text}, {_literal(fold.COMBINING_MARKS)}, '', 'g')"
    text = f"regexp_replace({text}, {_literal(fold.GLUED_ACRONYM)}, '\\1 \\2', 'g')"
    text = f"regexp_replace({text}, {_literal(fold.GLUED_CAMEL)}, '\\1 \\2', 'g')"
    text = f"public.clientele_name_romanize(translate({text}, '{fold.UPPER}', '{fold.LOWER}'))"
    text = f"regexp_replace({text}, {_literal(fold.POSSESSIVE)}, '', 'g')"
    text = f"regexp_replace({text}, {_literal(fold.APOSTROPHES)}, '', 'g')"
    text = f"btrim(regexp_replace({text}, {_literal(fold.NOT_WORD)}, ' ', 'g'), ' ')"
    text = f"regexp_replace({text}, {_literal(fold.INITIALS)}, '\\1', 'g')"
    for phrase, replacement in PHRASES.items():
        pattern = _literal(fold.phrase_pattern(phrase))
        text = f"regexp_replace({text}, {pattern}, {_literal(replacement)}, 'g')"
    return f"""-- A name as space-separated lower-case words (clientele.names.fold.clean).
CREATE OR REPLACE FUNCTION clientele_search_clean(raw text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT {text}
$$;
"""


def _spelling() -> str:
    text = "word"
    for old, new in SPELLING_RULES:
        text = f"replace({text}, {_literal(old)}, {_literal(new)})"
    return f"""-- One word with transliteration variants folded (clientele.names.fold.spelling).
CREATE OR REPLACE FUNCTION clientele_search_fold(word text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace({text}, {_literal(fold.DOUBLED)}, '\\1', 'g')
$$;
"""


def _normalize() -> str:
    # PL/pgSQL, not SQL: a SQL function's body is planned again for every call site, and with
    # the cleaning expression inlined that made a fold cost ~280 us; PL/pgSQL keeps its plans
    # (~75 us; revision 0003's fold took ~45 us). Schema-qualified calls: maintenance (ANALYZE
    # of the expression index) runs with a bare search_path.
    return f"""-- The folded name the search indexes (clientele.names.fold.search_key).
CREATE OR REPLACE FUNCTION clientele_search_normalize(raw text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    cleaned text := public.clientele_search_clean(raw);
BEGIN
    RETURN (
        SELECT coalesce(string_agg(public.clientele_search_fold(t.word), ' ' ORDER BY t.pos), '')
        FROM unnest(string_to_array((
            SELECT string_agg(coalesce({_jsonb(WORD_MAP)} ->> s.word, s.word), ' ' ORDER BY s.pos)
            FROM unnest(string_to_array(cleaned, ' ')) WITH ORDINALITY AS s(word, pos)
        ), ' ')) WITH ORDINALITY AS t(word, pos)
        WHERE t.word <> '');
END;
$$;
"""


def fold_sql() -> str:
    """The SQL functions of the search fold, as revision 0009 creates them."""
    return "\n".join([_romanize(), _clean(), _spelling(), _normalize()])
