"""Name search: one ranking for a name typed with a place; the entry folded once, by the caller.

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-04

Revision 0003's `clientele_search_names(query, max_names)` folds the entry itself and ranks it.
With a place typed after the name ("Samarpan Hospital - Patna") the search ranked twice, the
whole entry and the name without the place (docs/search.md, issue 15), so a place query cost
two foldings, two word look-ups of the name's words, two candidate sets and up to twice the
per-name probes: the slowest kind at a million (statement p50 16 ms against 8 for the others).

`clientele_search_names(name_words, place_words, max_names)` takes the entry already folded
(Python's `search_key`, which tests/names proves equal to the SQL fold) as the name's words
and the place's words, and scores both readings in one pass: each typed word is looked up
once, the candidates are those of the rarest word of the whole entry and of the rarest word of
the name, and a name keeps the better of its score for the whole entry and 0.8 x its score for
the name alone (the weight the two rankings had). Without a place it ranks as before.

Fewer names ranked: the candidates are the names holding both of the name's two rarest typed
words (at most 500), then names holding the driving words as before but at most 200 (it was
2,000 in storage order: a query of common words, "care clinic", ranked 2,000 names in 7 ms, most
of them without "clinic"); the whole-name trigram similarity is computed for the best 100 by
words found, not 200. The top 5 of the quality figure did not change at 100,000 or 1,000,000
customers (docs/search.md).

Its trigram look-up of a typed word now uses the trigram index (`enable_seqscan = off` for the
function's own statement: the planner costed a sequential scan of the 564-word vocabulary
below the index, 0.35 ms against 0.02 ms for each typed word).

Upgrade: create the new function, drop revision 0003's. Downgrade: the reverse.
"""

from alembic import op

from clientele.migrations.sqltext import function_sql, revision_text

revision = "0016"
down_revision = "0018"
branch_labels = None
depends_on = None

OLD_NAMES_SQL = function_sql(revision_text("0003_search"), "clientele_search_names")

# Each typed word's look-up in the vocabulary (the `matches` step) is revision 0003's text.
MATCHES = OLD_NAMES_SQL[
    OLD_NAMES_SQL.index("    ), matches AS (") : OLD_NAMES_SQL.index("    ), best AS (")
]
NAMES_HEAD = r"""
-- The folded names that best match what was typed, best first, scored in (0, 1] (revision
-- 0003's ranking; docs/search.md). `name_words` and `place_words` are folded already (Python's
-- `search_key`); a place typed after the name ("... - Patna") is optional: a name scores the
-- better of its score for the whole entry and 0.8 x its score for the name's words alone.
CREATE FUNCTION clientele_search_names(name_words text, place_words text, max_names integer)
RETURNS TABLE (search_name text, score real)
-- ROWS: the planner's default guess (1000 rows) makes the caller's per-name index probes look
-- costly enough to JIT-compile the statement. enable_seqscan: a typed word's trigram look-up
-- in the small vocabulary uses its index (0.02 ms, not 0.35 ms).
LANGUAGE plpgsql STABLE ROWS 30 SET jit = off SET enable_seqscan = off AS $$
DECLARE
    named text[] := string_to_array(nullif(name_words, ''), ' ');
    entry text[] := named || coalesce(string_to_array(nullif(place_words, ''), ' '), '{}');
    n_names float8;
BEGIN
    IF named IS NULL THEN
        RETURN;
    END IF;
    SELECT greatest(c.reltuples::float8, 1000) INTO n_names
        FROM pg_class AS c WHERE c.oid = 'search_names'::regclass;
    RETURN QUERY
    WITH typed AS (
        -- The last word of the name and of the place may be cut short (still being typed).
        SELECT DISTINCT ON (u.word) u.word, u.pos, u.pos <= cardinality(named) AS in_name,
               u.pos IN (cardinality(named), cardinality(entry)) AS last
        FROM unnest(entry) WITH ORDINALITY AS u(word, pos)
        ORDER BY u.word, u.pos
"""
NAMES_TAIL = r"""
    ), best AS (
        SELECT DISTINCT ON (m.pos) m.pos, m.term, ln(1 + n_names / m.df) AS weight, t.in_name
        FROM matches AS m JOIN typed AS t ON t.pos = m.pos
        ORDER BY m.pos, m.sim DESC, m.df DESC
    ), ranked AS (
        SELECT b.pos, b.in_name, row_number() OVER (ORDER BY b.weight DESC) AS rarity,
               row_number() OVER (PARTITION BY b.in_name ORDER BY b.weight DESC) AS name_rarity,
               (SELECT sum(m.df) FROM matches AS m WHERE m.pos = b.pos) AS spread
        FROM best AS b
    ), driving AS (
        -- `terms`: the rarest word of the entry and of the name alone (the same without a
        -- place), and the next rarest when it is selective too. `rarest`, `next`: the two
        -- rarest words of the name.
        SELECT array_agg(DISTINCT m.term) FILTER (
                   WHERE r.rarity = 1 OR (r.rarity = 2 AND r.spread <= 2000) OR (r.in_name
                       AND (r.name_rarity = 1 OR (r.name_rarity = 2 AND r.spread <= 2000)))
               ) AS terms,
               array_agg(DISTINCT m.term) FILTER (WHERE r.in_name AND r.name_rarity = 1) AS rarest,
               array_agg(DISTINCT m.term) FILTER (WHERE r.in_name AND r.name_rarity = 2) AS next
        FROM matches AS m JOIN ranked AS r ON r.pos = m.pos
    ), corrected AS (
        SELECT string_agg(b.term, ' ' ORDER BY b.pos) AS text, sum(b.weight) AS weight,
               string_agg(b.term, ' ' ORDER BY b.pos) FILTER (WHERE b.in_name) AS name_text,
               sum(b.weight) FILTER (WHERE b.in_name) AS name_weight
        FROM best AS b
    ), candidates AS (
        -- Names holding both of the name's two rarest words (or their corrections); then, fewer,
        -- names holding the driving words, for an entry holding a word its name lacks. Revision
        -- 0003 took 2,000 names of the rarest word in storage order: for "care clinic" 7 ms at
        -- 100,000 customers, and few of them held both words.
        (SELECT n.search_name, n.terms
         FROM search_names AS n, driving AS d
         WHERE n.terms && d.rarest AND n.terms && d.next
         LIMIT 500)
        UNION
        (SELECT n.search_name, n.terms
         FROM search_names AS n, driving AS d
         WHERE n.terms && d.terms
         LIMIT 200)
    ), held AS (
        SELECT c.search_name, m.pos, max(m.sim) AS sim
        FROM candidates AS c
        CROSS JOIN LATERAL unnest(c.terms) AS w(term)
        JOIN matches AS m ON m.term = w.term
        GROUP BY c.search_name, m.pos
    ), recall AS (
        SELECT h.search_name, sum(h.sim * b.weight) / k.weight AS share,
               sum(h.sim * b.weight) FILTER (WHERE b.in_name) / k.name_weight AS name_share
        FROM held AS h JOIN best AS b ON b.pos = h.pos CROSS JOIN corrected AS k
        GROUP BY h.search_name, k.weight, k.name_weight
    ), shortlist AS (
        -- Trigram similarity of whole names only for the best by words found (shortest first
        -- among equals, as similarity prefers): 100, not revision 0003's 200 (~4 us each, twice
        -- with a place; the top 5 at a million did not change).
        SELECT r.search_name, r.share, r.name_share
        FROM recall AS r
        ORDER BY greatest(r.share, 0.8 * r.name_share) DESC, length(r.search_name)
        LIMIT greatest(max_names * 4, 100)
    )
    SELECT r.search_name,
           greatest(0.8 * r.share + 0.2 * similarity(r.search_name, k.text),
                    CASE WHEN k.name_text <> k.text THEN
                        0.8 * (0.8 * r.name_share + 0.2 * similarity(r.search_name, k.name_text))
                    END)::real AS score
    FROM shortlist AS r CROSS JOIN corrected AS k
    ORDER BY 2 DESC, length(r.search_name), r.search_name
    LIMIT max_names;
END;
$$;
"""


NAMES_SQL = NAMES_HEAD + MATCHES + NAMES_TAIL.removeprefix("\n")


def upgrade() -> None:
    op.execute(NAMES_SQL)
    op.execute("DROP FUNCTION clientele_search_names(text, integer)")


def downgrade() -> None:
    op.execute(OLD_NAMES_SQL.replace("CREATE OR REPLACE FUNCTION", "CREATE FUNCTION", 1))
    op.execute("DROP FUNCTION clientele_search_names(text, text, integer)")
