import { describe, expect, it } from '@jest/globals';
import { isRecipient, parsePhoneNumber } from '../../src/domain/phone.js';

describe('phone numbers', () => {
  it('normalises a leading + and surrounding spaces', () => {
    expect(parsePhoneNumber('+5511999999999')).toBe('5511999999999');
    expect(parsePhoneNumber(' 5511999999999 ')).toBe('5511999999999');
  });

  it.each(['../../etc', '5511a99999999', '1234567', '1234567890123456', '', '++5511999999999', '55 11 99999 9999', '5511999999999/..'])(
    'rejects %j',
    (input) => {
      expect(parsePhoneNumber(input)).toBeNull();
    },
  );

  it('rejects non-strings', () => {
    expect(parsePhoneNumber(5511999999999)).toBeNull();
    expect(parsePhoneNumber(null)).toBeNull();
  });

  it('accepts digits or full JIDs as recipients', () => {
    expect(isRecipient('5511888888888')).toBe(true);
    expect(isRecipient('5511888888888@s.whatsapp.net')).toBe(true);
    expect(isRecipient('120363025246125486@g.us')).toBe(true);
    expect(isRecipient('hello@example.com')).toBe(false);
  });
});
