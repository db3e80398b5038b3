"""Ticket totals per customer and IST month, quarter, half and year; top customers over a
period (issue 16).

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-04

* `customer_ticket_totals (customer_id, months, starts, tickets)`: a customer's tickets in one
  IST month, quarter, half year or year (`months` 1, 3, 6 or 12; `starts` its first day), all
  statuses summed; rows at zero are deleted. `clientele_ist_spans(at)` names the four a moment
  falls in. Index `ix_customer_ticket_totals_top (months, starts, tickets DESC, customer_id)`:
  each span's customers, busiest first.
* Kept by the ticket counters trigger function (`clientele_ticket_counts_apply`, revision 0013's
  text plus one sorted upsert after the monthly rollup's, same lock order) and emptied by the
  TRUNCATE trigger; backfilled from `customer_ticket_months` under a SHARE lock on
  `service_tickets` (writers wait for the commit, none is missed or counted twice).
* `clientele_top_customers_in_period(start, end, wanted)`: the `wanted` customers with the
  most tickets created in [start, end) (a NULL bound is open), most first, ties by customer
  id, exact: Fagin's threshold algorithm over sorted lists, in three families whose sums bound
  a customer's count in the period: the year list of every touched IST year; the touched
  months covered by the largest aligned years, halves, quarters and months; the all-time
  counters (`ix_customer_ticket_counts_tickets`). Each round reads every list `depth` entries
  deep, counts the customers seen exactly (their month rows inside the period by primary key,
  plus their tickets in the partial months at either end by `ix_service_tickets_customer_id`),
  and stops when, for some family, the `wanted`-th count is above the sum of its lists'
  `depth`-th totals (no customer unseen can reach it), or equal to it with an id below each of
  those lists' `depth`-th ids (an unseen customer tying it would stand after it), or every list
  is read to its end; else `depth` grows fourfold. The cost follows `wanted` and how far the
  period's best stand out, not the number of customers (docs/reports.md). When a round would
  read more than `deepest` (20,000) list entries (thousands share the top totals), it sums the
  period instead: the aligned cover of its whole months and the partial months' tickets.
"""

from alembic import op

from clientele.migrations.sqltext import function_sql, revised, revision_text

revision = "0015"
down_revision = "0016"
branch_labels = None
depends_on = None

# Revision 0013's ticket counters function (the one in force), taken from its own text.
OLD_APPLY = revision_text("0013_blocking_keys", "NEW_APPLY")
_LAST_STATEMENT = """
    RETURN NULL;
END
$fn$;"""
# The same, then the totals of the statement's months and years, in key order.
NEW_APPLY = revised(
    OLD_APPLY,
    (
        _LAST_STATEMENT,
        """
    EXECUTE changes || $q$
        INSERT INTO customer_ticket_totals AS s (customer_id, months, starts, tickets)
        SELECT c.customer_id, p.months, p.starts, sum(c.sign)
        FROM changes c, clientele_ist_spans(c.created_at) p
        GROUP BY 1, 2, 3 HAVING sum(c.sign) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (customer_id, months, starts) DO UPDATE SET tickets = s.tickets + excluded.tickets$q$;
    IF removals THEN
        EXECUTE changes || $q$
            DELETE FROM customer_ticket_totals s
            USING (SELECT DISTINCT c.customer_id, p.months, p.starts
                   FROM changes c, clientele_ist_spans(c.created_at) p WHERE c.sign < 0) r
            WHERE s.customer_id = r.customer_id AND s.months = r.months AND s.starts = r.starts
              AND s.tickets = 0$q$;
    END IF;"""  # noqa: S608 - trigger text, no input
        + _LAST_STATEMENT,
    ),
)
# Revision 0008's TRUNCATE trigger function, and the same emptying the totals too.
OLD_TRUNCATE = (
    "\n"
    + function_sql(
        revision_text("0008_report_counters"), "clientele_ticket_counts_truncate", "$fn$"
    )
    + "\n"
)
NEW_TRUNCATE = revised(
    OLD_TRUNCATE,
    (
        "    DELETE FROM customer_ticket_months;\n",
        "    DELETE FROM customer_ticket_totals;\n    DELETE FROM customer_ticket_months;\n",
    ),
)

SPANS = r"""
CREATE FUNCTION clientele_ist_spans(at TIMESTAMPTZ) RETURNS TABLE (months SMALLINT, starts DATE)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CAST(s.months AS SMALLINT),
           CAST(date_trunc('year', m.month)
                + make_interval(months => (extract(month FROM m.month)::int - 1) / s.months * s.months)
                AS DATE)
    FROM (SELECT clientele_ist_month(at) AS month) m, (VALUES (1), (3), (6), (12)) AS s (months)
$$;
COMMENT ON FUNCTION clientele_ist_spans(TIMESTAMPTZ) IS
    'The IST month, quarter, half year and year (months 1, 3, 6, 12) a moment falls in, by their first day.';

-- The months [first_month, last_month] as the fewest aligned IST years, halves, quarters and
-- months (Feb-Nov 2025: Feb, Mar, Q2, Q3, Oct, Nov), in order.
CREATE FUNCTION clientele_ist_cover(first_month DATE, last_month DATE)
RETURNS TABLE (months SMALLINT, starts DATE)
    LANGUAGE plpgsql IMMUTABLE ROWS 8 AS $fn$
DECLARE
    block_start DATE := first_month;
    block INT;
BEGIN
    WHILE block_start <= last_month LOOP
        FOREACH block IN ARRAY ARRAY[12, 6, 3, 1] LOOP
            EXIT WHEN (date_part('month', block_start)::int - 1) % block = 0
                  AND block_start + make_interval(months => block - 1) <= last_month;
        END LOOP;
        months := block;
        starts := block_start;
        RETURN NEXT;
        block_start := CAST(block_start + make_interval(months => block) AS DATE);
    END LOOP;
END
$fn$;

CREATE TABLE customer_ticket_totals (
    customer_id UUID NOT NULL,
    months SMALLINT NOT NULL,
    starts DATE NOT NULL,
    tickets BIGINT NOT NULL
);
COMMENT ON TABLE customer_ticket_totals IS
    'Tickets per customer and IST month, quarter, half year or year (months 1, 3, 6, 12), kept by triggers.';
"""

TOP = r"""
-- PL/pgSQL: its plans are kept for the session. Columns are always qualified.
-- `deepest`: past this many list entries in a round, the period is summed instead (below).
CREATE FUNCTION clientele_top_customers_in_period(
    period_start TIMESTAMPTZ, period_end TIMESTAMPTZ, wanted INT, deepest INT DEFAULT 20000)
RETURNS TABLE (customer UUID, period_tickets BIGINT)
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $fn$
DECLARE
    first_month DATE;   -- the first and last IST month the period touches
    last_month DATE;
    whole_from DATE;    -- the whole months [whole_from, whole_to) of the period
    whole_to DATE;
    head_from TIMESTAMPTZ;  -- the partial months at either end (NULL: none)
    head_to TIMESTAMPTZ;
    tail_from TIMESTAMPTZ;
    tail_to TIMESTAMPTZ;
    list_families SMALLINT[] := '{}';  -- the lists read: (family, months, starts)
    list_spans SMALLINT[] := '{}';
    list_starts DATE[] := '{}';
    year_start DATE;
    depth INT := greatest(wanted, 1) * 4;
    bounds BIGINT[];    -- per family, the most an unseen customer can have, and the id
    bound_ids UUID[];   -- it would stand after
    ids UUID[];
    counts BIGINT[];
BEGIN
    first_month := coalesce(clientele_ist_month(period_start),
        (SELECT min(t.starts) FROM customer_ticket_totals t WHERE t.months = 1));
    last_month := coalesce(clientele_ist_month(period_end - interval '1 microsecond'),
        (SELECT max(t.starts) FROM customer_ticket_totals t WHERE t.months = 1));
    IF wanted < 1 OR first_month IS NULL OR last_month IS NULL OR first_month > last_month THEN
        RETURN;
    END IF;
    whole_from := CASE
        WHEN period_start IS NULL
          OR (first_month::timestamp AT TIME ZONE 'Asia/Kolkata') = period_start
        THEN first_month ELSE CAST(first_month + interval '1 month' AS DATE) END;
    whole_to := CASE
        WHEN period_end IS NULL THEN CAST(last_month + interval '1 month' AS DATE)
        ELSE clientele_ist_month(period_end) END;
    IF whole_from > whole_to THEN
        -- Inside one month: its tickets are read.
        head_from := period_start;
        head_to := period_end;
        whole_from := whole_to;
    ELSE
        IF period_start < (whole_from::timestamp AT TIME ZONE 'Asia/Kolkata') THEN
            head_from := period_start;
            head_to := whole_from::timestamp AT TIME ZONE 'Asia/Kolkata';
        END IF;
        IF period_end > (whole_to::timestamp AT TIME ZONE 'Asia/Kolkata') THEN
            tail_from := whole_to::timestamp AT TIME ZONE 'Asia/Kolkata';
            tail_to := period_end;
        END IF;
    END IF;

    -- Family 1: the year list of every touched year (few lists, each a loose bound when the
    -- period holds part of the year). Family 2: the touched months covered by the largest
    -- aligned years, halves, quarters and months that fit (tight bounds, more lists).
    year_start := CAST(date_trunc('year', first_month) AS DATE);
    WHILE year_start <= last_month LOOP
        list_families := list_families || CAST(1 AS SMALLINT);
        list_spans := list_spans || CAST(12 AS SMALLINT);
        list_starts := list_starts || year_start;
        year_start := CAST(year_start + interval '1 year' AS DATE);
    END LOOP;
    SELECT list_families || array_agg(CAST(2 AS SMALLINT)), list_spans || array_agg(c.months),
           list_starts || array_agg(c.starts)
    INTO list_families, list_spans, list_starts
    FROM clientele_ist_cover(first_month, last_month) c;

    LOOP
        IF depth * (cardinality(list_spans) + 1) > deepest THEN
            -- Thousands share the lists' top totals: summing the whole months' cover and the
            -- partial months' tickets of every customer is cheaper than counting them one by one.
            RETURN QUERY
            SELECT r.customer_id, CAST(sum(r.tickets) AS BIGINT)
            FROM (SELECT t.customer_id, t.tickets
                  FROM clientele_ist_cover(whole_from, CAST(whole_to - interval '1 month' AS DATE)) c,
                  LATERAL (SELECT t.customer_id, t.tickets FROM customer_ticket_totals t
                           WHERE t.months = c.months AND t.starts = c.starts
                           OFFSET 0) t  -- each list along its index, not a scan of all
                  UNION ALL
                  SELECT x.customer_id, 1 FROM service_tickets x
                  WHERE x.created_at >= head_from AND x.created_at < head_to
                  UNION ALL
                  SELECT x.customer_id, 1 FROM service_tickets x
                  WHERE x.created_at >= tail_from AND x.created_at < tail_to) r
            GROUP BY r.customer_id
            ORDER BY 2 DESC, 1
            LIMIT wanted;
            RETURN;
        END IF;
        -- An unseen customer has at most the sum of a family's depth-th totals (0 once each
        -- list is read to its end); one with exactly that many stands after the depth-th
        -- entry of each of those lists not read to its end, so its id is above theirs (NULL,
        -- a list read to its end, sorted last). Family 0, the all-time
        -- counters: the period's part of them can only be less.
        SELECT array_agg(f.bound ORDER BY f.family), array_agg(f.last_id ORDER BY f.family)
        INTO bounds, bound_ids
        FROM (
            SELECT l.family, coalesce(sum(k.tickets), 0) AS bound,
                   (array_agg(k.customer_id ORDER BY k.customer_id DESC NULLS LAST))[1] AS last_id
            FROM unnest(list_families, list_spans, list_starts) AS l (family, months, starts)
            LEFT JOIN LATERAL (
                SELECT t.tickets, t.customer_id FROM customer_ticket_totals t
                WHERE t.months = l.months AND t.starts = l.starts
                ORDER BY t.tickets DESC, t.customer_id OFFSET depth - 1 LIMIT 1) k ON true
            GROUP BY l.family
            UNION ALL
            SELECT 0, coalesce(max(c.tickets), 0), max(c.customer_id::text)::uuid
            FROM (SELECT c.tickets, c.customer_id FROM customer_ticket_counts c
                  ORDER BY c.tickets DESC, c.customer_id OFFSET depth - 1 LIMIT 1) c) f;
        WITH lists AS (SELECT DISTINCT l.months, l.starts FROM unnest(list_spans, list_starts) AS l (months, starts)),
        seen AS (
            SELECT k.customer_id FROM lists l, LATERAL (
                SELECT t.customer_id FROM customer_ticket_totals t
                WHERE t.months = l.months AND t.starts = l.starts
                ORDER BY t.tickets DESC, t.customer_id LIMIT depth) k
            UNION
            (SELECT c.customer_id FROM customer_ticket_counts c
             ORDER BY c.tickets DESC, c.customer_id LIMIT depth)),
        counted AS (
            SELECT s.customer_id,
                   coalesce((SELECT sum(t.tickets) FROM customer_ticket_totals t
                             WHERE t.customer_id = s.customer_id AND t.months = 1
                               AND t.starts >= whole_from AND t.starts < whole_to), 0)
                   + (SELECT count(*) FROM service_tickets x
                      WHERE x.customer_id = s.customer_id
                        AND x.created_at >= head_from AND x.created_at < head_to)
                   + (SELECT count(*) FROM service_tickets x
                      WHERE x.customer_id = s.customer_id
                        AND x.created_at >= tail_from AND x.created_at < tail_to) AS tickets
            FROM seen s),
        best AS (
            SELECT c.customer_id, c.tickets FROM counted c WHERE c.tickets > 0
            ORDER BY c.tickets DESC, c.customer_id LIMIT wanted)
        SELECT array_agg(b.customer_id ORDER BY b.tickets DESC, b.customer_id),
               array_agg(b.tickets ORDER BY b.tickets DESC, b.customer_id)
        INTO ids, counts
        FROM best b;
        FOR f IN 1 .. cardinality(bounds) LOOP
            IF bounds[f] = 0 OR (cardinality(ids) = wanted AND (
                    counts[wanted] > bounds[f]
                    OR (counts[wanted] = bounds[f] AND ids[wanted] < bound_ids[f])))
            THEN
                RETURN QUERY SELECT r.id, r.tickets FROM unnest(ids, counts) AS r (id, tickets);
                RETURN;
            END IF;
        END LOOP;
        depth := depth * 4;
    END LOOP;
END
$fn$;
COMMENT ON FUNCTION clientele_top_customers_in_period(TIMESTAMPTZ, TIMESTAMPTZ, INT, INT) IS
    'The customers with the most tickets created in [start, end), exact (threshold algorithm).';
"""

BACKFILL = """
LOCK TABLE service_tickets IN SHARE MODE;
INSERT INTO customer_ticket_totals (customer_id, months, starts, tickets)
SELECT m.customer_id, p.months, p.starts, sum(m.tickets)
FROM customer_ticket_months m, clientele_ist_spans(m.month::timestamp AT TIME ZONE 'Asia/Kolkata') p
GROUP BY 1, 2, 3;
ALTER TABLE customer_ticket_totals
    ADD CONSTRAINT pk_customer_ticket_totals PRIMARY KEY (customer_id, months, starts),
    ADD CONSTRAINT fk_customer_ticket_totals_customer_id_customers
        FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE;
CREATE INDEX ix_customer_ticket_totals_top
    ON customer_ticket_totals (months, starts, tickets DESC, customer_id);
"""

DOWNGRADE = (
    """
DROP FUNCTION clientele_top_customers_in_period(TIMESTAMPTZ, TIMESTAMPTZ, INT, INT);
"""
    + OLD_APPLY
    + OLD_TRUNCATE
    + """
DROP TABLE customer_ticket_totals;
DROP FUNCTION clientele_ist_cover(DATE, DATE);
DROP FUNCTION clientele_ist_spans(TIMESTAMPTZ);
"""
)


def upgrade() -> None:
    op.execute(SPANS + NEW_APPLY + NEW_TRUNCATE + TOP + BACKFILL)
    # Committed first: VACUUM cannot run in a transaction. Without statistics the lists are
    # read by bitmap and sorted; without the visibility map, index-only reads visit the heap.
    with op.get_context().autocommit_block():
        op.execute("VACUUM (ANALYZE) customer_ticket_totals")


def downgrade() -> None:
    op.execute(DOWNGRADE)
