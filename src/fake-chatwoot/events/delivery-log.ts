/** Every delivery attempt the fake made, with the exact bytes and headers, for `/_fake/deliveries`. */
export interface DeliveryRecord {
  readonly seq: number;
  /** X-Chatwoot-Delivery, or null for an unsigned legacy delivery. */
  readonly delivery_id: string | null;
  readonly event: string;
  readonly kind: 'api_inbox' | 'account';
  readonly url: string;
  readonly account_id: number;
  readonly inbox_id: number | null;
  readonly message_id: number | null;
  readonly webhook_id: number | null;
  readonly signed: boolean;
  /** 0 for the delivery, 1… for the copies the duplicate knob adds. */
  readonly copy: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly started_at: string;
  finished_at: string | null;
  status: number | null;
  error: string | null;
}

const KEEP = 10_000;

export class DeliveryLog {
  private records: DeliveryRecord[] = [];
  private seq = 0;

  add(record: Omit<DeliveryRecord, 'seq'>): DeliveryRecord {
    const full = { ...record, seq: ++this.seq };
    this.records.push(full);
    if (this.records.length > KEEP) this.records = this.records.slice(-KEEP);
    return full;
  }

  list(filter: { event?: string; url?: string; since?: number }): DeliveryRecord[] {
    return this.records.filter((r) => (!filter.event || r.event === filter.event) && (!filter.url || r.url === filter.url) && (filter.since === undefined || r.seq > filter.since));
  }

  clear(): void {
    this.records = [];
  }
}
