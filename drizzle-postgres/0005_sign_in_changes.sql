-- Sign-in sessions join the change feed (docs/cluster.md, "Caches across gateways"): every gateway keeps the live
-- sessions in memory, checked by every request with a dashboard token, and in distributed mode a session may be
-- opened, refreshed or ended on another node. Not for a use that only moves last_used_at (it changes no decision).
CREATE TRIGGER auth_sessions_changes AFTER INSERT OR DELETE OR UPDATE OF id, user_id, expires_at, max_expires_at, revoked_at, revoked_reason ON auth_sessions FOR EACH ROW EXECUTE FUNCTION announce_change('id');
