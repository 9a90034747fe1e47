/**
 * Compile-time check (npm run typecheck) that the bench member's hand-written view of the built gateway
 * (bench/cluster/gateway-api.ts) still matches the real modules: a changed signature fails the typecheck here
 * instead of the member failing at run time.
 */
import type { ClusterModule, ConfigModule, LoggerModule } from '../../../bench/cluster/gateway-api.js';
import * as cluster from '../../../src/cluster/index.js';
import * as config from '../../../src/config/load.js';
import * as logger from '../../../src/lib/logger.js';

export const clusterShape: ClusterModule = cluster;
export const configShape: ConfigModule = config;
export const loggerShape: LoggerModule = logger;
