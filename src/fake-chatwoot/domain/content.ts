/**
 * `Messages::WebhookContentNormalizer`: the `content` of a message webhook loses markdown hard breaks
 * (`\` before a newline, since 4.13.0) and trailing newlines (since 4.14.2). REST answers keep the content
 * as stored.
 */
import type { Features } from './version.js';

export function webhookContent(content: string | null, features: Features): string | null {
  if (content === null) return null;
  let text = content;
  if (features.stripHardBreaks) text = text.replace(/\\\r?\n/g, '\n');
  if (features.stripTrailingNewlines) text = text.replace(/[\r\n]+$/, '');
  return text;
}
