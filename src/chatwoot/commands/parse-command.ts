/**
 * Command messages (PRODUCT.md, "Baileys ↔ Chatwoot bridge"): `<keyword> <inbox_id> <account_id>` connects a new
 * WhatsApp number to that inbox; `<keyword> status|restart|disconnect <inbox_id>` act on the number bound to it.
 * Parsed strictly: the whole message must be the command (no substring match, so ordinary text that happens to
 * contain the keyword runs nothing).
 */
export type Command =
  | { readonly kind: 'connect'; readonly inboxId: number; readonly accountId: number }
  | { readonly kind: 'status' | 'restart' | 'disconnect'; readonly inboxId: number };

export type ParsedCommand = { readonly ok: true; readonly command: Command } | { readonly ok: false; readonly reason: string };

const ID = '([1-9][0-9]{0,8})';

/** Whether a message is meant as a command at all (starts with the keyword as a word). */
export function looksLikeCommand(content: string, keyword: string): boolean {
  const first = content.trim().split(/\s+/, 1)[0] ?? '';
  return first.toLowerCase() === keyword.toLowerCase();
}

export function parseCommand(content: string, keyword: string): ParsedCommand {
  const text = content.trim().replace(/\s+/g, ' ');
  const kw = keyword.replace(/[^A-Za-z0-9_-]/g, '');
  const connect = new RegExp(`^${kw} ${ID} ${ID}$`, 'i').exec(text);
  if (connect) return { ok: true, command: { kind: 'connect', inboxId: Number(connect[1]), accountId: Number(connect[2]) } };
  const act = new RegExp(`^${kw} (status|restart|disconnect) ${ID}$`, 'i').exec(text);
  if (act) return { ok: true, command: { kind: (act[1] ?? '').toLowerCase() as 'status' | 'restart' | 'disconnect', inboxId: Number(act[2]) } };
  return { ok: false, reason: `not a command: use "${keyword} <inbox_id> <account_id>" or "${keyword} status|restart|disconnect <inbox_id>"` };
}
