import { z } from 'zod';
import { DEVICE_STATES, SESSION_STATES } from '../domain/device-state.js';
import { NUMBER_KEY_RULE, parseNumberKey, type NumberKey } from '../domain/number-key.js';
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

/** A number's key in a URL: its phone, or the pending id of a number whose phone is not known yet. */
export const numberKey = z
  .string({ error: 'is required' })
  .transform((value, ctx): NumberKey => {
    const parsed = parseNumberKey(value);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: `must be ${NUMBER_KEY_RULE}` });
      return z.NEVER;
    }
    return parsed;
  })
  .meta({ description: `The number: ${NUMBER_KEY_RULE}`, examples: ['5511999999999', 'pending-k3x9q2m7a1b4'] });

export const phoneParams = z.object({ phone: numberKey });

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
    phoneNumber: z.string().meta({ description: 'The number’s key: its phone, or its pending id until the phone pairs' }),
    pending: z.boolean().meta({ description: 'Created without a phone, which is not known yet (docs/pending-numbers.md)' }),
    pendingId: z.string().nullable().meta({ description: 'The id it was created with, when it was created without a phone (kept after the phone is bound)' }),
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
