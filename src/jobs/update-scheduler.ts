import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../lib/logger.js';
import type { UpdateService } from './update-service.js';

/** Runs the update check (or apply) on UPDATE_CHECK_CRON; `off` schedules nothing. */
export class UpdateScheduler {
  private task: ScheduledTask | null = null;

  constructor(
    private readonly service: UpdateService,
    private readonly expression: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const mode = this.service.status().mode;
    if (mode === 'off') return;
    this.task = cron.schedule(this.expression, () => {
      const run = mode === 'apply' ? this.service.apply() : this.service.check();
      void run.catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'scheduled update failed'));
    });
  }

  stop(): void {
    void this.task?.destroy();
    this.task = null;
  }
}

export function isValidCron(expression: string): boolean {
  return cron.validate(expression);
}
