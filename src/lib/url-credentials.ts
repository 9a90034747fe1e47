/** `scheme://user:password@host` anywhere in a text becomes `scheme://user:***@host`. */
const CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi;

/**
 * For text we did not write and keep or show (a child's output): the binary prints its whole DB_URI when it
 * panics on it, and in distributed mode that URI carries the number's store password.
 */
export function hideUrlPasswords(text: string): string {
  return text.includes('://') ? text.replace(CREDENTIALS, '$1:***@') : text;
}
