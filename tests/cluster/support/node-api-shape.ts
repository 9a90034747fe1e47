/**
 * Compile-time check (npm run typecheck) that the cluster node's hand-written view of the built gateway
 * (bench/cluster/node-api.ts) still matches the real modules.
 */
import type { AgentClusterModule, ClockModule, DbModule, DeviceEventsModule, DevicesModule, DirectoryModule, NumbersModule, PortPoolModule, SqlitePortsModule, SupervisorModule, SupervisorSettingsModule } from '../../../bench/cluster/node-api.js';
import * as cluster from '../../../src/cluster/index.js';
import * as numbers from '../../../src/cluster/numbers.js';
import * as db from '../../../src/db/client.js';
import * as directory from '../../../src/db/device-directory.js';
import * as deviceEvents from '../../../src/db/repositories/device-events.js';
import * as devices from '../../../src/db/repositories/devices.js';
import * as sqlitePorts from '../../../src/db/repositories/sqlite-ports.js';
import * as clock from '../../../src/lib/clock.js';
import * as ports from '../../../src/supervisor/port-pool.js';
import * as supervisorSettings from '../../../src/supervisor/settings-from-config.js';
import * as supervisor from '../../../src/supervisor/supervisor.js';

export const agentClusterShape: AgentClusterModule = cluster;
export const supervisorShape: SupervisorModule = supervisor;
export const supervisorSettingsShape: SupervisorSettingsModule = supervisorSettings;
export const portPoolShape: PortPoolModule = ports;
export const dbShape: DbModule = db;
export const devicesShape: DevicesModule = devices;
export const deviceEventsShape: DeviceEventsModule = deviceEvents;
export const sqlitePortsShape: SqlitePortsModule = sqlitePorts;
export const directoryShape: DirectoryModule = directory;
export const clockShape: ClockModule = clock;
export const numbersShape: NumbersModule = numbers;
