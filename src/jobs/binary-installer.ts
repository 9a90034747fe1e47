import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { GatewayError } from '../domain/errors.js';

/**
 * Stages a release next to the live binary with scripts/install-binary.sh (download, checksum check, `--help`
 * smoke run), without touching the live one: the rollout decides whether it is promoted.
 */
export class BinaryInstaller {
  constructor(
    private readonly script: string,
    private readonly liveBinary: string,
    private readonly releaseBaseUrl: string | null,
    /** Where the script finds curl, unzip and sha256sum. */
    private readonly searchPath: string,
  ) {}

  stagingDir(version: string): string {
    return path.join(path.dirname(this.liveBinary), `.update-${version}`);
  }

  async stage(version: string): Promise<string> {
    const dir = this.stagingDir(version);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const env: Record<string, string> = { PATH: this.searchPath, GOWA_INSTALL_DIR: dir };
    if (this.releaseBaseUrl) env['GOWA_RELEASE_BASE_URL'] = this.releaseBaseUrl;
    const result = await execa('bash', [this.script, version], { env, extendEnv: false, reject: false, timeout: 15 * 60_000 });
    if (result.exitCode !== 0) {
      fs.rmSync(dir, { recursive: true, force: true });
      const reason = String(result.stderr).trim().split('\n').pop() ?? `exit ${result.exitCode}`;
      throw new GatewayError('UPDATE_FAILED', reason);
    }
    return path.join(dir, 'whatsapp');
  }

  /** Make the staged binary the live one, keeping the old one as `<binary>.previous` for a manual rollback. */
  promote(staged: string, version: string): void {
    if (fs.existsSync(this.liveBinary)) {
      fs.rmSync(`${this.liveBinary}.previous`, { force: true });
      fs.linkSync(this.liveBinary, `${this.liveBinary}.previous`);
      const liveVersion = `${this.liveBinary}.version`;
      if (fs.existsSync(liveVersion)) fs.copyFileSync(liveVersion, `${this.liveBinary}.previous.version`);
    }
    fs.renameSync(staged, this.liveBinary);
    fs.writeFileSync(`${this.liveBinary}.version`, `${version}\n`);
    fs.rmSync(path.dirname(staged), { recursive: true, force: true });
  }

  discard(staged: string): void {
    fs.rmSync(path.dirname(staged), { recursive: true, force: true });
  }

  /** The version install-binary.sh recorded for the live binary, if any. */
  installedVersion(): string | null {
    try {
      return fs.readFileSync(`${this.liveBinary}.version`, 'utf8').trim() || null;
    } catch {
      return null;
    }
  }
}
