/**
 * The parts of the built gateway (dist/) the cluster node with children (bench/cluster/node.ts) composes, typed by
 * hand because the bench compiles on its own; tests/cluster/support/node-api-shape.ts checks them against the real
 * modules at typecheck time.
 */
import type { ClusterNodeApi, PgClient } from './gateway-api.js';

interface Listen<E> {
  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): () => void;
}

export interface PgPool extends PgClient {
  end(): Promise<void>;
}

export interface SupervisorEventsApi {
  state: { readonly phoneNumber: string; readonly from: string; readonly to: string; readonly reason: string };
  ready: { readonly phoneNumber: string; readonly port: number; readonly client: { request(method: string, path: string, options?: { body?: unknown }): Promise<unknown> } };
  exited: { readonly phoneNumber: string; readonly code: number | null; readonly signal: string | null; readonly expected: boolean };
  'watchdog-fired': { readonly quietMs: number; readonly killedPids: readonly number[] };
}

export interface SupervisorApi {
  readonly events: Listen<SupervisorEventsApi>;
  runner(phoneNumber: string): { readonly state: string; readonly pid: number | null } | undefined;
  register(device: never, autoStart: false): Promise<unknown>;
  start(phoneNumber: string, origin: 'automatic'): Promise<unknown>;
  stop(phoneNumber: string): Promise<unknown>;
  killNow(phoneNumber: string): void;
  list(): readonly { readonly phoneNumber: string }[];
  shutdown(concurrency?: number): Promise<void>;
}

export interface SupervisorModule {
  Supervisor: new (deps: never) => SupervisorApi;
}
export interface SupervisorSettingsModule {
  supervisorSettingsFrom(config: never, webhookUrl: (phoneNumber: string) => string): unknown;
  restartPolicyFrom(config: never): unknown;
}
export interface PortPoolModule {
  PortPool: new (min: number, max: number) => unknown;
}
export interface DbModule {
  openDatabase(file: string, migrationsFolder: string): { readonly db: unknown; close(): void };
}
export interface DevicesModule {
  DeviceRepository: new (db: never) => unknown;
}
export interface DeviceEventsModule {
  DeviceEventRepository: new (db: never) => unknown;
}
export interface SqlitePortsModule {
  sqliteDeviceStore(repo: never, db: never): unknown;
  sqliteNumberKeys(repo: never): unknown;
  sqliteDeviceEventStore(repo: never): unknown;
}
export interface DirectoryModule {
  DeviceDirectory: { load(stores: never, clock: never): Promise<{ recorded(): Promise<void> }> };
}
export interface ClockModule {
  systemClock: unknown;
}

export interface StoresApi {
  provision(numberKey: string, fence: number): Promise<{ readonly uri: string }>;
  hasSession(numberKey: string): Promise<boolean>;
}

export interface AgentApi {
  readonly hooks: unknown;
  attach(node: never): () => void;
  mayRun(phoneNumber: string): boolean;
}

export interface AgentClusterModule {
  NodeAgent: new (deps: never) => AgentApi;
  SessionStores: (new (options: never) => StoresApi) & { targetFromUrl(url: string): unknown };
  startClusterNode(options: { settings: never; gowaVersion: string; migrationsFolder: string; logger?: never; hooks?: never }): Promise<ClusterNodeApi>;
}

export interface NumbersModule {
  addNumbers(pool: never, phoneNumbers: readonly string[]): Promise<number>;
}
