-- The change feed (docs/cluster.md, "Caches across gateways"): gateways keep numbers, accounts, API keys and
-- grants in memory, and in distributed mode another node may change them. Every committed change of a row announces its table and
-- key on the `changes` channel, whoever wrote it, cascades included (deleting a user deletes its keys and grants
-- without any code of ours touching them). NOTIFY is delivered at commit and never for a rollback.
--
-- The key is the row's key columns (trigger arguments) joined by ':'. A key too long for a notification (8000
-- bytes) is announced as null: "anything in this table may have changed".
CREATE FUNCTION announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	row_data jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
	parts text[] := '{}';
	column_name text;
	payload text;
BEGIN
	FOREACH column_name IN ARRAY TG_ARGV LOOP
		parts := parts || (row_data ->> column_name);
	END LOOP;
	payload := json_build_object('table', TG_TABLE_NAME, 'key', array_to_string(parts, ':'))::text;
	IF octet_length(payload) > 7900 THEN
		payload := json_build_object('table', TG_TABLE_NAME, 'key', NULL)::text;
	END IF;
	PERFORM pg_notify('changes', payload);
	-- An update that moves a row to a new key (a pending number taking its phone) also ends the old key.
	IF TG_OP = 'UPDATE' THEN
		row_data := to_jsonb(OLD);
		parts := '{}';
		FOREACH column_name IN ARRAY TG_ARGV LOOP
			parts := parts || (row_data ->> column_name);
		END LOOP;
		PERFORM pg_notify('changes', json_build_object('table', TG_TABLE_NAME, 'key', array_to_string(parts, ':'))::text);
	END IF;
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_changes AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION announce_change('id');
--> statement-breakpoint
-- Not for a flush of last uses (last_used_at, last_used_ip): those change no decision another node makes.
CREATE TRIGGER api_keys_changes AFTER INSERT OR DELETE OR UPDATE OF id, env, name, owner_id, secret_hash, previous_secret_hash, previous_valid_until, last_four, scopes, numbers, allowed_cidrs, expires_at, rotated_at, revoked_at, revoked_by, updated_at ON api_keys FOR EACH ROW EXECUTE FUNCTION announce_change('id');
--> statement-breakpoint
CREATE TRIGGER number_grants_changes AFTER INSERT OR UPDATE OR DELETE ON number_grants FOR EACH ROW EXECUTE FUNCTION announce_change('user_id', 'phone_number');
--> statement-breakpoint
-- The owner of a number records its state here; every gateway lists every number.
CREATE TRIGGER devices_changes AFTER INSERT OR UPDATE OR DELETE ON devices FOR EACH ROW EXECUTE FUNCTION announce_change('phone_number');
