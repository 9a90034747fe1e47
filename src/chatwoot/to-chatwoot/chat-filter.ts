import type { BindingOptions } from '../../domain/chatwoot.js';
import { isGroupJid } from '../../domain/jid.js';

/** Chats a binding does not bridge: groups when `ignoreGroups`, and every chat in `ignoreChats`. */
export function ignores(options: BindingOptions, chatKey: string): boolean {
  if (options.ignoreGroups && isGroupJid(chatKey)) return true;
  return options.ignoreChats.includes(chatKey);
}
