"""Titles and English words written in an Indian script read as such; legacy aliases searched.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

Revision 0009 romanized names in Indian scripts letter by letter, so "डॉ. अमित अग्रवाल" was
"do amit agraval" (not Dr.) and "सिटी केयर लैब" was "siti keyar laib", which no Latin query for
City Care Lab finds. The fold now reads the words of `clientele.names.vocabulary.INDIC_WORDS`
(titles, and the English words of business names as Hindi writes them) before the letters.
The spelling rules also fold "ks" to "x" (Saksena/Saxena: x is written ks in every Indian
script), which changes the key of Latin names holding "ks" too: both sides fold alike.

Legacy aliases (every other spelling the old application held for a customer, in
`metadata.legacy.aliases`) become searchable: `clientele_search_aliases(name, metadata)` gives
their folded forms other than the name's; triggers remember them in `search_names`; the
refresh keeps them; a partial GIN expression index `ix_customers_search_aliases` (built
CONCURRENTLY; only rows with legacy metadata) finds the customers holding one.

FOLD_SQL below is revision 0009's fold text with the lines this revision changes replaced
(frozen here): what `clientele.names.sql.fold_sql()` made when this revision was written
(tests/names checks that it still is).

Upgrade: replace the fold functions; add the alias function, triggers and refresh; rebuild
`ix_customers_search_name` CONCURRENTLY (an autocommit block: writes go on; during the rebuild
the index still holds the old fold, so a Devanagari name is found as before until it
finishes); refold the search tables; build the alias index CONCURRENTLY and remember the
aliases. Downgrade: drop the alias index, triggers and functions, restore 0003's refresh, and
the fold of revision 0009.
"""

from alembic import op

from clientele.migrations.sqltext import function_sql, revised, revision_text

revision = "0012"
down_revision = "0013"
branch_labels = None
depends_on = None

# Revision 0009's fold, revised: the words of `clientele.names.vocabulary.INDIC_WORDS` (when
# this revision was written) are read before the letters, and the spelling rules fold "ks" to x.
FOLD_0009 = revision_text("0009_name_fold", "FOLD_SQL")
NUKTAS_DROPPED = r"""regexp_replace(t, '[़়਼઼଼఼಼]', '', 'g')"""
# The same, then each Indic word replaced by its Latin reading (one line, frozen here).
INDIC_WORDS_READ = r"""regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(t, '[़়਼઼଼఼಼]', '', 'g'), '(?<![\u0900-\u0d7f])डिस्ट्रीब्यूटर्स(?![\u0900-\u0d7f])', 'distributors', 'g'), '(?<![\u0900-\u0d7f])मल्टीस्पेशियलिटी(?![\u0900-\u0d7f])', 'multispeciality', 'g'), '(?<![\u0900-\u0d7f])डायग्नॉस्टिक्स(?![\u0900-\u0d7f])', 'diagnostics', 'g'), '(?<![\u0900-\u0d7f])डायग्नोस्टिक्स(?![\u0900-\u0d7f])', 'diagnostics', 'g'), '(?<![\u0900-\u0d7f])मल्टीस्पेशलिटी(?![\u0900-\u0d7f])', 'multispeciality', 'g'), '(?<![\u0900-\u0d7f])इक्विपमेंट्स(?![\u0900-\u0d7f])', 'equipments', 'g'), '(?<![\u0900-\u0d7f])डायग्नोस्टिक(?![\u0900-\u0d7f])', 'diagnostics', 'g'), '(?<![\u0900-\u0d7f])इंस्टिट्यूट(?![\u0900-\u0d7f])', 'institute', 'g'), '(?<![\u0900-\u0d7f])इंस्टीट्यूट(?![\u0900-\u0d7f])', 'institute', 'g'), '(?<![\u0900-\u0d7f])टेक्नोलॉजीज(?![\u0900-\u0d7f])', 'technologies', 'g'), '(?<![\u0900-\u0d7f])पॉलीक्लिनिक(?![\u0900-\u0d7f])', 'polyclinic', 'g'), '(?<![\u0900-\u0d7f])पोलीक्लिनिक(?![\u0900-\u0d7f])', 'polyclinic', 'g'), '(?<![\u0900-\u0d7f])स्पेशियलिटी(?![\u0900-\u0d7f])', 'speciality', 'g'), '(?<![\u0900-\u0d7f])इक्विपमेंट(?![\u0900-\u0d7f])', 'equipments', 'g'), '(?<![\u0900-\u0d7f])चिल्ड्रन्स(?![\u0900-\u0d7f])', 'children', 'g'), '(?<![\u0900-\u0d7f])लेबोरेट्री(?![\u0900-\u0d7f])', 'laboratory', 'g'), '(?<![\u0900-\u0d7f])इंटरनेशनल(?![\u0900-\u0d7f])', 'international', 'g'), '(?<![\u0900-\u0d7f])चिल्ड्रेन(?![\u0900-\u0d7f])', 'children', 'g'), '(?<![\u0900-\u0d7f])लेबोरेटरी(?![\u0900-\u0d7f])', 'laboratory', 'g'), '(?<![\u0900-\u0d7f])लैबोरेटरी(?![\u0900-\u0d7f])', 'laboratory', 'g'), '(?<![\u0900-\u0d7f])सर्जिकल्स(?![\u0900-\u0d7f])', 'surgicals', 'g'), '(?<![\u0900-\u0d7f])सॉल्यूशंस(?![\u0900-\u0d7f])', 'solutions', 'g'), '(?<![\u0900-\u0d7f])स्पेशलिटी(?![\u0900-\u0d7f])', 'speciality', 'g'), '(?<![\u0900-\u0d7f])हेल्थकेयर(?![\u0900-\u0d7f])', 'healthcare', 'g'), '(?<![\u0900-\u0d7f])चिल्ड्रन(?![\u0900-\u0d7f])', 'children', 'g'), '(?<![\u0900-\u0d7f])डायलिसिस(?![\u0900-\u0d7f])', 'dialysis', 'g'), '(?<![\u0900-\u0d7f])डिवाइसेज(?![\u0900-\u0d7f])', 'devices', 'g'), '(?<![\u0900-\u0d7f])पैथोलॉजी(?![\u0900-\u0d7f])', 'pathology', 'g'), '(?<![\u0900-\u0d7f])पैथोलोजी(?![\u0900-\u0d7f])', 'pathology', 'g'), '(?<![\u0900-\u0d7f])प्राइवेट(?![\u0900-\u0d7f])', 'private', 'g'), '(?<![\u0900-\u0d7f])मेडिकल्स(?![\u0900-\u0d7f])', 'medical', 'g'), '(?<![\u0900-\u0d7f])मेमोरियल(?![\u0900-\u0d7f])', 'memorial', 'g'), '(?<![\u0900-\u0d7f])मैटरनिटी(?![\u0900-\u0d7f])', 'maternity', 'g'), '(?<![\u0900-\u0d7f])सर्विसेज(?![\u0900-\u0d7f])', 'services', 'g'), '(?<![\u0900-\u0d7f])सिस्टम्स(?![\u0900-\u0d7f])', 'systems', 'g'), '(?<![\u0900-\u0d7f])हास्पिटल(?![\u0900-\u0d7f])', 'hospital', 'g'), '(?<![\u0900-\u0d7f])हॉस्पीटल(?![\u0900-\u0d7f])', 'hospital', 'g'), '(?<![\u0900-\u0d7f])इमेजिंग(?![\u0900-\u0d7f])', 'imaging', 'g'), '(?<![\u0900-\u0d7f])एजेंसीज(?![\u0900-\u0d7f])', 'agencies', 'g'), '(?<![\u0900-\u0d7f])क्लीनिक(?![\u0900-\u0d7f])', 'clinic', 'g'), '(?<![\u0900-\u0d7f])नर्सिंग(?![\u0900-\u0d7f])', 'nursing', 'g'), '(?<![\u0900-\u0d7f])नेटवर्क(?![\u0900-\u0d7f])', 'network', 'g'), '(?<![\u0900-\u0d7f])लिमिटेड(?![\u0900-\u0d7f])', 'limited', 'g'), '(?<![\u0900-\u0d7f])श्रीमती(?![\u0900-\u0d7f])', 'smt', 'g'), '(?<![\u0900-\u0d7f])सर्जिकल(?![\u0900-\u0d7f])', 'surgical', 'g'), '(?<![\u0900-\u0d7f])सेंटर्स(?![\u0900-\u0d7f])', 'centre', 'g'), '(?<![\u0900-\u0d7f])स्कैन्स(?![\u0900-\u0d7f])', 'scan', 'g'), '(?<![\u0900-\u0d7f])हस्पताल(?![\u0900-\u0d7f])', 'hospital', 'g'), '(?<![\u0900-\u0d7f])ডাক্তার(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])एजेंसी(?![\u0900-\u0d7f])', 'agencies', 'g'), '(?<![\u0900-\u0d7f])ग्लोबल(?![\u0900-\u0d7f])', 'global', 'g'), '(?<![\u0900-\u0d7f])डाक्टर(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])डॉक्टर(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])नरसिंग(?![\u0900-\u0d7f])', 'nursing', 'g'), '(?<![\u0900-\u0d7f])फैमिली(?![\u0900-\u0d7f])', 'family', 'g'), '(?<![\u0900-\u0d7f])मेडिकल(?![\u0900-\u0d7f])', 'medical', 'g'), '(?<![\u0900-\u0d7f])रिसर्च(?![\u0900-\u0d7f])', 'research', 'g'), '(?<![\u0900-\u0d7f])सेन्टर(?![\u0900-\u0d7f])', 'centre', 'g'), '(?<![\u0900-\u0d7f])आर्थो(?![\u0900-\u0d7f])', 'ortho', 'g'), '(?<![\u0900-\u0d7f])ऑर्थो(?![\u0900-\u0d7f])', 'ortho', 'g'), '(?<![\u0900-\u0d7f])कैंसर(?![\u0900-\u0d7f])', 'cancer', 'g'), '(?<![\u0900-\u0d7f])ग्रुप(?![\u0900-\u0d7f])', 'group', 'g'), '(?<![\u0900-\u0d7f])मल्टी(?![\u0900-\u0d7f])', 'multi', 'g'), '(?<![\u0900-\u0d7f])लैब्स(?![\u0900-\u0d7f])', 'lab', 'g'), '(?<![\u0900-\u0d7f])वूमेन(?![\u0900-\u0d7f])', 'women', 'g'), '(?<![\u0900-\u0d7f])सेंटर(?![\u0900-\u0d7f])', 'centre', 'g'), '(?<![\u0900-\u0d7f])स्किन(?![\u0900-\u0d7f])', 'skin', 'g'), '(?<![\u0900-\u0d7f])स्कैन(?![\u0900-\u0d7f])', 'scan', 'g'), '(?<![\u0900-\u0d7f])हार्ट(?![\u0900-\u0d7f])', 'heart', 'g'), '(?<![\u0900-\u0d7f])हेल्थ(?![\u0900-\u0d7f])', 'health', 'g'), '(?<![\u0900-\u0d7f])एण्ड(?![\u0900-\u0d7f])', 'and', 'g'), '(?<![\u0900-\u0d7f])केयर(?![\u0900-\u0d7f])', 'care', 'g'), '(?<![\u0900-\u0d7f])जनरल(?![\u0900-\u0d7f])', 'general', 'g'), '(?<![\u0900-\u0d7f])प्रा(?![\u0900-\u0d7f])', 'private', 'g'), '(?<![\u0900-\u0d7f])वुमन(?![\u0900-\u0d7f])', 'women', 'g'), '(?<![\u0900-\u0d7f])सन्स(?![\u0900-\u0d7f])', 'sons', 'g'), '(?<![\u0900-\u0d7f])सिटी(?![\u0900-\u0d7f])', 'city', 'g'), '(?<![\u0900-\u0d7f])सुपर(?![\u0900-\u0d7f])', 'super', 'g'), '(?<![\u0900-\u0d7f])एंड(?![\u0900-\u0d7f])', 'and', 'g'), '(?<![\u0900-\u0d7f])पैथ(?![\u0900-\u0d7f])', 'pathology', 'g'), '(?<![\u0900-\u0d7f])लैब(?![\u0900-\u0d7f])', 'lab', 'g'), '(?<![\u0900-\u0d7f])होम(?![\u0900-\u0d7f])', 'home', 'g'), '(?<![\u0900-\u0d7f])ডাঃ(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])डा(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])डॉ(?![\u0900-\u0d7f])', 'dr', 'g'), '(?<![\u0900-\u0d7f])लि(?![\u0900-\u0d7f])', 'limited', 'g')"""
# 0009's note on the normalize function, now a comment of clientele.names.sql (no SQL effect).
PLPGSQL_NOTE = """-- PL/pgSQL, not SQL: a SQL function's body is planned again for every call site, and with the
-- cleaning expression inlined that made a fold cost ~280 us; PL/pgSQL keeps its plans (~75 us;
-- revision 0003's fold took ~45 us). Schema-qualified calls: maintenance (ANALYZE of the
-- expression index) runs with a bare search_path.
"""
FOLD_SQL = revised(
    FOLD_0009,
    (NUKTAS_DROPPED, INDIC_WORDS_READ),
    ("SELECT regexp_replace(replace(", "SELECT regexp_replace(replace(replace("),
    ("(word, 'ksh', 'x'), ", "(word, 'ksh', 'x'), 'ks', 'x'), "),
    (PLPGSQL_NOTE, ""),
)

# Legacy aliases: every other spelling the old application held for a customer
# (`metadata.legacy.aliases`, e.g. "डॉ. अमित अग्रवाल" beside "Dr. Amit Agarwal") is searchable.
# Its folded forms (those that differ from the folded name) are kept in `search_names` like any
# name, and a partial GIN expression index finds the customers holding one.
ALIASES_SQL = r"""
-- The folded spellings of a customer's legacy aliases other than its name's (NULL: none).
CREATE OR REPLACE FUNCTION clientele_search_aliases(name text, metadata jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(metadata #> '{legacy,aliases}') = 'array' THEN nullif(ARRAY(
        SELECT DISTINCT f
        FROM jsonb_array_elements_text(metadata #> '{legacy,aliases}') AS a(alias),
             public.clientele_search_normalize(a.alias) AS f
        WHERE f <> '' AND f IS DISTINCT FROM public.clientele_search_normalize(name)
        ORDER BY f), '{}') END
$$;

CREATE OR REPLACE FUNCTION clientele_customers_search_aliases() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM clientele_search_remember(a.folded)
    FROM unnest(clientele_search_aliases(NEW.name, NEW.metadata)) AS a(folded) ORDER BY a.folded;
    RETURN NEW;
END;
$$;

CREATE TRIGGER customers_search_aliases_insert
    BEFORE INSERT ON customers
    FOR EACH ROW WHEN (NEW.metadata ? 'legacy')
    EXECUTE FUNCTION clientele_customers_search_aliases();
CREATE TRIGGER customers_search_aliases_update
    BEFORE UPDATE OF name, metadata ON customers
    FOR EACH ROW WHEN (NEW.metadata ? 'legacy' AND (NEW.name IS DISTINCT FROM OLD.name
        OR NEW.metadata #> '{legacy,aliases}' IS DISTINCT FROM OLD.metadata #> '{legacy,aliases}'))
    EXECUTE FUNCTION clientele_customers_search_aliases();
"""

# Revision 0003's sweep, which an alias-only name would not survive; restored by the downgrade.
OLD_REFRESH_SQL = (
    "\n" + function_sql(revision_text("0003_search"), "clientele_search_refresh") + "\n"
)
REFRESH_SQL = """
-- Sweep names no customer holds any more (as its name or a legacy alias) and recount word
-- frequencies (run now and then).""" + revised(  # noqa: S608 - constant DDL
    OLD_REFRESH_SQL,
    (
        """
        SELECT FROM customers AS c WHERE clientele_search_normalize(c.name) = n.search_name);
""",
        """
        SELECT FROM customers AS c WHERE clientele_search_normalize(c.name) = n.search_name)
      AND NOT EXISTS (
        SELECT FROM customers AS c
        WHERE c.metadata ? 'legacy'
          AND clientele_search_aliases(c.name, c.metadata) @> ARRAY[n.search_name]);
""",
    ),
)

REFOLD = """
DELETE FROM search_term_variants;
DELETE FROM search_terms;
DELETE FROM search_names;
SELECT clientele_search_remember(f.folded)
FROM (SELECT DISTINCT clientele_search_normalize(name) AS folded FROM customers) AS f;
SELECT clientele_search_refresh();
"""
REMEMBER_ALIASES = """
SELECT clientele_search_remember(f.folded)
FROM (SELECT DISTINCT unnest(clientele_search_aliases(name, metadata)) AS folded
      FROM customers WHERE metadata ? 'legacy' ORDER BY 1) AS f;
SELECT clientele_search_refresh();
"""
ALIASES_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_search_aliases ON customers"
    " USING gin (clientele_search_aliases(name, metadata)) WHERE metadata ? 'legacy'"
)


def _rebuild() -> None:
    with op.get_context().autocommit_block():
        op.execute("REINDEX INDEX CONCURRENTLY ix_customers_search_name")
    op.execute(REFOLD)


def upgrade() -> None:
    op.execute(FOLD_SQL)
    op.execute(ALIASES_SQL)
    op.execute(REFRESH_SQL)
    _rebuild()
    with op.get_context().autocommit_block():
        # A failed concurrent build leaves an INVALID index behind: drop it, build again.
        op.execute(
            "DO $$ BEGIN IF EXISTS (SELECT FROM pg_index WHERE NOT indisvalid AND indexrelid ="
            " to_regclass('ix_customers_search_aliases')) THEN"
            " DROP INDEX ix_customers_search_aliases; END IF; END $$"
        )
        op.execute(ALIASES_INDEX)
    op.execute(REMEMBER_ALIASES)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_customers_search_aliases")
    op.execute("DROP TRIGGER customers_search_aliases_update ON customers")
    op.execute("DROP TRIGGER customers_search_aliases_insert ON customers")
    op.execute(OLD_REFRESH_SQL)
    op.execute("DROP FUNCTION clientele_customers_search_aliases()")
    op.execute("DROP FUNCTION clientele_search_aliases(text, jsonb)")
    op.execute(FOLD_0009)
    _rebuild()
