import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from './support.js';

/*
 * Docker cannot build or run on our machines, so the Dockerfile and compose file are checked as text
 * for the properties the deployment depends on, and for references to files that no longer exist.
 */
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** Variable names from the README's configuration table (first column, `A` / `B` pairs included). */
function readmeVariables(): string[] {
  const section = read('README.md').split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] ?? ''));
}

describe('.env.example', () => {
  const example = read('.env.example');

  it('lists every variable of the README configuration table', () => {
    const variables = readmeVariables();
    expect(variables.length).toBeGreaterThan(20);
    // A new README variable fails here until .env.example lists it too (commented out, with its default).
    const missingFromEnvExample = variables.filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(example));
    expect({ missingFromEnvExample }).toEqual({ missingFromEnvExample: [] });
  });

  it('leaves the secrets empty', () => {
    expect(example).toMatch(/^JWT_SECRET=$/m);
    expect(example).toMatch(/^DEFAULT_ADMIN_PASS=$/m);
    expect(example).toMatch(/^API_KEY_PEPPER=$/m);
    expect(example).toContain('refuses');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const ignored = read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'));

  it('builds on a glibc Node LTS image in stages and fetches the binary by version, verified', () => {
    expect(dockerfile).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS build$/m);
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=(22|24)$/m);
    expect(dockerfile).toMatch(/^ARG GOWA_VERSION=9\.2\.0$/m);
    expect(dockerfile).toContain('npm ci');
    expect(dockerfile).toContain('npm run build && npm prune --omit=dev');
    expect(dockerfile).toMatch(/install-binary\.sh "\$\{GOWA_VERSION\}"/);
  });

  it('runs as a non-root user under tini, with ffmpeg, a health check, volumes and port 3000', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(runtime).toMatch(/apt-get install .*tini.*ffmpeg/);
    expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*\/api\/health/m);
    expect(runtime).toContain('VOLUME ["/app/sessions", "/app/volumes"]');
    expect(runtime).toMatch(/^EXPOSE 3000$/m);
  });

  it('copies only files that exist and are not excluded by .dockerignore', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect({ source, exists: fs.existsSync(path.join(ROOT, source)) }).toEqual({ source, exists: true });
      expect({ source, ignored: ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)) }).toEqual({ source, ignored: false });
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');
  const service = (name: string): string => compose.split(new RegExp(`^  ${name}:$`, 'm'))[1]?.split(/^ {2}\S/m)[0] ?? '';

  it('runs the gateway behind nginx with persistent data and restart policies', () => {
    const gateway = service('gateway');
    const nginx = service('nginx');
    expect(gateway).toContain('env_file: .env');
    expect(gateway).toContain('TRUST_PROXY: "1"');
    expect(gateway).toContain('- ./sessions:/app/sessions');
    expect(gateway).toContain('- ./volumes:/app/volumes');
    expect(gateway).toContain('restart: unless-stopped');
    expect(gateway).not.toMatch(/^\s+ports:/m);
    expect(nginx).toContain('- "80:80"');
    expect(nginx).toContain('- "443:443"');
    expect(nginx).toContain('restart: unless-stopped');
    for (const mount of [...nginx.matchAll(/- \.\/(nginx\/[\w.-]+\.conf):/g)]) {
      expect(fs.existsSync(path.join(ROOT, mount[1] ?? ''))).toBe(true);
    }
  });
});
