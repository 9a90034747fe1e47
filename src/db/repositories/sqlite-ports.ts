/** Ports whose SQLite side is the synchronous repository the hot paths write through, answering with promises. */
import { errors } from '../../domain/errors.js';
import { announceCommitted } from '../audit-links.js';
import { asyncView } from '../async-view.js';
import type { Db } from '../client.js';
import type { DeliveryLedger, DeliveryStore } from '../ports/deliveries.js';
import type { DeviceEventStore, DeviceStore } from '../ports/devices.js';
import type { JournalHistory } from '../ports/journal.js';
import type { MessageStore } from '../ports/messages.js';
import type { NumberKeys } from '../ports/number-keys.js';
import type { TurnWriter } from '../turn-writer.js';
import { isUniqueViolation } from '../unique.js';
import { appendAuditRows, withAudit } from './audit-append.js';
import type { DeliveryRepository } from './deliveries.js';
import type { DeviceEventRepository } from './device-events.js';
import type { DeviceRepository } from './devices.js';
import type { EventRepository } from './events.js';
import type { MessageRepository } from './messages.js';

/**
 * Over the synchronous repository (its memory stays right for the tests and tools that read it directly). A change
 * and its audit row commit in one transaction, at the call.
 */
export function sqliteDeviceStore(repo: DeviceRepository, db: Db): DeviceStore {
  return {
    ...asyncView(repo, ['get', 'getByPendingId', 'list', 'count', 'delete']),
    update: async (phoneNumber, patch, now, audit) => withAudit(db, audit, () => repo.update(phoneNumber, patch, now)),
    insert: async (device) => {
      try {
        return repo.insert(device);
      } catch (err) {
        throw isUniqueViolation(err) ? errors.deviceExists(device.phoneNumber) : err;
      }
    },
  };
}

/** The rename in one synchronous transaction, at the call (number-keys.ts), through the repository's memory. */
export function sqliteNumberKeys(repo: DeviceRepository): NumberKeys {
  return asyncView(repo, ['rename']);
}

export function sqliteDeviceEventStore(repo: DeviceEventRepository): DeviceEventStore {
  return asyncView(repo, ['append', 'page']);
}

/** The audit row of a new message commits in the insert's transaction. */
export function sqliteMessageStore(repo: MessageRepository, db: Db): MessageStore {
  const methods = ['get', 'list', 'pendingNumbers', 'pendingIds', 'clearRetryTimes', 'deleteForNumber', 'countsByStatus', 'depth', 'nextPending'] as const;
  const moves = ['markSending', 'markSent', 'markFailed', 'requeue', 'keepUnknown', 'expire', 'expireDue', 'failUnregistered', 'knownWaIds', 'applyReceipt'] as const;
  return {
    ...asyncView(repo, [...methods, ...moves]),
    insertOnce: async (row, audit) => {
      let ids: number[] = [];
      const result = repo.insertOnce(row, audit ? () => void (ids = appendAuditRows(db.$client, [audit])) : undefined);
      if (audit && result.created) announceCommitted([audit], ids);
      return result;
    },
  };
}

export function sqliteDeliveryStore(repo: DeliveryRepository): DeliveryStore {
  return asyncView(repo, ['insert', 'get', 'heads', 'openLanes', 'settle', 'update', 'list', 'countsByEndpoint', 'deleteForNumber', 'prune']);
}

/**
 * A single host's claims and acks: a claim is a plain read (the only gateway needs no fence), an ack is written in
 * the turn's transaction with everything else of the turn (one commit per turn of the event loop, not per outcome).
 */
export function sqliteDeliveryLedger(repo: DeliveryRepository, writer: TurnWriter): DeliveryLedger {
  return {
    claim: (lane, limit) => {
      try {
        return Promise.resolve(repo.heads(lane, limit));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    ack: (row, outcome) => writer.write(() => repo.settle(row.id, outcome)),
  };
}

export function sqliteJournalHistory(repo: EventRepository): JournalHistory {
  return asyncView(repo, ['lastSeq', 'firstSeq', 'after', 'newestAfter', 'countAfter', 'deleteForNumber', 'prune']);
}
