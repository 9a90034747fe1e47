import fs from 'node:fs';
import type { Supervisor } from '../supervisor/supervisor.js';

/**
 * The binary has no --version flag (docs/binary-contract.md §1); its `/app/info` says it. Asked of the first child
 * started from each executable file (path, size and change time), so a restore of 200 numbers asks once, while an
 * update (a staged binary, then the promoted one) is asked again.
 */
export class BinaryVersionProbe {
  private version: string | null = null;
  private probedFile: string | null = null;
  private readonly unsubscribe: () => void;

  constructor(supervisor: Supervisor) {
    this.unsubscribe = supervisor.events.on('ready', ({ client, binary }) => {
      const file = identity(binary);
      if (file !== null && file === this.probedFile) return;
      this.probedFile = file;
      void client
        .request<{ version: string }>('GET', '/app/info', { timeoutMs: 3000 })
        .then((info) => {
          if (info.results?.version) this.version = info.results.version;
          else if (this.probedFile === file) this.probedFile = null;
        })
        .catch(() => {
          // Not answered: the next child started from the same file asks again.
          if (this.probedFile === file) this.probedFile = null;
        });
    });
  }

  get(): string | null {
    return this.version;
  }

  close(): void {
    this.unsubscribe();
  }
}

function identity(binary: string): string | null {
  try {
    const stat = fs.statSync(binary);
    return `${binary}:${stat.size}:${stat.ctimeMs}`;
  } catch {
    return null;
  }
}
