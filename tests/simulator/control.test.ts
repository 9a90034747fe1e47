/**
 * Process-level behaviour driven by the stand-in's control API: exit codes of stream-replaced and crash, and
 * a hung process that answers nothing and ignores SIGTERM until SIGKILL.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupSims, IS_STAND_IN, startSim } from '../helpers/sim-process.js';

const describeSim = IS_STAND_IN ? describe : describe.skip;

afterAll(cleanupSims);

describeSim('exits', () => {
  it('/_sim/stream-replaced answers 200, then exits 0', async () => {
    const sim = await startSim();
    const res = await sim.api('POST', '/_sim/stream-replaced');
    expect(res.status).toBe(200);
    expect(await sim.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it.each([
    [{}, 2],
    [{ exit_code: 3 }, 3],
  ])('/_sim/crash %j answers 200, then exits %i', async (body, code) => {
    const sim = await startSim();
    const res = await sim.api('POST', '/_sim/crash', body);
    expect(res.json).toEqual({ code: 'SUCCESS', message: `Crashing with exit code ${code}`, results: { exit_code: code } });
    expect(await sim.waitForExit()).toEqual({ code, signal: null });
  });

  it('/_sim/crash refuses exit code 0', async () => {
    const sim = await startSim();
    const res = await sim.api('POST', '/_sim/crash', { exit_code: 0 });
    expect(res.status).toBe(400);
    await sim.stop();
  });
});

describeSim('hang', () => {
  it('stops answering everything, ignores SIGTERM, and dies on SIGKILL', async () => {
    const sim = await startSim();
    expect((await sim.api('POST', '/_sim/hang')).status).toBe(200);
    await expect(sim.api('GET', '/health', undefined, { signal: AbortSignal.timeout(400) })).rejects.toThrow();
    sim.child.kill('SIGTERM');
    await sim.waitForOutput('while hung', 'stderr');
    expect(sim.exitInfo).toBeUndefined();
    await expect(sim.api('GET', '/health', undefined, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(await sim.kill()).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
