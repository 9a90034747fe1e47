/** One JSON object of preferences per user (the dashboard's language, …), kept by either dialect. */
export interface UserSettingsStore {
  /** `{}` for a user who never changed anything. */
  get(userId: number): Promise<Record<string, unknown>>;
  /** Merges `patch` over the stored keys in one step (two merges at once both land) and returns the result. */
  merge(userId: number, patch: Record<string, unknown>, now: number): Promise<Record<string, unknown>>;
}
