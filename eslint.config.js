import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * Which folders of src/ each folder may import: dependencies point inward (domain and lib at the centre, the HTTP
 * adapters and the composition root outside). The stand-ins are separate programs and import nothing of ours.
 */
const LAYERS = {
  domain: [],
  lib: ['domain'],
  config: ['domain', 'lib'],
  db: ['domain', 'lib'],
  gowa: ['domain', 'lib'],
  auth: ['domain', 'lib', 'db', 'config'],
  supervisor: ['domain', 'lib', 'db', 'gowa', 'config'],
  qr: ['domain', 'lib', 'gowa', 'supervisor'],
  events: ['domain', 'lib', 'db', 'gowa', 'supervisor', 'qr'],
  messaging: ['domain', 'lib', 'db', 'gowa', 'supervisor', 'events'],
  webhooks: ['domain', 'lib', 'db', 'events'],
  conversations: ['domain', 'lib', 'db', 'gowa', 'auth', 'events', 'supervisor'],
  realtime: ['domain', 'lib', 'db', 'auth', 'audit', 'events', 'supervisor', 'conversations', 'cluster'],
  devices: ['domain', 'lib', 'db', 'auth', 'gowa', 'messaging', 'supervisor'],
  health: ['domain', 'lib', 'db', 'events', 'supervisor'],
  jobs: ['domain', 'lib', 'db', 'supervisor'],
  metrics: ['domain', 'lib', 'db', 'audit', 'health', 'supervisor', 'webhooks', 'chatwoot', 'cluster'],
  audit: ['domain', 'lib', 'db', 'auth', 'jobs', 'messaging', 'supervisor'],
  proxy: ['domain', 'lib', 'auth', 'audit', 'gowa', 'http', 'messaging', 'qr', 'supervisor'],
  chatwoot: ['domain', 'lib', 'db', 'auth', 'audit', 'gowa', 'events', 'messaging', 'conversations', 'supervisor', 'qr'],
  // The compatibility layer is an adapter of its own (routes included): it may use every service, and the HTTP kit.
  // Distributed mode's ownership core: leases, claims, fenced writes (Postgres); it knows nothing of children or HTTP.
  cluster: ['domain', 'lib', 'db', 'config'],
  compat: ['domain', 'lib', 'db', 'auth', 'audit', 'config', 'gowa', 'events', 'messaging', 'conversations', 'supervisor', 'qr', 'devices', 'webhooks', 'outward', 'http'],
};
/** The stand-ins for the binary, for Chatwoot and for WhatsApp's servers: separate programs the tests start as processes. */
const PROGRAMS = ['simulator', 'fake-chatwoot', 'arbiter'];
const FOLDERS = [...Object.keys(LAYERS), 'http', ...PROGRAMS];

const only = (allowed) => FOLDERS.filter((f) => !allowed.includes(f));
const restrict = (folder, forbidden, extra = []) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...(forbidden.length > 0 ? [{ regex: `^(\\.\\./)+(${forbidden.join('|')})/`, message: `src/${folder} may not import this folder (see LAYERS in eslint.config.js)` }] : []),
          { regex: '^(\\.\\./)+(app|main|demo)\\.js$', message: 'only main.ts imports the composition root' },
          ...extra,
        ],
      },
    ],
  },
});
const layerRules = [
  ...Object.entries(LAYERS).map(([folder, allowed]) =>
    restrict(folder, only([...allowed, folder]), folder === 'domain' ? [{ regex: '^node:', message: 'domain/ is pure: no Node built-ins' }] : []),
  ),
  restrict('http', PROGRAMS),
  // The stand-ins are programs of their own: nothing outside their folder (their files sit at most one folder deep).
  ...PROGRAMS.flatMap((program) =>
    [
      [`src/${program}/*.ts`, '^\\.\\./'],
      [`src/${program}/*/**/*.ts`, '^(\\.\\./){2,}'],
    ].map(([files, regex]) => ({
      files: [files],
      rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message: `src/${program} is a separate program and shares no code with the gateway` }] }] },
    })),
  ),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'sessions/**', 'volumes/**', 'drizzle/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  ...layerRules,
  {
    // Request schemas say the types that are enforced: text inputs are converted in one place (http/text-input.ts).
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'z', property: 'coerce', message: 'JSON bodies are never coerced; query, path and multipart text is converted by http/text-input.ts from the declared type.' },
        { object: 'z', property: 'preprocess', message: 'Declare the type the route takes; http/text-input.ts converts text inputs to it.' },
      ],
    },
  },
  {
    // The dashboard (React): the hook rules that catch real bugs (call order, stale dependencies).
    files: ['ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.js', 'ui/scripts/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
