import { describe, expect, it } from '@jest/globals';
import { canTransition, DEVICE_STATES, InvalidTransitionError, transition } from '../../src/domain/device-state.js';

describe('device state machine', () => {
  it('follows the supervised life of a number', () => {
    let s = transition('stopped', 'start');
    expect(s).toBe('starting');
    s = transition(s, 'ready');
    expect(s).toBe('running');
    s = transition(s, 'crashed');
    expect(s).toBe('backoff');
    s = transition(s, 'start');
    s = transition(s, 'ready');
    s = transition(s, 'stop');
    expect(s).toBe('stopping');
    expect(transition(s, 'exited')).toBe('stopped');
  });

  it('a child the watchdog killed goes to backoff from wherever it ran, like a crash, but is its own event', () => {
    expect(transition('running', 'watchdog_killed')).toBe('backoff');
    expect(transition('starting', 'watchdog_killed')).toBe('backoff');
    for (const state of ['stopped', 'stopping', 'backoff', 'failed', 'replaced'] as const) expect(canTransition(state, 'watchdog_killed')).toBe(false);
  });

  it('refuses impossible moves with a coded error', () => {
    expect(() => transition('stopped', 'ready')).toThrow(InvalidTransitionError);
    expect(() => transition('stopping', 'start')).toThrow(/cannot apply "start" to a device in state "stopping"/);
    expect(() => transition('running', 'start')).toThrow(expect.objectContaining({ code: 'INVALID_TRANSITION' }));
  });

  it('never leaves failed or replaced without a human start or stop', () => {
    for (const state of ['failed', 'replaced'] as const) {
      expect(canTransition(state, 'ready')).toBe(false);
      expect(canTransition(state, 'crashed')).toBe(false);
      expect(transition(state, 'start')).toBe('starting');
      expect(transition(state, 'stop')).toBe('stopped');
    }
  });

  it('every state can be stopped or is already on its way', () => {
    for (const state of DEVICE_STATES) {
      expect(state === 'stopped' || state === 'stopping' || canTransition(state, 'stop')).toBe(true);
    }
  });
});
