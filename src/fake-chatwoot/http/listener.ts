/**
 * One listening socket that can go away and come back on the same port: `pause` closes it and drops every
 * open connection (clients get ECONNREFUSED, as with a stopped Chatwoot), `resume` listens again.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class Listener {
  private server: Server;
  private boundPort = 0;
  private listening = false;

  constructor(
    private readonly handler: RequestListener,
    readonly host: string,
    private readonly requestedPort: number,
  ) {
    this.server = this.makeServer();
  }

  get port(): number {
    return this.boundPort;
  }

  get up(): boolean {
    return this.listening;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.boundPort}`;
  }

  async start(): Promise<number> {
    await this.listen(this.requestedPort);
    return this.boundPort;
  }

  async pause(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    this.server = this.makeServer();
  }

  async resume(): Promise<void> {
    if (this.listening) return;
    await this.listen(this.boundPort);
  }

  async close(): Promise<void> {
    await this.pause();
  }

  private makeServer(): Server {
    return createServer({ requestTimeout: 0, keepAliveTimeout: 5000 }, this.handler);
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        this.listening = true;
        resolve();
      });
    });
  }
}
