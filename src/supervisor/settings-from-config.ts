import path from 'node:path';
import type { Config } from '../config/load.js';
import type { RestartPolicy } from '../domain/restart-policy.js';
import type { SupervisorSettings } from './types.js';

/** The supervisor's settings from the validated config, for every program that supervises children. */
export function supervisorSettingsFrom(config: Config, webhookUrl: SupervisorSettings['webhookUrl']): SupervisorSettings {
  return {
    binary: config.paths.binary,
    sessionsDir: config.paths.sessions,
    appOs: config.APP_OS,
    debugChildren: config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace',
    startTimeoutMs: config.PROCESS_START_TIMEOUT,
    stopGraceMs: config.PROCESS_STOP_GRACE,
    healthIntervalMs: config.HEALTH_CHECK_INTERVAL,
    healthFailures: config.HEALTH_CHECK_FAILURES,
    logBufferLines: config.LOG_BUFFER_LINES,
    logFileMaxBytes: config.LOG_FILE_MAX_BYTES,
    maxProcesses: config.MAX_PROCESSES,
    restoreConcurrency: config.RESTORE_CONCURRENCY,
    restoreJitterMs: config.RESTORE_JITTER,
    watchdog: { timeoutMs: config.CHILD_WATCHDOG_TIMEOUT * 1000, program: path.join(config.paths.root, 'dist', 'supervisor', 'watchdog', 'main.js') },
    webhookUrl,
  };
}

export function restartPolicyFrom(config: Config): RestartPolicy {
  return {
    baseDelayMs: config.RESTART_BASE_DELAY,
    maxDelayMs: config.RESTART_MAX_DELAY,
    jitter: 0.2,
    resetAfterMs: config.RESTART_RESET_AFTER,
    maxCrashes: config.CRASH_LOOP_MAX,
    crashWindowMs: config.CRASH_LOOP_WINDOW,
  };
}
