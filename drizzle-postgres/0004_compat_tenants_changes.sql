-- Compat tenants join the change feed (docs/cluster.md, "Caches across gateways"): every gateway keeps the legacy
-- API's tenants in memory (the Flask webhook looks a number's tenant up for every stored message), and in
-- distributed mode another node may create, remove or rename one. The key is the tenant id; a rename of its
-- number (a pending number taking its phone) is an update of the same key.
CREATE TRIGGER compat_tenants_changes AFTER INSERT OR UPDATE OR DELETE ON compat_tenants FOR EACH ROW EXECUTE FUNCTION announce_change('tenant_id');
