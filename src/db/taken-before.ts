/** Rolls back a webhook delivery's transaction (either dialect): one of its receipts was taken before. */
export class TakenBefore extends Error {
  constructor(readonly key: string) {
    super(`webhook receipt ${key} was taken before`);
  }
}
