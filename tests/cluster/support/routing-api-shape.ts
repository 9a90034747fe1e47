/** Compile-time check that bench/cluster/routing-api.ts matches the real routing and error-handler modules. */
import type { ErrorHandlerModule, RoutingModule } from '../../../bench/cluster/routing-api.js';
import * as cluster from '../../../src/cluster/index.js';
import * as errors from '../../../src/http/error-handler.js';

export const routingShape: RoutingModule = cluster;
export const errorHandlerShape: ErrorHandlerModule = errors;
