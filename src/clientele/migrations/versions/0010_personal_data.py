"""Personal data (DPDP Act 2023): erasure records, legal holds, the access log, and redaction.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-04

* `privacy_erasures`: every erasure (of a customer, or of one contact person): who, when, why,
  the request's reference, and how many rows each table had overwritten. Holds no personal
  value itself.
* `privacy_holds`: an explicit legal hold on a customer (a dispute, a court order); an erasure
  is refused while one is in place (docs/privacy.md lists the other holds).
* `personal_data_access_log`: who read an individual's record or history, when, what and from
  which address (DPDP Rules 6 and 8: kept at least a year; `clientele privacy prune-access-log`).
  No foreign key: the log outlives what it names, and it is written by a background flush in
  its own transaction, not by the request's.
* History stays append-only with one exception: `clientele_customer_history_redact` and
  `clientele_contact_history_redact` overwrite the personal values of one subject's versions.
  They set the transaction-local `clientele.redacting` to the subject, and the guard lets an
  UPDATE through only when it changes `row_data` alone, of a version of that subject. Versions,
  their times, actors, operations and changed-field lists stay. (Like the rest of the guard,
  this binds SQL; an owner who sets the setting by hand can redact too: docs/history.md.)
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The history guard of revision 0002, and this revision's: the same rule plus the redaction.
_GUARD = r"""
CREATE OR REPLACE FUNCTION clientele_history_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
__DECLARE__BEGIN
    IF TG_OP = 'UPDATE'
       AND to_jsonb(NEW) - 'valid' = to_jsonb(OLD) - 'valid'
       AND lower(NEW.valid) = lower(OLD.valid)
       AND NOT upper_inf(NEW.valid)
       AND (upper_inf(OLD.valid) OR upper(NEW.valid) < upper(OLD.valid))
    THEN
        RETURN NEW;
    END IF;
__REDACTION__    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'history rows are written by triggers and never changed or removed';
END
$$;
"""
_DECLARE = """DECLARE
    redacting text := coalesce(current_setting('clientele.redacting', true), '');
    subject text;
"""
_REDACTION = """    -- Erasure (revision 0010): only row_data changes, only of the subject being redacted.
    IF TG_OP = 'UPDATE' AND redacting <> '' THEN
        subject := CASE TG_TABLE_NAME
            WHEN 'customer_versions' THEN 'customer:' || (to_jsonb(OLD) ->> 'customer_id')
            ELSE 'contact:' || (to_jsonb(OLD) ->> 'contact_id') END;
        IF redacting = subject AND to_jsonb(NEW) - 'row_data' = to_jsonb(OLD) - 'row_data' THEN
            RETURN NEW;
        END IF;
    END IF;
"""
GUARD_0010 = _GUARD.replace("__DECLARE__", _DECLARE).replace("__REDACTION__", _REDACTION)
GUARD_0002 = _GUARD.replace("__DECLARE__", "").replace("__REDACTION__", "")

UPGRADE = r"""
CREATE TABLE privacy_erasures (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_type VARCHAR(20) NOT NULL
        CONSTRAINT ck_privacy_erasures_subject_type CHECK (subject_type IN ('customer', 'contact')),
    subject_id UUID NOT NULL,
    customer_id UUID NOT NULL,
    reason TEXT NOT NULL,
    request_ref VARCHAR(200) NOT NULL,
    erased_by VARCHAR(200) NOT NULL,
    erased_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    counts JSONB NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE privacy_erasures IS
    'Every erasure of personal data: who, when, why, and the rows overwritten per table.';
CREATE INDEX ix_privacy_erasures_customer_id ON privacy_erasures (customer_id, erased_at);

CREATE TABLE privacy_holds (
    customer_id UUID PRIMARY KEY
        CONSTRAINT fk_privacy_holds_customer_id_customers REFERENCES customers (id) ON DELETE CASCADE,
    reason TEXT NOT NULL CONSTRAINT ck_privacy_holds_reason_not_blank CHECK (btrim(reason) <> ''),
    placed_by VARCHAR(200) NOT NULL,
    placed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
COMMENT ON TABLE privacy_holds IS 'Explicit legal holds: the customer may not be erased.';

CREATE TABLE personal_data_access_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor VARCHAR(200) NOT NULL,
    action VARCHAR(40) NOT NULL,
    customer_id UUID NOT NULL,
    client_address VARCHAR(64)
);
COMMENT ON TABLE personal_data_access_log IS
    'Who read an individual''s personal data, when, what and from where (kept >= 1 year).';
CREATE INDEX ix_personal_data_access_log_customer_id
    ON personal_data_access_log (customer_id, occurred_at);
CREATE INDEX ix_personal_data_access_log_occurred_at ON personal_data_access_log (occurred_at);

__GUARD__

-- Overwrite the personal values of every version of one customer: `p_patch` (field -> value)
-- is laid over each version's row; a blocked_reason that was set becomes '[erased]' (a blocked
-- version keeps a reason, as the table's CHECK wants of the row). With `p_where`, only versions
-- whose row contains it (values a merge filled on a survivor from the erased customer).
-- Returns the versions changed.
CREATE FUNCTION clientele_customer_history_redact(
    p_customer_id uuid, p_patch jsonb, p_where jsonb DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    changed integer;
BEGIN
    PERFORM set_config('clientele.redacting', 'customer:' || p_customer_id, true);
    UPDATE customer_versions
       SET row_data = row_data || p_patch || CASE
               WHEN coalesce(row_data ->> 'blocked_reason', '') <> ''
               THEN '{"blocked_reason": "[erased]"}'::jsonb ELSE '{}'::jsonb END
     WHERE customer_id = p_customer_id AND (p_where IS NULL OR row_data @> p_where);
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM set_config('clientele.redacting', '', true);
    RETURN changed;
END
$$;

CREATE FUNCTION clientele_contact_history_redact(p_contact_id uuid, p_patch jsonb)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    changed integer;
BEGIN
    PERFORM set_config('clientele.redacting', 'contact:' || p_contact_id, true);
    UPDATE customer_contact_versions SET row_data = row_data || p_patch
     WHERE contact_id = p_contact_id;
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM set_config('clientele.redacting', '', true);
    RETURN changed;
END
$$;
""".replace("__GUARD__", GUARD_0010)

DOWNGRADE = r"""
DROP FUNCTION clientele_contact_history_redact(uuid, jsonb);
DROP FUNCTION clientele_customer_history_redact(uuid, jsonb, jsonb);
__GUARD_0002__
DROP TABLE personal_data_access_log;
DROP TABLE privacy_holds;
DROP TABLE privacy_erasures;
""".replace("__GUARD_0002__", GUARD_0002)


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
