/**
 * Preloaded into a benchmark gateway (`node --expose-gc --import dist/bench/gc-signal.js dist/main.js`): SIGUSR2
 * forces full garbage collections, so memory readings compare live data rather than collection timing, and
 * prints the heap figures after it as one JSON line on stderr (`{"benchMemory": …}`) for the bench to read.
 */
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.stderr.write(`${JSON.stringify({ benchMemory: process.memoryUsage() })}\n`);
});
