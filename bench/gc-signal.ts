/**
 * Preloaded into a benchmark gateway (`node --expose-gc --import dist/bench/gc-signal.js dist/main.js`): SIGUSR2
 * forces a full garbage collection, so memory readings compare live data, not collection timing.
 */
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
});
