/**
 * Composition root: builds every component of the stand-in with explicit dependencies and registers the
 * routes. Nothing here touches `process`; main.ts owns start-up, listening, signals and exits.
 */
import { join } from 'node:path';
import type { SimConfig } from './config/config.js';
import { DeviceManager } from './core/devices.js';
import { FaultQueue } from './core/faults.js';
import { HistorySeeder } from './core/history-seeder.js';
import { IncomingSimulator } from './core/incoming.js';
import { LoginService } from './core/login.js';
import { MediaStore } from './core/media.js';
import { MessageActions } from './core/message-actions.js';
import { ProcessControl, type ExitNow } from './core/process-control.js';
import { Sender } from './core/sender.js';
import { appDevices } from './core/views.js';
import { Router } from './http/router.js';
import { createHandlers, type RequestHandlers } from './http/server.js';
import type { Logger } from './lib/logger.js';
import type { ArbiterLink } from './realtime/arbiter-link.js';
import { WsHub } from './realtime/ws-hub.js';
import { registerAppRoutes } from './routes/app-routes.js';
import { registerChatRoutes } from './routes/chat-routes.js';
import { registerControlRoutes } from './routes/control-routes.js';
import { registerDeviceRoutes } from './routes/device-routes.js';
import { registerMessageRoutes } from './routes/message-routes.js';
import { registerMiscRoutes } from './routes/misc-routes.js';
import { registerSendMediaRoutes } from './routes/send-media-routes.js';
import { registerSendRoutes } from './routes/send-routes.js';
import { registerSimMessageRoutes } from './routes/sim-message-routes.js';
import { registerUserRoutes } from './routes/user-routes.js';
import { ActionRepo } from './store/action-repo.js';
import { ChatRepo } from './store/chat-repo.js';
import type { Db } from './store/db.js';
import { MessageRepo } from './store/message-repo.js';
import { SentRepo } from './store/sent-repo.js';
import type { SessionStore } from './store/session-store.js';
import { SlotRepo } from './store/slot-repo.js';
import { WebhookDispatcher } from './webhook/dispatcher.js';

export interface Services {
  readonly config: SimConfig;
  readonly logger: Logger;
  readonly control: ProcessControl;
  readonly devices: DeviceManager;
  readonly login: LoginService;
  readonly sender: Sender;
  readonly incoming: IncomingSimulator;
  readonly hub: WsHub;
  readonly webhooks: WebhookDispatcher;
  readonly faults: FaultQueue;
  readonly messages: MessageRepo;
  readonly chats: ChatRepo;
  readonly actions: ActionRepo;
  readonly sent: SentRepo;
  readonly sessions: SessionStore;
  readonly link: ArbiterLink | undefined;
  readonly messageActions: MessageActions;
  readonly seeder: HistorySeeder;
}

export interface AppInput {
  readonly config: SimConfig;
  readonly logger: Logger;
  readonly chatDb: Db;
  readonly sessions: SessionStore;
  /** Set when `SIM_ARBITER_URL` is: each logged-in device holds a socket to the fake WhatsApp arbiter. */
  readonly link?: ArbiterLink;
  /** Absolute path of `./statics`. */
  readonly staticsDir: string;
  /** Absolute path of `./storages`. */
  readonly storagesDir: string;
  readonly exit: ExitNow;
  readonly requestLog?: Parameters<typeof createHandlers>[0]['requestLog'];
}

export interface App {
  readonly services: Services;
  readonly handlers: RequestHandlers;
  /** Number of registered routes, for the banner's `Total handlers` line. */
  readonly handlerCount: number;
}

export function createApp(input: AppInput): App {
  const { config, logger } = input;
  const control = new ProcessControl(input.exit);
  const frozen = (): boolean => control.hung;
  const devices = new DeviceManager(new SlotRepo(input.chatDb), input.sessions, logger);
  const hub = new WsHub(logger, frozen, () => appDevices(devices.list()));
  const webhooks = new WebhookDispatcher(config.webhook, logger, frozen);
  const messages = new MessageRepo(input.chatDb);
  const actions = new ActionRepo(input.chatDb);
  const sent = new SentRepo(input.chatDb);
  const media = new MediaStore(input.staticsDir, input.storagesDir);
  const faults = new FaultQueue();
  const services: Services = {
    config,
    logger,
    control,
    devices,
    hub,
    webhooks,
    faults,
    messages,
    chats: new ChatRepo(input.chatDb),
    actions,
    sent,
    sessions: input.sessions,
    link: input.link,
    messageActions: new MessageActions({ messages, actions, media }),
    seeder: new HistorySeeder(messages, media),
    login: new LoginService({
      devices,
      sessions: input.sessions,
      broadcast: (code, message, result) => hub.broadcast(code, message, result),
      logger,
      qrDir: join(input.staticsDir, 'qrcode'),
      qrDurationSec: config.knobs.qrDurationSec,
      osName: `${config.os} v9.2.0`,
      link: input.link,
    }),
    sender: new Sender({
      messages, sent, faults, webhooks, media, ackDelayMs: config.knobs.ackDelayMs, accountValidation: config.accountValidation,
      sessions: input.sessions, link: input.link,
    }),
    incoming: new IncomingSimulator({ messages, webhooks, media, autoDownloadMedia: config.autoDownloadMedia }),
  };
  const open = new Router();
  const scoped = new Router();
  registerDeviceRoutes(open, services);
  registerAppRoutes(open, scoped, services);
  registerSendRoutes(scoped, services);
  registerSendMediaRoutes(scoped, services);
  registerMessageRoutes(scoped, services);
  registerChatRoutes(scoped, services);
  registerUserRoutes(scoped, services);
  registerControlRoutes(open, scoped, services);
  registerSimMessageRoutes(scoped, services);
  registerMiscRoutes(scoped, services);
  const handlers = createHandlers({ config, control, devices, open, scoped, staticsDir: input.staticsDir, requestLog: input.requestLog });
  return { services, handlers, handlerCount: open.count + scoped.count };
}
