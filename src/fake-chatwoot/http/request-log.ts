/** The API requests the fake received (method, route, status, which token header form), for `/_fake/requests`. */
export interface RequestRecord {
  readonly seq: number;
  readonly at: string;
  readonly method: string;
  readonly path: string;
  readonly route: string | null;
  readonly status: number;
  /** `api_access_token`, `api-access-token` or null. */
  readonly token_header: string | null;
  readonly ip: string;
  readonly fault: number | null;
}

const KEEP = 10_000;

export class RequestLog {
  private records: RequestRecord[] = [];
  private seq = 0;

  add(record: Omit<RequestRecord, 'seq'>): void {
    this.records.push({ ...record, seq: ++this.seq });
    if (this.records.length > KEEP) this.records = this.records.slice(-KEEP);
  }

  list(filter: { route?: string; since?: number }): RequestRecord[] {
    return this.records.filter((r) => (!filter.route || r.route === filter.route) && (filter.since === undefined || r.seq > filter.since));
  }

  clear(): void {
    this.records = [];
  }
}
