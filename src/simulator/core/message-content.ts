/**
 * Kind-specific parts of message payloads (docs/binary-contract.md §10): shared contacts, locations and polls, and the
 * one-line text the chat storage keeps for them. Pure functions; the callers add the common fields.
 *
 * Polls are not in the contract's v9.2.0 payload list (the binary forwarded a poll as a `message` with no
 * content field at the time). The stand-in follows the binary's later poll support instead: a `poll` object
 * (`type` creation | vote, `poll_id`, `question`, `options[{name, hash}]`, `selectable_options_count`, and for
 * votes `selected_options`, `selected_option_hashes`, `resolution_status`) with `body` "Poll: <question>".
 */
import { createHash } from 'node:crypto';

export interface ContactCard {
  readonly name: string;
  /** Digits of the shared number. */
  readonly phone: string;
}

export interface LocationInput {
  readonly latitude: number;
  readonly longitude: number;
  readonly name: string;
  readonly address: string;
}

export interface PollDefinition {
  readonly question: string;
  readonly options: readonly string[];
  readonly maxAnswer: number;
}

/** The vCard the binary builds for `/send/contact` (and phones send alike). */
export function vcard(contact: ContactCard): string {
  return `BEGIN:VCARD\nVERSION:3.0\nN:;${contact.name};;;\nFN:${contact.name}\nTEL;type=CELL;waid=${contact.phone}:+${contact.phone}\nEND:VCARD`;
}

export function contactPayload(contact: ContactCard): Record<string, unknown> {
  return { displayName: contact.name, vcard: vcard(contact), phone_number: contact.phone || undefined };
}

/** The location proto as Go's JSON encoder writes it: empty name and address are left out. */
export function locationPayload(location: LocationInput): Record<string, unknown> {
  return {
    degreesLatitude: location.latitude,
    degreesLongitude: location.longitude,
    name: location.name || undefined,
    address: location.address || undefined,
  };
}

export function locationSummary(location: LocationInput): string {
  const label = [location.name, location.address].filter((part) => part !== '').join(', ');
  return `📍 ${label || `${location.latitude}, ${location.longitude}`}`;
}

/** whatsmeow `HashPollOptions`: SHA-256 of the option name, hex in the payload. */
export function pollOptionHash(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function pollBase(type: 'creation' | 'vote', pollId: string, poll: PollDefinition | undefined): Record<string, unknown> {
  return {
    type,
    poll_id: pollId,
    question: poll?.question || undefined,
    options: poll ? poll.options.map((name) => ({ name, hash: pollOptionHash(name) })) : undefined,
    selectable_options_count: poll?.maxAnswer || undefined,
  };
}

export function pollCreation(pollId: string, poll: PollDefinition): { poll: Record<string, unknown>; body: string } {
  return { poll: pollBase('creation', pollId, poll), body: poll.question ? `Poll: ${poll.question}` : 'Poll' };
}

/** A vote names options; the binary only sees their hashes and resolves them against the stored poll. */
export function pollVote(pollId: string, poll: PollDefinition | undefined, selected: readonly string[]): { poll: Record<string, unknown>; body: string } {
  const hashes = selected.map(pollOptionHash);
  const names = poll ? selected.filter((name) => poll.options.includes(name)) : [];
  const status = !poll ? 'definition_missing' : names.length === selected.length ? 'resolved' : 'partially_resolved';
  const payload = { ...pollBase('vote', pollId, poll), selected_options: names, selected_option_hashes: hashes, resolution_status: status };
  let body: string;
  if (status === 'resolved') body = names.length === 0 ? 'Poll vote cleared' : `Poll vote: ${names.join(', ')}`;
  else if (status === 'partially_resolved' && names.length > 0) body = `Poll vote: ${names.join(', ')} (partially resolved)`;
  else body = `Poll vote: ${pollId} (${status.replace(/_/g, ' ')})`;
  return { poll: payload, body };
}

export function parsePollExtra(extra: string): PollDefinition | undefined {
  if (extra === '') return undefined;
  try {
    const value = JSON.parse(extra) as { poll?: PollDefinition };
    return value.poll;
  } catch {
    return undefined;
  }
}
