import type { Supervisor } from '../supervisor/supervisor.js';

/**
 * The binary has no --version flag (contract §1); its `/app/info` says it. Asked once a child is ready, and
 * again after each restart, since an update changes it.
 */
export class BinaryVersionProbe {
  private version: string | null = null;
  private readonly unsubscribe: () => void;

  constructor(supervisor: Supervisor) {
    this.unsubscribe = supervisor.events.on('ready', ({ client }) => {
      void client
        .request<{ version: string }>('GET', '/app/info', { timeoutMs: 3000 })
        .then((info) => {
          if (info.results?.version) this.version = info.results.version;
        })
        .catch(() => undefined);
    });
  }

  get(): string | null {
    return this.version;
  }

  close(): void {
    this.unsubscribe();
  }
}
