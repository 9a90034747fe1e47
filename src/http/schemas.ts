import { z } from 'zod';
import { DEVICE_STATES, SESSION_STATES } from '../domain/device-state.js';
import { parsePhoneNumber, PHONE_RULE, type PhoneNumber } from '../domain/phone.js';
import { queueStatusSchema } from './queue-schemas.js';

/** A phone number from a body field or URL segment, normalised to digits; nothing else passes. */
export const phoneNumber = z
  .string({ error: 'is required' })
  .transform((value, ctx): PhoneNumber => {
    const parsed = parsePhoneNumber(value);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: `must be a phone number (${PHONE_RULE})` });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({ description: `Phone number: ${PHONE_RULE}`, examples: ['5511999999999'] });

export const phoneParams = z.object({ phone: phoneNumber });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const deviceSchema = z
  .object({
    phoneNumber: z.string(),
    name: z.string(),
    state: z.enum(DEVICE_STATES),
    desiredState: z.enum(['running', 'stopped']),
    sessionState: z.enum(SESSION_STATES),
    loggedIn: z.boolean(),
    jid: z.string().nullable(),
    port: z.number().nullable(),
    pid: z.number().nullable(),
    uptimeMs: z.number().nullable(),
    restartCount: z.number(),
    lastExitCode: z.number().nullable(),
    lastExitSignal: z.string().nullable(),
    lastError: z.string().nullable(),
    webhookUrl: z.string().nullable(),
    webhookEvents: z.array(z.string()).nullable(),
    /** The number's send queue. */
    queue: queueStatusSchema,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Device' });
