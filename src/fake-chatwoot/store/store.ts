/**
 * The one holder of the current State: `/_fake/reset` swaps in a fresh one, so every component reads
 * `store.state` at the time of use instead of keeping a reference. Also owns the optional state file.
 */
import type { Seed } from '../config/seed.js';
import { stateFromSeed } from './seed-state.js';
import type { StateFile } from './snapshot.js';
import type { State } from './state.js';

export class Store {
  state: State;

  constructor(
    state: State,
    private readonly file: StateFile | null,
  ) {
    this.state = state;
  }

  reset(seed: Seed, now: number): void {
    this.state = stateFromSeed(seed, now);
    this.save();
  }

  /** Writes the state file, when there is one. */
  save(): void {
    this.file?.save(this.state);
  }
}
