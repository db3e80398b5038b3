"""SQLAlchemy Core descriptions of the tables, for building queries.

The schema itself is made by the hand-written Alembic revisions; `tests/migrations` checks that
these descriptions match what the revisions create.
"""

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import (
    ARRAY,
    DOUBLE_PRECISION,
    JSONB,
    TIMESTAMP,
    TSTZRANGE,
    UUID,
)

from clientele.db import metadata


def _timestamp(name: str, *, nullable: bool = False) -> Column[object]:
    default = None if nullable else text("now()")
    return Column(name, TIMESTAMP(timezone=True), nullable=nullable, server_default=default)


def _id() -> Column[object]:
    return Column(
        "id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )


organizations = Table(
    "organizations",
    metadata,
    _id(),
    Column("name", String(500), nullable=False),
    _timestamp("created_at"),
    _timestamp("updated_at"),
)

customers = Table(
    "customers",
    metadata,
    _id(),
    Column("organization_id", UUID(as_uuid=True)),
    Column("customer_type", String(50), nullable=False),
    Column("name", String(500), nullable=False),
    # NULL only for inactive customers migrated without a valid phone (revision 0004).
    Column("primary_phone", String(20)),
    Column("secondary_phone", String(20)),
    Column("whatsapp_number", String(20)),
    Column("primary_email", String(255)),
    Column("address_line1", String(500)),
    Column("address_line2", String(500)),
    Column("city", String(100)),
    Column("state", String(100)),
    Column("postal_code", String(20)),
    Column("status", String(50), nullable=False),
    Column("blocked_reason", Text),
    Column("metadata", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("merged_into_id", UUID(as_uuid=True)),
    Column("created_by", String(255), nullable=False),
    Column("updated_by", String(255), nullable=False),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    # Revision 0006 (the design doc's columns): added or swapped in, so they come last.
    Column("tax_id", String(50)),
    Column("registration_number", String(100)),
    Column("website", String(255)),
    Column("preferred_language", String(20), server_default=text("'en'")),
    Column("preferred_contact_method", String(50)),
    Column("notes", Text),
    Column("display_name", String(255)),
    Column("country", String(100), server_default=text("'India'")),
    Column("tier", String(50)),
    Column("tags", JSONB, server_default=text("'[]'::jsonb")),
)

customer_legacy_ids = Table(
    "customer_legacy_ids",
    metadata,
    Column("legacy_id", String(64), primary_key=True),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("original_value", String(64), nullable=False),
    _timestamp("created_at"),
)

customer_contacts = Table(
    "customer_contacts",
    metadata,
    _id(),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("name", String(255), nullable=False),
    Column("role", String(100)),
    Column("phone", String(20)),
    Column("email", String(255)),
    Column("whatsapp", String(20)),
    Column("created_by", String(200), nullable=False),
    _timestamp("created_at"),
    _timestamp("updated_at"),
)

equipment = Table(
    "equipment",
    metadata,
    _id(),
    Column("serial_number", String(100), nullable=False),
    Column("model", String(255)),
    Column("manufacturer", String(255)),
    Column("customer_id", UUID(as_uuid=True)),
    Column("contact_id", UUID(as_uuid=True)),
    Column("installation_city", String(100)),
    Column("installation_state", String(100)),
    Column("installed_at", Date),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    Column("version", Integer, nullable=False, server_default=text("1")),  # revision 0011
)

service_tickets = Table(
    "service_tickets",
    metadata,
    _id(),
    Column("ticket_number", String(32), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("equipment_id", UUID(as_uuid=True)),
    Column("title", String(255), nullable=False),
    Column("description", Text),
    Column("status", String(50), nullable=False),
    Column("priority", String(20), nullable=False),
    Column("created_by", String(200), nullable=False),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    _timestamp("closed_at", nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    _id(),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("token_hash", LargeBinary, nullable=False),
    _timestamp("created_at"),
    _timestamp("expires_at", nullable=True),
    _timestamp("revoked_at", nullable=True),
)

# History (revision 0002): written only by triggers and `clientele_history_backfill`; read here.
customer_versions = Table(
    "customer_versions",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column(
        "valid",
        TSTZRANGE,
        nullable=False,
        comment="[from, to): when this was the current state; the current version is open-ended.",
    ),
    Column("operation", String(20), nullable=False),
    Column("source", String(10), nullable=False),
    Column("actor", Text, nullable=False),
    Column("row_data", JSONB, nullable=False),
    Column(
        "changed_fields",
        ARRAY(Text),
        nullable=False,
        comment="Fields this write changed compared with the version it replaced, "
        "when it was recorded.",
    ),
    Column(
        "recorded_at",
        TIMESTAMP(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
    comment="Every stored state of a customer, written by triggers; append-only "
    "(see docs/history.md).",
)

customer_contact_versions = Table(
    "customer_contact_versions",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("contact_id", UUID(as_uuid=True), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("valid", TSTZRANGE, nullable=False),
    Column("operation", String(20), nullable=False),
    Column("source", String(10), nullable=False),
    Column("actor", Text, nullable=False),
    Column("row_data", JSONB, nullable=False),
    Column("changed_fields", ARRAY(Text), nullable=False),
    Column(
        "recorded_at",
        TIMESTAMP(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
)

# Legacy migration support (revision 0004): the review queue and the archive of legacy values.

legacy_review_items = Table(
    "legacy_review_items",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("status", String(20), nullable=False, server_default=text("'open'")),
    Column("customer_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("subject_table", String(63)),
    Column("subject_id", UUID(as_uuid=True)),
    Column("summary", Text, nullable=False),
    Column("resolution", Text, nullable=False),
    Column("evidence", JSONB, nullable=False),
    Column("dedupe_key", Text, nullable=False),
    _timestamp("created_at"),
    _timestamp("resolved_at", nullable=True),
    Column("resolved_by", String(200)),
    comment="What the legacy migration could not resolve on its own, for a person to decide.",
)

legacy_archive = Table(
    "legacy_archive",
    metadata,
    Column("table_name", String(63), primary_key=True),
    Column("row_id", UUID(as_uuid=True), primary_key=True),
    Column("data", JSONB, nullable=False),
    _timestamp("archived_at"),
    comment="Legacy column values as they were when the legacy migration finalized "
    "(dropped or mapped).",
)

# Search (revision 0003): each distinct folded customer name once, and the vocabulary of their
# words with document frequencies. Written by the customers trigger, read by the name search.
search_names = Table(
    "search_names",
    metadata,
    Column("search_name", Text, primary_key=True),
    Column("terms", ARRAY(Text), nullable=False),
    _timestamp("created_at"),
)

search_terms = Table(
    "search_terms",
    metadata,
    Column("term", Text, primary_key=True),
    Column("df", Integer, nullable=False, server_default=text("0")),
)

search_term_variants = Table(
    "search_term_variants",
    metadata,
    Column("variant", Text, primary_key=True),
    Column("term", Text, primary_key=True),  # references search_terms (revision 0003)
)

# Web UI (issue #8): users with argon2 password hashes, and their server-side sessions.
users = Table(
    "users",
    metadata,
    _id(),
    Column("username", String(64), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    _timestamp("created_at"),
    _timestamp("disabled_at", nullable=True),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", LargeBinary, primary_key=True),
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    _timestamp("created_at"),
    Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
)

# Duplicates (revision 0005): scored pairs and their groups, merges and the rows they moved.
duplicate_groups = Table(
    "duplicate_groups",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("customer_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("probability", DOUBLE_PRECISION, nullable=False),
    Column("weight", DOUBLE_PRECISION, nullable=False),
    Column("status", String(20), nullable=False, server_default=text("'open'")),
    Column("merge_id", UUID(as_uuid=True)),
    _timestamp("created_at"),
    _timestamp("decided_at", nullable=True),
    Column("decided_by", String(200)),
    comment="Suspected duplicate customers (connected likely-duplicate pairs); "
    "rebuilt by each scan.",
)

duplicate_pairs = Table(
    "duplicate_pairs",
    metadata,
    Column("customer_a", UUID(as_uuid=True), primary_key=True),
    Column("customer_b", UUID(as_uuid=True), primary_key=True),
    Column("weight", DOUBLE_PRECISION, nullable=False),
    Column("probability", DOUBLE_PRECISION, nullable=False),
    Column("reasons", JSONB, nullable=False),
    Column("status", String(20), nullable=False, server_default=text("'open'")),
    Column("group_id", BigInteger),
    _timestamp("first_seen_at"),
    _timestamp("last_seen_at"),
    _timestamp("decided_at", nullable=True),
    Column("decided_by", String(200)),
)

merges = Table(
    "merges",
    metadata,
    _id(),
    Column("survivor_id", UUID(as_uuid=True), nullable=False),
    Column("duplicate_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("status", String(20), nullable=False, server_default=text("'applied'")),
    Column("customers_before", JSONB, nullable=False),
    Column("customers_after", JSONB, nullable=False),
    Column("filled_fields", JSONB, nullable=False),
    Column("merged_by", String(200), nullable=False),
    _timestamp("merged_at"),
    Column("undone_by", String(200)),
    _timestamp("undone_at", nullable=True),
    comment="Every merge: the customers as they were before and after, and the fields "
    "filled on the survivor.",
)

merge_moves = Table(
    "merge_moves",
    metadata,
    Column("merge_id", UUID(as_uuid=True), primary_key=True),
    Column("table_name", String(63), primary_key=True),
    Column("row_key", Text, primary_key=True),
    Column("from_customer_id", UUID(as_uuid=True), nullable=False),
    Column("to_customer_id", UUID(as_uuid=True), nullable=False),
    comment="Every row a merge re-pointed, and from which customer.",
)

customer_blocking_keys = Table(
    "customer_blocking_keys",
    metadata,
    Column("key", Text, primary_key=True),
    Column("customer_id", UUID(as_uuid=True), primary_key=True),
    comment="Name blocking keys of the online duplicate check (clientele_blocking_keys), kept "
    "by a trigger.",
)

# Reliability and security (issue #9): stored first answers to POSTs with an Idempotency-Key,
# the audit trail of admin actions, and failed web logins (for rate limiting).
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("caller", String(200), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", LargeBinary, nullable=False),
    Column("status_code", SmallInteger, nullable=False),
    Column("response_headers", JSONB, nullable=False),
    Column("response_body", LargeBinary, nullable=False),
    _timestamp("created_at"),
    Column("expires_at", TIMESTAMP(timezone=True), nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", BigInteger, primary_key=True),
    _timestamp("occurred_at"),
    Column("actor", String(200), nullable=False),
    Column("action", String(300), nullable=False),
    Column("target", JSONB, nullable=False, server_default=text("'{}'")),
    Column("outcome", String(20), nullable=False),
    Column("status_code", SmallInteger),
    Column("request_id", String(64)),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("username", String(200), nullable=False),
    Column("client_ip", String(64), nullable=False),
    _timestamp("failed_at"),
)

# Personal data (revision 0010, issue #18): erasures, legal holds, and the access log.
privacy_erasures = Table(
    "privacy_erasures",
    metadata,
    _id(),
    Column("subject_type", String(20), nullable=False),
    Column("subject_id", UUID(as_uuid=True), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("reason", Text, nullable=False),
    Column("request_ref", String(200), nullable=False),
    Column("erased_by", String(200), nullable=False),
    _timestamp("erased_at"),
    Column("counts", JSONB, nullable=False, server_default=text("'{}'")),
    comment="Every erasure of personal data: who, when, why, and the rows overwritten per table.",
)

privacy_holds = Table(
    "privacy_holds",
    metadata,
    Column("customer_id", UUID(as_uuid=True), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("placed_by", String(200), nullable=False),
    _timestamp("placed_at"),
    comment="Explicit legal holds: the customer may not be erased.",
)

personal_data_access_log = Table(
    "personal_data_access_log",
    metadata,
    Column("id", BigInteger, primary_key=True),
    _timestamp("occurred_at"),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("client_address", String(64)),
    comment="Who read an individual's personal data, when, what and from where (kept >= 1 year).",
)

# Report counters (revision 0008): kept by statement-level triggers on service_tickets.
customer_ticket_counts = Table(
    "customer_ticket_counts",
    metadata,
    Column("customer_id", UUID(as_uuid=True), primary_key=True),
    Column("tickets", BigInteger, nullable=False),
    Column("open", BigInteger, nullable=False),
    Column("in_progress", BigInteger, nullable=False),
    _timestamp("first_ticket_at", nullable=True),
    _timestamp("last_ticket_at", nullable=True),
    # Revision 0013: lower(city), lower(state) of the customer, for the place reports.
    Column("city_key", Text),
    Column("state_key", Text),
    comment="Tickets per customer (total, open, in progress, first and last), kept by triggers "
    "on service_tickets.",
)

customer_ticket_months = Table(
    "customer_ticket_months",
    metadata,
    Column("customer_id", UUID(as_uuid=True), primary_key=True),
    Column("month", Date, primary_key=True),
    Column("status", String(50), primary_key=True),
    Column("tickets", BigInteger, nullable=False),
    comment="Tickets per customer, IST month and status, kept by triggers on service_tickets.",
)

# Revision 0015: tickets per customer and IST month, quarter, half or year (months 1, 3, 6,
# 12; starts its first day), all statuses, for the top customers over a period.
customer_ticket_totals = Table(
    "customer_ticket_totals",
    metadata,
    Column("customer_id", UUID(as_uuid=True), primary_key=True),
    Column("months", SmallInteger, primary_key=True),
    Column("starts", Date, primary_key=True),
    Column("tickets", BigInteger, nullable=False),
    comment="Tickets per customer and IST month, quarter, half year or year (months 1, 3, 6, "
    "12), kept by triggers.",
)

ticket_tier_counts = Table(
    "ticket_tier_counts",
    metadata,
    Column("tier", String(50)),
    Column("stripe", SmallInteger, nullable=False),
    Column("open", BigInteger, nullable=False),
    Column("in_progress", BigInteger, nullable=False),
    Column("customers", BigInteger, nullable=False),
    comment="Open and in-progress tickets, and customers with any, per customer tier and "
    "stripe; kept by triggers.",
)

# Change events and webhooks (revision 0007): the outbox written by triggers, the per-customer
# counters, the feed's head, webhook subscriptions and their deliveries (queue and log).
change_events = Table(
    "change_events",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "position",
        BigInteger,
        comment="Order of the feed, given after commit by the sequencer; NULL until then.",
    ),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("type", String(40), nullable=False),
    Column("entity_type", String(20), nullable=False),
    Column("entity_id", UUID(as_uuid=True), nullable=False),
    Column("source", String(10), nullable=False),
    Column(
        "occurred_at",
        TIMESTAMP(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
    Column("data", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    comment="The outbox: every committed change to a customer, its contacts, tickets and "
    "equipment links, written by triggers (see docs/events.md).",
)

change_event_counters = Table(
    "change_event_counters",
    metadata,
    Column("customer_id", UUID(as_uuid=True), primary_key=True),
    Column("last_sequence", BigInteger, nullable=False),
)

change_event_feed = Table(
    "change_event_feed",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("last_position", BigInteger, nullable=False, server_default=text("0")),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    _id(),
    Column("url", Text, nullable=False),
    Column("description", Text),
    Column("event_types", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("secret", Text, nullable=False),
    Column("created_by", String(255), nullable=False),
    _timestamp("created_at"),
    Column("consecutive_failures", Integer, nullable=False, server_default=text("0")),
    _timestamp("paused_at", nullable=True),
    Column("pause_reason", Text),
    _timestamp("deleted_at", nullable=True),
    comment="Webhook subscriptions: where to deliver which event types, signed with the secret.",
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("endpoint_id", UUID(as_uuid=True), nullable=False),
    Column("event_id", BigInteger, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("status", String(20), nullable=False, server_default=text("'pending'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    _timestamp("next_attempt_at"),
    Column(
        "due_since",
        TIMESTAMP(timezone=True),
        nullable=False,
        server_default=text("now()"),
        comment="Retries stop (exhausted) this long after: creation, or the last manual replay.",
    ),
    _timestamp("last_attempt_at", nullable=True),
    Column("last_status_code", SmallInteger),
    Column("last_error", Text),
    _timestamp("delivered_at", nullable=True),
    _timestamp("created_at"),
    comment="One event for one endpoint: the workers' queue (pending) and the delivery log.",
)

# Equipment history (revision 0011): written only by a trigger.
equipment_versions = Table(
    "equipment_versions",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("equipment_id", UUID(as_uuid=True), nullable=False),
    Column(
        "changed_at",
        TIMESTAMP(timezone=True),
        nullable=False,
        server_default=text("clock_timestamp()"),
    ),
    Column("operation", String(20), nullable=False),
    Column("source", String(10), nullable=False),
    Column("actor", Text, nullable=False),
    Column("row_data", JSONB, nullable=False),
    Column("changed_fields", ARRAY(Text), nullable=False, server_default=text("'{}'")),
)
