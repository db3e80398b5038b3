"""The SQL functions of the transition: the legacy id and phone normalizers, and the trigger
functions that link every old-shape write to a customer (rule 5) and fill the legacy columns
on a new-shape write. Installed by `ddl.expand_steps`, dropped by finalize and rollback."""

# SQL text here is built from this package's constants; values are bound parameters.
# ruff: noqa: S608, E501

from clientele.legacy.target import TICKET_REF

PLACEHOLDER_ID = "a1f5e3d0-5c3e-5b1e-9a7e-000000000001"

# The trigger side of rule 5. SQL versions of the Python normalization (close, not identical:
# phonenumbers is the reference; these only ever produce a valid E.164 or NULL).
FUNCTIONS = [
    r"""
CREATE OR REPLACE FUNCTION clientele_legacy_id(raw text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN raw IS NULL OR btrim(raw) = '' THEN NULL
        WHEN lower(btrim(raw)) ~ '^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$'
            THEN translate(lower(btrim(raw)), '-{}', '')
        ELSE lower(btrim(raw)) END
$$""",
    r"""
CREATE OR REPLACE FUNCTION clientele_legacy_phone(raw text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    d text := regexp_replace(coalesce(raw, ''), '[^0-9]', '', 'g');
BEGIN
    IF length(d) = 12 AND left(d, 2) = '91' THEN
        d := substr(d, 3);
    ELSIF length(d) = 13 AND left(d, 3) = '091' THEN
        d := substr(d, 4);
    ELSIF length(d) = 11 AND left(d, 1) = '0' THEN
        d := substr(d, 2);
    END IF;
    IF d !~ '^[2-9][0-9]{9}$' OR d ~ '^(.)\1+$' THEN
        RETURN NULL;
    END IF;
    -- Placeholders phonenumbers would accept as landlines (1234567890-like runs).
    IF left(d, 1) < '6' AND d ~ '(012345678|123456789|234567890|987654321|876543210)' THEN
        RETURN NULL;
    END IF;
    RETURN '+91' || d;
END
$$""",
    r"""
CREATE OR REPLACE FUNCTION clientele_legacy_customer_type(name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN name IS NULL THEN 'clinic'
        WHEN lower(name) ~ '\m(lab|labs|laboratory|laboratories|pathology|diagnostics?|imaging|scans)\M' THEN 'lab'
        WHEN lower(name) ~ '\m(traders|trading|agencies|distributors|enterprises|dealer|suppliers|surgicals)\M' THEN 'dealer'
        WHEN lower(name) ~ '\m(manufacturing|industries|technologies|devices|meditech|instruments)\M' THEN 'manufacturer'
        WHEN lower(name) ~ '\m(clinic|clinics|polyclinic|dispensary|centre|center|care)\M' THEN 'clinic'
        WHEN lower(name) ~ '\m(hospital|hospitals|hosp|nursing|medical|institute)\M' OR name LIKE '%अस्पताल%' THEN 'hospital'
        ELSE 'clinic' END
$$""",
    rf"""
CREATE OR REPLACE FUNCTION clientele_legacy_link(
    p_ticket uuid, p_legacy_id text, p_name text, p_phone text, p_whatsapp text, p_at timestamptz
) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    lid text := clientele_legacy_id(p_legacy_id);
    nm text := nullif(btrim(regexp_replace(coalesce(p_name, ''), '\s+', ' ', 'g')), '');
    ph text := clientele_legacy_phone(p_phone);
    wa text := clientele_legacy_phone(p_whatsapp);
    number text := coalesce(ph, wa);
    found uuid;
    new_id uuid;
    state text := 'active';
BEGIN
    IF lid IS NOT NULL THEN
        -- Creators of one legacy id (two old-application inserts, or the backfill) take turns.
        PERFORM pg_advisory_xact_lock(hashtextextended('clientele_legacy_id:' || lid, 0));
        SELECT coalesce(c.merged_into_id, c.id) INTO found
          FROM customer_legacy_ids AS l JOIN customers AS c ON c.id = l.customer_id
         WHERE l.legacy_id = lid;
        IF found IS NOT NULL THEN
            RETURN found;
        END IF;
    ELSIF number IS NOT NULL THEN
        SELECT c.id INTO found FROM customers AS c
         WHERE c.primary_phone IN (ph, wa) AND c.merged_into_id IS NULL
         ORDER BY c.status = 'active' DESC, c.created_at, c.id LIMIT 1;
        IF found IS NOT NULL THEN
            RETURN found;
        END IF;
    ELSIF nm IS NOT NULL THEN
        SELECT c.id INTO found FROM customers AS c
         WHERE c.name ILIKE replace(replace(replace(nm, '\', '\\'), '%', '\%'), '_', '\_')
           AND c.merged_into_id IS NULL
         ORDER BY c.status = 'active' DESC, c.created_at, c.id LIMIT 1;
        IF found IS NOT NULL THEN
            RETURN found;
        END IF;
    ELSE
        -- Nothing to go by: the placeholder customer, and the ticket listed for a person.
        PERFORM set_config('clientele.source', 'legacy', true);
        INSERT INTO customers (id, customer_type, name, status, tags, metadata, created_at)
        VALUES ('{PLACEHOLDER_ID}', 'individual', 'Unidentified legacy customer', 'inactive',
                '{{legacy}}', '{{"legacy": {{"key": "unidentified", "placeholder": true}}}}',
                coalesce(p_at, now()))
        ON CONFLICT (id) DO NOTHING;
        INSERT INTO legacy_review_items
            (kind, customer_ids, subject_table, subject_id, summary, resolution, evidence, dedupe_key)
        VALUES ('ticket_without_customer', ARRAY['{PLACEHOLDER_ID}'::uuid], 'service_tickets', p_ticket,
                'ticket has no customer id, no name and no valid phone',
                'linked to the placeholder customer ''Unidentified legacy customer''',
                jsonb_build_object('phone', p_phone, 'whatsapp', p_whatsapp),
                'ticket_without_customer:' || p_ticket)
        ON CONFLICT (dedupe_key) DO NOTHING;
        RETURN '{PLACEHOLDER_ID}';
    END IF;
    IF number IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('clientele_legacy_phone:' || number, 0));
        IF EXISTS (SELECT FROM customers WHERE primary_phone = number AND status = 'active') THEN
            state := 'inactive';
        END IF;
    ELSE
        state := 'inactive';
    END IF;
    PERFORM set_config('clientele.source', 'legacy', true);
    INSERT INTO customers (customer_type, name, primary_phone, whatsapp_number, status, tags,
                           metadata, created_at)
    VALUES (clientele_legacy_customer_type(nm),
            coalesce(left(nm, 500),
                     'Unnamed legacy customer (' || coalesce(btrim(p_legacy_id), number) || ')'),
            number, wa, state, '{{legacy}}',
            jsonb_build_object('legacy', jsonb_build_object(
                'key', 'online', 'aliases', coalesce(jsonb_build_array(nm), '[]'),
                'raw_phones', jsonb_strip_nulls(jsonb_build_array(p_phone, p_whatsapp)),
                'customer_type_guessed', true, 'created_online', true)),
            coalesce(p_at, now()))
    RETURNING id INTO new_id;
    IF lid IS NOT NULL THEN
        INSERT INTO customer_legacy_ids (legacy_id, customer_id, original_value)
        VALUES (lid, new_id, left(p_legacy_id, 64));
    END IF;
    IF state = 'inactive' THEN
        INSERT INTO legacy_review_items (kind, customer_ids, summary, resolution, evidence, dedupe_key)
        VALUES (CASE WHEN number IS NULL THEN 'no_phone' ELSE 'shared_phone' END, ARRAY[new_id],
                CASE WHEN number IS NULL THEN 'no valid phone was typed for this customer'
                     ELSE number || ' already belongs to an active customer' END,
                'stored inactive (created while the old application was writing)',
                jsonb_build_object('phone', p_phone, 'name', nm, 'legacy_id', p_legacy_id),
                'online:' || new_id)
        ON CONFLICT (dedupe_key) DO NOTHING;
    END IF;
    RETURN new_id;
END
$$""",
    rf"""
CREATE OR REPLACE FUNCTION clientele_legacy_tickets_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    c record;
BEGIN
    -- The migration's own batches set this: they link rows themselves.
    IF current_setting('clientele.legacy_backfill', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF NEW.{TICKET_REF} IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.{TICKET_REF} IS DISTINCT FROM OLD.{TICKET_REF}) THEN
        -- A new-shape write: fill the columns the old application reads.
        SELECT cu.name, cu.primary_phone, cu.whatsapp_number,
               (SELECT l.original_value FROM customer_legacy_ids AS l WHERE l.customer_id = cu.id
                 ORDER BY l.created_at, l.legacy_id LIMIT 1) AS legacy_id
          INTO c FROM customers AS cu WHERE cu.id = NEW.{TICKET_REF};
        IF FOUND THEN
            IF TG_OP = 'UPDATE' OR NEW.customer_id IS NULL THEN
                NEW.customer_id := left(coalesce(c.legacy_id, replace(NEW.{TICKET_REF}::text, '-', '')), 32);
            END IF;
            IF TG_OP = 'UPDATE' OR NEW.customer_name IS NULL THEN
                NEW.customer_name := c.name;
            END IF;
            IF TG_OP = 'UPDATE' OR NEW.customer_phone IS NULL THEN
                NEW.customer_phone := c.primary_phone;
            END IF;
            IF TG_OP = 'UPDATE' OR NEW.customer_whatsapp IS NULL THEN
                NEW.customer_whatsapp := c.whatsapp_number;
            END IF;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT'
       OR (NEW.customer_id, NEW.customer_name, NEW.customer_phone, NEW.customer_whatsapp)
          IS DISTINCT FROM (OLD.customer_id, OLD.customer_name, OLD.customer_phone, OLD.customer_whatsapp)
    THEN
        -- An old-shape write: find (or create) its customer.
        NEW.{TICKET_REF} := clientele_legacy_link(NEW.id, NEW.customer_id, NEW.customer_name,
                                                 NEW.customer_phone, NEW.customer_whatsapp,
                                                 NEW.created_at);
    END IF;
    RETURN NEW;
END
$$""",
    r"""
CREATE OR REPLACE FUNCTION clientele_legacy_equipment_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    number text := clientele_legacy_phone(NEW.customer_contact_phone);
    owners uuid[];
    person text := left(nullif(btrim(NEW.customer_contact_name), ''), 255);
    mail text;
    contact uuid;
BEGIN
    IF current_setting('clientele.legacy_backfill', true) = 'on' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (NEW.customer_contact_name, NEW.customer_contact_phone, NEW.customer_contact_email)
           IS NOT DISTINCT FROM (OLD.customer_contact_name, OLD.customer_contact_phone, OLD.customer_contact_email)
    THEN
        RETURN NEW;
    END IF;
    IF NEW.customer_id IS NULL THEN
        IF number IS NULL THEN
            RETURN NEW;
        END IF;
        -- Certain only when exactly one customer has the contact's phone.
        SELECT array_agg(c.id) INTO owners FROM customers AS c
         WHERE (c.primary_phone = number OR c.whatsapp_number = number) AND c.merged_into_id IS NULL;
        IF coalesce(cardinality(owners), 0) <> 1 THEN
            RETURN NEW;
        END IF;
        NEW.customer_id := owners[1];
    END IF;
    IF person IS NULL THEN
        RETURN NEW;
    END IF;
    IF btrim(NEW.customer_contact_email) ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$' THEN
        mail := lower(btrim(NEW.customer_contact_email));
    END IF;
    SELECT cc.id INTO contact FROM customer_contacts AS cc
     WHERE cc.customer_id = NEW.customer_id AND lower(cc.name) = lower(person)
       AND cc.phone IS NOT DISTINCT FROM number
     LIMIT 1;
    IF contact IS NULL THEN
        INSERT INTO customer_contacts (customer_id, name, role, phone, email)
        VALUES (NEW.customer_id, person, 'equipment contact', number, mail)
        RETURNING id INTO contact;
    END IF;
    NEW.contact_id := contact;
    RETURN NEW;
END
$$""",
]
FUNCTION_SIGNATURES = [
    "clientele_legacy_equipment_sync()",
    "clientele_legacy_tickets_sync()",
    "clientele_legacy_link(uuid, text, text, text, text, timestamptz)",
    "clientele_legacy_customer_type(text)",
    "clientele_legacy_phone(text)",
    "clientele_legacy_id(text)",
]
