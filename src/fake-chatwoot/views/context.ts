/** What every view reads: the current state, attachment URLs and the claimed version's features. */
import type { Features } from '../domain/version.js';
import type { StorageUrls } from '../storage/urls.js';
import type { Store } from '../store/store.js';

export interface ViewCtx {
  readonly store: Store;
  readonly urls: StorageUrls;
  readonly features: Features;
}

export type JsonMap = Record<string, unknown>;
