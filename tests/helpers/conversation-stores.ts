/** The conversation store's repositories on either dialect: the read side callers use, and the write side. */
import type { AliasWrites } from '../../src/db/ports/aliases.js';
import type { AnnotationReads, AnnotationWrites } from '../../src/db/ports/annotations.js';
import type { BumpedChat, ConversationReads, ConversationWrites } from '../../src/db/ports/conversations.js';
import type { SyncReads, SyncWrites } from '../../src/db/ports/syncs.js';
import { PgAliasRepository } from '../../src/db/pg/repositories/aliases.js';
import { PgAnnotationRepository } from '../../src/db/pg/repositories/annotations.js';
import { PgConversationRepository } from '../../src/db/pg/repositories/conversations.js';
import { PgSyncRepository } from '../../src/db/pg/repositories/syncs.js';
import { AliasRepository } from '../../src/db/repositories/aliases.js';
import { AnnotationRepository } from '../../src/db/repositories/annotations.js';
import { ConversationRepository } from '../../src/db/repositories/conversations.js';
import { SyncRepository } from '../../src/db/repositories/syncs.js';
import type { TestDatabase } from './dialects.js';

/** Write sides of either mode: the tests `await` every answer, a synchronous one too. */
export interface ConversationStores {
  readonly chats: ConversationWrites<'sync'> | ConversationWrites<'async'>;
  readonly chatReads: ConversationReads;
  readonly aliases: AliasWrites<'sync'> | AliasWrites<'async'>;
  readonly annotations: AnnotationWrites<'sync'> | AnnotationWrites<'async'>;
  readonly annotationReads: AnnotationReads;
  readonly syncs: SyncWrites<'sync'> | SyncWrites<'async'>;
  readonly syncReads: SyncReads;
}

export function conversationStores(d: TestDatabase): ConversationStores {
  if (d.dialect === 'sqlite') {
    const chats = new ConversationRepository(d.db);
    const annotations = new AnnotationRepository(d.db);
    const syncs = new SyncRepository(d.db);
    return { chats, chatReads: chats.reads, aliases: new AliasRepository(d.db), annotations, annotationReads: annotations.reads, syncs, syncReads: syncs.reads };
  }
  const chats = new PgConversationRepository(d.db);
  const annotations = new PgAnnotationRepository(d.db);
  const syncs = new PgSyncRepository(d.db);
  return { chats, chatReads: chats, aliases: new PgAliasRepository(d.db), annotations, annotationReads: annotations, syncs, syncReads: syncs };
}

export const person = (phoneNumber: string, digits: string, name: string | null = null): BumpedChat => ({
  phoneNumber,
  chatKey: `${digits}@s.whatsapp.net`,
  altJid: null,
  type: 'direct',
  name,
});

export const group = (phoneNumber: string, id: string, name: string | null = null): BumpedChat => ({ phoneNumber, chatKey: `${id}@g.us`, altJid: null, type: 'group', name });

/** What a live incoming message, one sent from the phone, and a backfilled one do to their chat. */
export const incoming = (key: number) => ({ key, counts: true, reads: false, now: key });
export const fromPhone = (key: number) => ({ key, counts: false, reads: true, now: key });
export const history = (key: number) => ({ key, counts: false, reads: false, now: key });
