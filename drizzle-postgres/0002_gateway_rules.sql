-- What drizzle-kit does not model, kept in step with the SQLite migrations by hand.
--
-- The audit log is append-only, as in SQLite (drizzle/0006_access_control.sql): an edit is refused by the
-- database itself; pruning deletes from the oldest end and records that it did.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
-- A number's key moves from its pending id to its phone in one transaction (src/db/repositories/number-keys.ts):
-- devices and number_grants change in turn, so the check waits for the commit (SQLite: defer_foreign_keys; here
-- SET CONSTRAINTS … DEFERRED, which needs a deferrable constraint).
ALTER TABLE number_grants ALTER CONSTRAINT number_grants_phone_number_devices_phone_number_fk DEFERRABLE INITIALLY IMMEDIATE;
