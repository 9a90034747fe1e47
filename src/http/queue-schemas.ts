import { z } from 'zod';

export const queuePolicySchema = z.object({
  concurrency: z.number().int().min(1).max(20),
  interval: z.number().int().min(0).max(3_600_000),
  intervalCap: z.number().int().min(1).max(1000),
});

/** A number's send queue as callers see it (device object, status, /queue routes). */
export const queueStatusSchema = z
  .object({
    depth: z.number(),
    inFlight: z.number(),
    paused: z.boolean(),
    pausedUntil: z.string().nullable(),
    reason: z.string().nullable(),
    policy: queuePolicySchema,
    customPolicy: z.boolean(),
  })
  .meta({ id: 'QueueStatus' });
