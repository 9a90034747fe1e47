/** Passwords seen in every default install and wordlist head; refused in production whatever their length. */
const DEFAULTS = new Set([
  'admin',
  'administrator',
  'password',
  'changeme',
  'change-me',
  'letmein',
  'welcome',
  'qwerty',
  'qwertyuiop',
  '123456',
  '12345678',
  '123456789',
  '1234567890',
  '123456789012',
  'admin123',
  'admin1234',
  'password123',
  'password1234',
  'dev-only-jwt-secret-change-me',
  'test-admin-password',
]);

export const PRODUCTION_MIN_LENGTH = 12;
export const DEVELOPMENT_MIN_LENGTH = 8;

/**
 * Why a password is refused, or null. Production: at least 12 characters, not the user name (nor containing it),
 * not a well-known default, not one character repeated. Elsewhere only the length (8) is checked, so tests and
 * demos can use short throwaway passwords.
 */
export function passwordProblem(password: string, username: string, production: boolean): string | null {
  const min = production ? PRODUCTION_MIN_LENGTH : DEVELOPMENT_MIN_LENGTH;
  if ([...password].length < min) return `must be at least ${min} characters`;
  if (!production) return null;
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  if (name.length >= 3 && lower.includes(name)) return 'must not contain the user name';
  if (DEFAULTS.has(lower)) return 'is a well-known default password';
  if (new Set(lower).size === 1) return 'must not be one character repeated';
  return null;
}
