import type { AnnotationRow } from '../schema.js';
import type { Answer, Mode } from './answer.js';

export type AnnotationKind = AnnotationRow['kind'];

/** What later messages did to stored ones (reactions, votes, edits, deletions), as callers read them. */
export interface AnnotationReads {
  /** The annotations of these targets (WhatsApp ids of the number), oldest first. */
  forTargets(phoneNumber: string, waIds: readonly string[]): Promise<AnnotationRow[]>;
}

/**
 * Annotations keyed by the target's WhatsApp id: reactions and poll votes (one per actor), edits and deletions
 * (the latest wins), receipts that beat their message's id. Kept whether or not the target is stored yet.
 */
export interface AnnotationWrites<M extends Mode> {
  /** Record, or replace with a newer one (an older `at` changes nothing); whether it changed anything. */
  put(row: AnnotationRow): Answer<M, boolean>;
  /** An actor took theirs back (a reaction with an empty emoji); only one not newer than `at`. */
  remove(phoneNumber: string, targetWaId: string, kind: AnnotationKind, actor: string, at: number): Answer<M, boolean>;
  forTargets(phoneNumber: string, waIds: readonly string[]): Answer<M, AnnotationRow[]>;
  deleteForNumber(phoneNumber: string): Answer<M, number>;
  /** Receipts kept for ids no message took within the window (sent from elsewhere, or never matched). */
  deleteReceiptsBefore(at: number): Answer<M, number>;
  deleteBefore(at: number): Answer<M, number>;
}
