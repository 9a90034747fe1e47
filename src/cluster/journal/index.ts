/**
 * The journal on Postgres (DM-22): a node's batched fenced writer, its LISTEN fan-out, resume by seq, retention, and
 * the interim forwarding of the local journal's events.
 */
export { JournalAppender, DEFAULT_APPENDER_SETTINGS, type AppenderDeps, type AppenderSettings } from './appender.js';
export { JournalFanout, DEFAULT_FANOUT_SETTINGS, type FanoutDeps, type FanoutSettings } from './fanout.js';
export { LocalJournalForwarder, type ForwarderDeps, type ForwarderFigures } from './local-forwarder.js';
export { replayJournal, pageJournal, type JournalReplay } from './resume.js';
export { pruneJournal } from './retention.js';
export type { AfterCommit, BatchSubscriber, FenceKeeper, JournalDraft, JournalEntry } from './types.js';
