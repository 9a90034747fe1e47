/**
 * Composition root of the fake Chatwoot: builds every component with explicit dependencies and the three
 * listeners (API, control, storage). Nothing here touches `process`; main.ts owns start-up and signals.
 */
import type { RequestListener } from 'node:http';
import type { FakeConfig } from './config/config.js';
import { KnobStore } from './config/knobs.js';
import { agentRoutes } from './control/agent-routes.js';
import type { Addresses, ControlDeps } from './control/control-deps.js';
import { controlPipeline } from './control/control-pipeline.js';
import { inspectRoutes } from './control/inspect-routes.js';
import { knobRoutes } from './control/knob-routes.js';
import { featuresOf, type Features } from './domain/version.js';
import { DeliveryLog } from './events/delivery-log.js';
import { Dispatcher } from './events/dispatcher.js';
import { EventFactory } from './events/event-factory.js';
import { apiPipeline } from './http/api-pipeline.js';
import { Faults } from './http/faults.js';
import { Listener } from './http/listener.js';
import { Outage } from './http/outage.js';
import { RateLimiter } from './http/rate-limit.js';
import { RequestLog } from './http/request-log.js';
import { Router } from './http/router.js';
import type { Logger } from './lib/logger.js';
import type { Clock } from './lib/time.js';
import { contactRoutes } from './routes/contacts.js';
import { conversationRoutes } from './routes/conversations.js';
import { inboxRoutes } from './routes/inboxes.js';
import { messageRoutes } from './routes/messages.js';
import { miscRoutes } from './routes/misc.js';
import { publicRoutes } from './routes/public.js';
import { settingsRoutes } from './routes/settings.js';
import { Access } from './services/access.js';
import { AccountWebhooks } from './services/account-webhooks.js';
import { Attributes } from './services/attributes.js';
import { ContactFilter } from './services/contact-filter.js';
import { ContactInboxes } from './services/contact-inboxes.js';
import { ContactMerge } from './services/contact-merge.js';
import { ContactSearch } from './services/contact-search.js';
import { Contacts } from './services/contacts.js';
import { ConversationStatusService } from './services/conversation-status.js';
import { Conversations } from './services/conversations.js';
import { MessageInsert } from './services/message-insert.js';
import { Messages } from './services/messages.js';
import { Notes } from './services/notes.js';
import { Inboxes } from './services/inboxes.js';
import { BlobSigner } from './storage/blob-signer.js';
import { storagePipeline } from './storage/storage-pipeline.js';
import { storageRoutes } from './storage/storage-routes.js';
import { StorageUrls } from './storage/urls.js';
import type { StateFile } from './store/snapshot.js';
import type { State } from './store/state.js';
import { Store } from './store/store.js';
import type { ViewCtx } from './views/context.js';

export interface Services {
  readonly config: FakeConfig;
  readonly features: Features;
  readonly now: Clock;
  readonly store: Store;
  readonly knobs: KnobStore;
  readonly access: Access;
  readonly view: ViewCtx;
  readonly contacts: Contacts;
  readonly contactSearch: ContactSearch;
  readonly contactFilter: ContactFilter;
  readonly contactMerge: ContactMerge;
  readonly notes: Notes;
  readonly conversations: Conversations;
  readonly messages: Messages;
  readonly inboxes: Inboxes;
  readonly accountWebhooks: AccountWebhooks;
  readonly attributes: Attributes;
}

export interface AppInput {
  readonly config: FakeConfig;
  readonly logger: Logger;
  readonly state: State;
  readonly stateFile: StateFile | null;
  readonly now: Clock;
}

export interface App {
  readonly services: Services;
  readonly addresses: () => Addresses;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createApp(input: AppInput): App {
  const { config, logger, now } = input;
  const features = featuresOf(config.version);
  const store = new Store(input.state, input.stateFile);
  const knobs = new KnobStore(config.knobs);
  const signer = new BlobSigner(config.secretKeyBase);
  let addresses: Addresses = { api: '', control: '', storage: '', frontend: config.frontendUrl ?? '' };
  const view: ViewCtx = { store, urls: new StorageUrls(signer, () => addresses.frontend), features };
  const events = new EventFactory(view);
  const access = new Access(store);
  const contactInboxes = new ContactInboxes(store, now);
  const inserter = new MessageInsert(store, now);
  const status = new ConversationStatusService(inserter, events, now);
  const messages = new Messages(store, inserter, status, events, knobs, now);
  const contacts = new Contacts(store, access, contactInboxes, events, now);
  const services: Services = {
    config, features, now, store, knobs, access, view, contacts, messages,
    contactSearch: new ContactSearch(store),
    contactFilter: new ContactFilter(store, now),
    contactMerge: new ContactMerge(store, contacts, events),
    notes: new Notes(store, now),
    conversations: new Conversations(store, access, contactInboxes, status, messages, events, now),
    inboxes: new Inboxes(store, access, events, now),
    accountWebhooks: new AccountWebhooks(store, now),
    attributes: new Attributes(store, now),
  };

  const deliveries = new DeliveryLog();
  const requests = new RequestLog();
  const dispatcher = new Dispatcher({
    store, features, knobs, log: deliveries, logger, now,
    onFailed: (accountId, messageId, error) => {
      const tx = messages.markFailed(accountId, messageId, error);
      store.save();
      return tx;
    },
  });
  const faults = new Faults(now);
  const limiter = new RateLimiter(knobs, now);
  const storageDeps = { store, signer, knobs: () => knobs.current, storageUrl: () => addresses.storage, now };
  const router = new Router().add([
    ...miscRoutes(services), ...contactRoutes(services), ...conversationRoutes(services), ...messageRoutes(services),
    ...inboxRoutes(services), ...settingsRoutes(services), ...publicRoutes(services), ...storageRoutes(storageDeps),
  ]);

  // The outage switch needs the API listener, which needs the pipeline: resolved when first used.
  const currentOutage = (): Outage => outage;
  const controlDeps: ControlDeps = {
    services, dispatcher, deliveries, requests, faults, outage: currentOutage, limiter, seed: config.seed, addresses: () => addresses, routes: () => router.specs,
  };
  const control = controlPipeline([
    ...inspectRoutes(controlDeps), ...agentRoutes(controlDeps), ...knobRoutes(controlDeps),
  ], logger);
  const api = apiPipeline({ router, features, access, store, knobs, limiter, faults, outage: currentOutage, requests, dispatcher, logger, now });
  const apiWithControl: RequestListener = (req, res) => ((req.url ?? '').startsWith('/_fake/') ? control(req, res) : api(req, res));

  const apiListener = new Listener(apiWithControl, config.host, config.port);
  const controlListener = new Listener(control, config.host, config.controlPort);
  const storageListener = new Listener(storagePipeline(storageDeps), config.host, config.storagePort);
  const outage = new Outage(apiListener, now);

  return {
    services,
    addresses: () => addresses,
    async start() {
      await apiListener.start();
      await controlListener.start();
      await storageListener.start();
      addresses = {
        api: apiListener.url,
        control: controlListener.url,
        storage: storageListener.url,
        frontend: config.frontendUrl ?? apiListener.url,
      };
    },
    async stop() {
      faults.clear();
      await Promise.all([apiListener.close(), controlListener.close(), storageListener.close()]);
      await dispatcher.drain();
      store.save();
    },
  };
}
