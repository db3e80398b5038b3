"""Name search that stays fast at a million customers: folded names, a name table, a vocabulary.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

Design (docs/search.md has the reasoning and the measurements):

* `clientele_search_normalize(name)` folds a name the way agents mistype it: lower case,
  punctuation and possessives dropped, abbreviations expanded (Hosp. -> hospital, N. Home ->
  nursing home, Diag -> diagnostics), "multi speciality" joined, and every word given a
  phonetic key for Indian transliterations (Shri/Sri/Shree -> sri, Lakshmi/Laxmi -> laxmi,
  Venkateshwara/Venkateswara). It is IMMUTABLE, so an expression index on customers holds it:
  no new column, nothing to backfill, and no history versions written by a backfill.
* `search_names` holds each distinct folded name once (28,600 names for 1,000,000 realistic
  customers), with its words; `search_terms` is the vocabulary with each word's document
  frequency over `search_names`, trigram-indexed so a mistyped word finds its spellings.
* `search_term_variants` holds each term's one-letter deletions: a typed word one typo away
  from a term (dropped, added, replaced or swapped letters) finds it with exact lookups, also
  in short words where trigram similarity falls under its threshold ("apx" / "apex").
* A search ranks names (small table) by IDF-weighted word matches (the last typed word also as
  a prefix), then fetches the customers of the best names through the expression index, with
  the list filters applied there: it INCLUDEs name, city, type and status, so that is an
  index-only scan.
* A BEFORE trigger on customers inserts a new folded name (and its words) on every insert and
  every rename, also for writes that bypass the API (psql, COPY, the legacy migration). Existing
  names cost one index probe (ON CONFLICT DO NOTHING, no row lock). A new word enters with
  `df` 1 and known words are never updated by writes, so hot words ("hospital") are not hot
  rows (counting them in the trigger deadlocked concurrent bulk writers). Names left behind by
  renames are harmless (they match no customer); `clientele_search_refresh()` sweeps them and
  recounts `df` (run it after bulk loads and nightly).

The expression index is built CONCURRENTLY in an autocommit block (architecture rule 8): a live
customers table keeps taking writes while it builds.
"""

import json

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Abbreviations and spelling variants, mapped before the phonetic fold. Multi-word values are
# split again; '' drops the word.
WORD_MAP = {
    "hosp": "hospital",
    "hospl": "hospital",
    "hsp": "hospital",
    "hosptl": "hospital",
    "hospitals": "hospital",
    "clin": "clinic",
    "clinics": "clinic",
    "diag": "diagnostics",
    "diagn": "diagnostics",
    "diagnostic": "diagnostics",
    "ctr": "centre",
    "cntr": "centre",
    "center": "centre",
    "centers": "centre",
    "centres": "centre",
    "n": "nursing",
    "nh": "nursing home",
    "nsg": "nursing",
    "pvt": "private",
    "ltd": "limited",
    "mfg": "manufacturing",
    "labs": "lab",
    "laboratory": "lab",
    "laboratories": "lab",
    "path": "pathology",
    "specialty": "speciality",
    "multispecialty": "multispeciality",
    "superspecialty": "superspeciality",
    "inst": "institute",
    "mem": "memorial",
    "doctor": "dr",
    "and": "",
    "the": "",
    "of": "",
}


def _word_map_json() -> str:

    return json.dumps(WORD_MAP, sort_keys=True).replace("'", "''")


# The fold functions (revision 0009 restores them on its downgrade, from here).
FOLD_FUNCTIONS = r"""
-- A phonetic key for one (already lower-cased, alphanumeric) word.
CREATE FUNCTION clientele_search_fold(word text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        replace(replace(word,
            'ksh', 'x'), 'sh', 's'), 'ee', 'i'), 'oo', 'u'), 'aa', 'a'), 'w', 'v'),
            'ph', 'f'), 'th', 't'), 'dh', 'd'), 'bh', 'b'), 'kh', 'k'), 'gh', 'g'),
        '(.)\1+', '\1', 'g')
$$;

-- A name (or what an agent typed) folded to space-separated phonetic words. Schema-qualified
-- calls: maintenance (ANALYZE of the expression index) runs with a bare search_path.
CREATE FUNCTION clientele_search_normalize(raw text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(public.clientele_search_fold(t.word), ' ' ORDER BY t.pos), '')
    FROM unnest(string_to_array((
        SELECT string_agg(coalesce('__WORD_MAP__'::jsonb ->> s.word, s.word), ' ' ORDER BY s.pos)
        FROM unnest(string_to_array(btrim(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        regexp_replace(lower(raw), '''s\M', '', 'g'),
                        '[''`\u2019]', '', 'g'),
                    '[^[:alnum:]]+', ' ', 'g'),
                '\m(multi|super) (speciality|specialty)\M', '\1\2', 'g')
        ), ' ')) WITH ORDINALITY AS s(word, pos)
    ), ' ')) WITH ORDINALITY AS t(word, pos)
    WHERE t.word <> ''
$$;
""".replace("__WORD_MAP__", _word_map_json())

UPGRADE = (
    FOLD_FUNCTIONS  # noqa: S608 - two constants of this revision, no input
    + r"""
CREATE TABLE search_names (
    search_name TEXT PRIMARY KEY CONSTRAINT ck_search_names_not_blank CHECK (search_name <> ''),
    terms TEXT[] NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
COMMENT ON TABLE search_names IS
    'Each distinct folded customer name once (clientele_search_normalize), for ranking.';
CREATE INDEX ix_search_names_terms ON search_names USING gin (terms) WITH (fastupdate = off);

CREATE TABLE search_terms (
    term TEXT PRIMARY KEY,
    df INTEGER NOT NULL DEFAULT 0
);
COMMENT ON TABLE search_terms IS
    'The words of search_names, with how many names hold each (df, for IDF weights).';
CREATE INDEX ix_search_terms_term_trgm ON search_terms USING gin (term gin_trgm_ops)
    WITH (fastupdate = off);

-- The word with one letter deleted, at each position: two words are one typo apart (a letter
-- dropped, added, replaced, or two swapped) when one of them, or one of their deletions, is
-- one of the other's deletions (symmetric deletion). Exact lookups, no similarity threshold:
-- "jian" finds "jain" (trigram similarity 0.11) and "apx" finds "apex".
CREATE FUNCTION clientele_search_deletions(word text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(
        SELECT left(word, i - 1) || substr(word, i + 1) FROM generate_series(1, length(word)) AS i)
$$;

CREATE TABLE search_term_variants (
    variant TEXT NOT NULL,
    term TEXT NOT NULL REFERENCES search_terms (term) ON DELETE CASCADE,
    PRIMARY KEY (variant, term)
);
COMMENT ON TABLE search_term_variants IS
    'Each search term (4+ letters) and its one-letter deletions, to find a mistyped word.';
CREATE INDEX ix_search_term_variants_term ON search_term_variants (term);

-- Record a folded name (and count its words) unless it is already known. SECURITY DEFINER:
-- an application role that may write customers need not be granted the search tables.
CREATE FUNCTION clientele_search_remember(folded text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    words text[];
BEGIN
    IF folded = '' THEN
        RETURN;
    END IF;
    words := ARRAY(SELECT DISTINCT w FROM unnest(string_to_array(folded, ' ')) AS w ORDER BY w);
    INSERT INTO search_names (search_name, terms) VALUES (folded, words)
        ON CONFLICT (search_name) DO NOTHING;
    IF FOUND THEN
        -- Known words are not touched: counting them here made every new name lock the row of
        -- "hospital" until commit, and concurrent writers (the legacy migration beside the old
        -- application) deadlocked on those rows. New words start at 1; clientele_search_refresh()
        -- recounts. Sorted inserts keep two writers of the same new words in one lock order.
        INSERT INTO search_terms (term, df) SELECT w, 1 FROM unnest(words) AS w ORDER BY w
            ON CONFLICT (term) DO NOTHING;
        INSERT INTO search_term_variants (variant, term)
            SELECT v, w FROM unnest(words) AS w,
                unnest(w || clientele_search_deletions(w)) AS v
            WHERE length(w) >= 4
            ORDER BY v, w
            ON CONFLICT DO NOTHING;
    END IF;
END;
$$;

-- The same for many names at once, for bulk writers, in its own short transaction before their
-- insert (the legacy migration does). Every writer takes its locks in one global order, names
-- then words, each sorted, as the per-row function above does for its single name; a bulk
-- insert that left this to the per-row trigger would lock new words row by row, out of order,
-- and deadlock with a concurrent single-row writer (measured: the legacy online test).
CREATE FUNCTION clientele_search_remember_many(names text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    folded text[];
BEGIN
    folded := ARRAY(
        SELECT DISTINCT f FROM unnest(names) AS n, clientele_search_normalize(n) AS f
        WHERE f <> '' ORDER BY f);
    INSERT INTO search_names (search_name, terms)
        SELECT f, ARRAY(SELECT DISTINCT w FROM unnest(string_to_array(f, ' ')) AS w ORDER BY w)
        FROM unnest(folded) AS f ORDER BY f
        ON CONFLICT (search_name) DO NOTHING;
    INSERT INTO search_terms (term, df)
        SELECT DISTINCT w, 1 FROM unnest(folded) AS f, unnest(string_to_array(f, ' ')) AS w
        ORDER BY w
        ON CONFLICT (term) DO NOTHING;
    INSERT INTO search_term_variants (variant, term)
        SELECT DISTINCT v, w FROM unnest(folded) AS f, unnest(string_to_array(f, ' ')) AS w,
            unnest(w || clientele_search_deletions(w)) AS v
        WHERE length(w) >= 4
        ORDER BY v, w
        ON CONFLICT DO NOTHING;
END;
$$;

CREATE FUNCTION clientele_customers_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM clientele_search_remember(clientele_search_normalize(NEW.name));
    RETURN NEW;
END;
$$;

CREATE TRIGGER customers_search_insert
    BEFORE INSERT ON customers
    FOR EACH ROW EXECUTE FUNCTION clientele_customers_search();
CREATE TRIGGER customers_search_rename
    BEFORE UPDATE OF name ON customers
    FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name)
    EXECUTE FUNCTION clientele_customers_search();

-- Sweep names no customer holds any more and recount word frequencies (run now and then).
CREATE FUNCTION clientele_search_refresh() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_names AS n
    WHERE NOT EXISTS (
        SELECT FROM customers AS c WHERE clientele_search_normalize(c.name) = n.search_name);
    INSERT INTO search_terms (term, df)
        SELECT w, count(*) FROM search_names, unnest(terms) AS w GROUP BY w
        ON CONFLICT (term) DO UPDATE SET df = excluded.df;
    DELETE FROM search_terms AS t
    WHERE NOT EXISTS (SELECT FROM search_names AS n WHERE n.terms @> ARRAY[t.term]);
    INSERT INTO search_term_variants (variant, term)
        SELECT v, t.term FROM search_terms AS t,
            unnest(t.term || clientele_search_deletions(t.term)) AS v
        WHERE length(t.term) >= 4
        ON CONFLICT DO NOTHING;
END;
$$;

-- The folded names that best match what was typed, best first, scored in (0, 1].
--  1. Each typed word finds up to 6 vocabulary words: equal (1.0); starting with it (0.9 for
--     the last word, 2+ letters: the agent is still typing; 0.75 for others, 3+ letters);
--     one typo apart (search_term_variants, 0.75 or its trigram similarity if higher); or
--     trigram-similar (its similarity).
--  2. Each typed word weighs its best match's IDF, so "hospital" counts little, "sunrise" a lot.
--  3. Candidates are the names holding a match of the rarest typed word (and of the next rarest
--     when that one is selective too, so a typo in the rarest word still finds the name).
--  4. Score = 0.8 * IDF-weighted share of the typed words the name holds (by match quality)
--           + 0.2 * trigram similarity of the whole name to the corrected query (extra words
--             in the name cost a little, so "Sunrise Hospital" beats "Sunrise Hospital Pune").
CREATE FUNCTION clientele_search_names(query text, max_names integer)
RETURNS TABLE (search_name text, score real)
-- ROWS: the planner's default guess (1000 rows) makes the caller's per-name index probes look
-- costly enough to JIT-compile the statement: 120 ms of compiling for a 10 ms search.
LANGUAGE plpgsql STABLE ROWS 30 SET jit = off AS $$
DECLARE
    folded text := clientele_search_normalize(query);
    n_names float8;
BEGIN
    IF folded IS NULL OR folded = '' THEN
        RETURN;
    END IF;
    SELECT greatest(c.reltuples::float8, 1000) INTO n_names
        FROM pg_class AS c WHERE c.oid = 'search_names'::regclass;
    RETURN QUERY
    WITH typed AS (
        SELECT DISTINCT ON (u.word) u.word, u.pos,
               u.pos = cardinality(string_to_array(folded, ' ')) AS last
        FROM unnest(string_to_array(folded, ' ')) WITH ORDINALITY AS u(word, pos)
        ORDER BY u.word, u.pos
    ), matches AS (
        SELECT typed.pos, v.term, v.df, v.sim
        FROM typed CROSS JOIN LATERAL (
            SELECT t.term, t.df, max(c.sim) AS sim
            FROM (
                SELECT typed.word AS term, 1.0::float8 AS sim
                UNION ALL
                -- A word cut short: the last one as the agent is still typing it (2+ letters),
                -- any other one (3+ letters) a little less surely.
                SELECT p.term, CASE WHEN typed.last THEN 0.9 ELSE 0.75 END
                FROM search_terms AS p
                WHERE length(typed.word) >= CASE WHEN typed.last THEN 2 ELSE 3 END
                  AND p.term LIKE typed.word || '%'  -- folded words are letters and digits
                UNION ALL
                -- The last word cut inside a spelling that folds to one letter: "same" (Sameer,
                -- folded samir), "laks" (Lakshmi, laxmi), "choo" (Chougule, cugule).
                SELECT p.term, 0.85
                FROM search_terms AS p
                WHERE typed.last AND length(typed.word) >= 3
                  AND p.term LIKE CASE
                      WHEN typed.word LIKE '%ks' THEN left(typed.word, -2) || 'x'
                      WHEN typed.word LIKE '%k' THEN left(typed.word, -1) || 'x'
                      WHEN typed.word LIKE '%e' THEN left(typed.word, -1) || 'i'
                      WHEN typed.word LIKE '%o' THEN left(typed.word, -1) || 'u'
                      END || '%'
                UNION ALL
                -- One typo apart (symmetric deletion, exact index lookups).
                SELECT d.term, greatest(0.75, similarity(d.term, typed.word))
                FROM search_term_variants AS d
                WHERE length(typed.word) >= 3
                  AND d.variant = ANY (typed.word || clientele_search_deletions(typed.word))
                UNION ALL
                -- Further off: trigram similarity.
                SELECT g.term, similarity(g.term, typed.word)
                FROM search_terms AS g
                WHERE g.term % typed.word
            ) AS c
            JOIN search_terms AS t ON t.term = c.term AND t.df > 0
            GROUP BY t.term, t.df
            ORDER BY 3 DESC, t.df DESC
            LIMIT 6
        ) AS v
    ), best AS (
        SELECT DISTINCT ON (m.pos) m.pos, m.term, ln(1 + n_names / m.df) AS weight
        FROM matches AS m
        ORDER BY m.pos, m.sim DESC, m.df DESC
    ), ranked AS (
        SELECT b.pos, b.weight, row_number() OVER (ORDER BY b.weight DESC) AS rarity,
               (SELECT sum(m.df) FROM matches AS m WHERE m.pos = b.pos) AS spread
        FROM best AS b
    ), driving AS (
        SELECT array_agg(m.term) AS terms
        FROM matches AS m JOIN ranked AS r ON r.pos = m.pos
        WHERE r.rarity = 1 OR (r.rarity = 2 AND r.spread <= 2000)
    ), corrected AS (
        SELECT string_agg(b.term, ' ' ORDER BY b.pos) AS text, sum(b.weight) AS weight
        FROM best AS b
    ), candidates AS (
        SELECT n.search_name, n.terms
        FROM search_names AS n
        WHERE n.terms && (SELECT d.terms FROM driving AS d)
        LIMIT 2000
    ), held AS (
        SELECT c.search_name, m.pos, max(m.sim) AS sim
        FROM candidates AS c
        CROSS JOIN LATERAL unnest(c.terms) AS w(term)
        JOIN matches AS m ON m.term = w.term
        GROUP BY c.search_name, m.pos
    ), recall AS (
        SELECT h.search_name, sum(h.sim * b.weight) AS weight
        FROM held AS h JOIN best AS b ON b.pos = h.pos
        GROUP BY h.search_name
    ), shortlist AS (
        -- Trigram similarity of whole names only for the best by words found (shortest first
        -- among equals, as similarity prefers): 5 ms less for a generic "hospital".
        SELECT r.search_name, r.weight
        FROM recall AS r
        ORDER BY r.weight DESC, length(r.search_name)
        LIMIT greatest(max_names * 8, 200)
    )
    SELECT r.search_name,
           (0.8 * r.weight / k.weight + 0.2 * similarity(r.search_name, k.text))::real AS score
    FROM shortlist AS r CROSS JOIN corrected AS k
    ORDER BY 2 DESC, length(r.search_name), r.search_name
    LIMIT max_names;
END;
$$;

-- Names of the customers already there (on an empty database: nothing).
SELECT clientele_search_remember(f.folded)
FROM (SELECT DISTINCT clientele_search_normalize(name) AS folded FROM customers) AS f;
"""
)

INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_customers_search_name
    ON customers (clientele_search_normalize(name), created_at, id)
    INCLUDE (name, city, customer_type, status)
"""

DOWNGRADE = """
DROP TRIGGER customers_search_rename ON customers;
DROP TRIGGER customers_search_insert ON customers;
DROP FUNCTION clientele_search_names(text, integer);
DROP FUNCTION clientele_search_refresh();
DROP FUNCTION clientele_customers_search();
DROP FUNCTION clientele_search_remember_many(text[]);
DROP FUNCTION clientele_search_remember(text);
DROP TABLE search_term_variants;
DROP TABLE search_terms;
DROP TABLE search_names;
DROP FUNCTION clientele_search_deletions(text);
DROP FUNCTION clientele_search_normalize(text);
DROP FUNCTION clientele_search_fold(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)
    with op.get_context().autocommit_block():
        # A failed concurrent build leaves an INVALID index behind: drop it and build again.
        op.execute(
            "DO $$ BEGIN IF EXISTS (SELECT FROM pg_index WHERE NOT indisvalid AND "
            "indexrelid = to_regclass('ix_customers_search_name')) THEN "
            "DROP INDEX ix_customers_search_name; END IF; END $$"
        )
        op.execute(INDEX)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_customers_search_name")
    op.execute(DOWNGRADE)
