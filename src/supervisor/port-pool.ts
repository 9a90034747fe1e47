import getPort, { clearLockedPorts, portNumbers } from 'get-port';
import { GatewayError } from '../domain/errors.js';

/**
 * Hands out loopback ports from the configured range. A number keeps its previous port when it is free
 * (bookmarks and firewall rules stay valid); ports handed out but not yet bound are held back in memory,
 * so two numbers starting at once never get the same one.
 */
export class PortPool {
  private readonly reserved = new Set<number>();

  constructor(
    private readonly min: number,
    private readonly max: number,
    private readonly host = '127.0.0.1',
  ) {}

  async acquire(preferred: number | null): Promise<number> {
    const wanted = preferred !== null && preferred >= this.min && preferred <= this.max && !this.reserved.has(preferred);
    // get-port locks every port it returns for 15 s; our own `reserved` set already prevents double hand-outs,
    // and that lock would stop a restarted number from getting its own port back.
    clearLockedPorts();
    const candidates = wanted ? [preferred, ...portNumbers(this.min, this.max)] : portNumbers(this.min, this.max);
    const port = await getPort({ port: candidates, host: this.host, exclude: [...this.reserved] });
    // get-port falls back to any free port when the range is exhausted; that would break the promise of the range.
    if (port < this.min || port > this.max) {
      throw new GatewayError('PORT_POOL_EXHAUSTED', `no free port between ${this.min} and ${this.max}`);
    }
    this.reserved.add(port);
    return port;
  }

  release(port: number): void {
    this.reserved.delete(port);
  }
}
