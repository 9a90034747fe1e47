import type { AttemptOutcome, DeliveryFilter, DeliveryStore, LaneKey, NewDelivery } from '../ports/deliveries.js';
import type { DeliveryRow } from '../schema.js';
import type { DeliveryRepository } from './deliveries.js';

type DeliveryPatch = Parameters<DeliveryStore['update']>[1];

/** The deliveries port on SQLite, over the synchronous repository the turn writer's transactions use. */
export class SqliteDeliveryStore implements DeliveryStore {
  constructor(private readonly repo: DeliveryRepository) {}

  async insert(rows: readonly NewDelivery[], now: number): Promise<DeliveryRow[]> {
    return this.repo.insert(rows, now);
  }

  async get(id: number): Promise<DeliveryRow | undefined> {
    return this.repo.get(id);
  }

  async heads(lane: LaneKey, limit: number): Promise<DeliveryRow[]> {
    return this.repo.heads(lane, limit);
  }

  async openLanes(): Promise<LaneKey[]> {
    return this.repo.openLanes();
  }

  async settle(id: number, outcome: AttemptOutcome): Promise<void> {
    this.repo.settle(id, outcome);
  }

  async update(id: number, patch: DeliveryPatch, now: number): Promise<DeliveryRow | undefined> {
    return this.repo.update(id, patch, now);
  }

  async list(filter: DeliveryFilter, limit: number, offset: number): Promise<{ rows: DeliveryRow[]; total: number }> {
    return this.repo.list(filter, limit, offset);
  }

  async countsByEndpoint(filter: Pick<DeliveryFilter, 'phones' | 'scope'>) {
    return this.repo.countsByEndpoint(filter);
  }

  async deleteForNumber(phoneNumber: string): Promise<number> {
    return this.repo.deleteForNumber(phoneNumber);
  }

  async prune(before: number): Promise<number> {
    return this.repo.prune(before);
  }
}
