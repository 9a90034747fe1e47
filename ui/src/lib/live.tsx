import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { useAuth } from './auth';
import { devicesQuery } from './queries';
import { Realtime, type ConnectionState, type LiveEvent } from './realtime';
import type { Device, DeviceState, QrCode, SessionState } from './types';

const RealtimeContext = createContext<Realtime | null>(null);

/** Debounced refetch of the lists' figures after events: driven by what happened, never by a timer. */
function refetcher(client: QueryClient) {
  const due = new Set<string>();
  let timer: number | null = null;
  return (...keys: string[][]) => {
    for (const key of keys) due.add(JSON.stringify(key));
    timer ??= window.setTimeout(() => {
      timer = null;
      for (const key of due) void client.invalidateQueries({ queryKey: JSON.parse(key) as string[] });
      due.clear();
    }, 1000);
  };
}

function patchDevice(client: QueryClient, phone: string, patch: Partial<Device>): void {
  client.setQueryData<{ devices: Device[] }>(['devices'], (old) => old && { ...old, devices: old.devices.map((d) => (d.phoneNumber === phone ? { ...d, ...patch } : d)) });
  client.setQueryData<Device>(['device', phone], (old) => old && { ...old, ...patch });
}

/** Applies live events to the cached API answers in place, then lets the affected queries refetch. */
function applyToCache(client: QueryClient, event: LiveEvent, refetch: ReturnType<typeof refetcher>): void {
  const phone = event.phoneNumber;
  if (event.kind === 'covered') return;
  if (event.kind === 'store') {
    // Unread figures (the numbers list, the navigation) follow the chats' changes.
    if (event.event.name === 'conversation.updated' || event.event.name === 'conversation.removed') refetch(['unread']);
    return;
  }
  if (event.kind === 'unknown-number' || event.kind === 'resync') {
    refetch(['devices'], ['health-devices'], ['device', phone], ['timeline', phone], ['access']);
    return;
  }
  if (event.kind === 'process-stopped' || event.kind === 'feed') {
    refetch(['health-devices'], ['timeline', phone]);
    return;
  }
  const { message } = event;
  if (message.type === 'qr' && message.qr && message.expiresAt) {
    client.setQueryData<QrCode>(['qr', phone], { qrCode: message.qr, expiresAt: message.expiresAt });
    return;
  }
  if (message.type === 'status' && message.change === 'state' && message.to) patchDevice(client, phone, { state: message.to as DeviceState });
  if (message.type === 'status' && message.change === 'session' && message.to) patchDevice(client, phone, { sessionState: message.to as SessionState, loggedIn: message.to === 'logged_in' });
  if (message.type === 'ready') patchDevice(client, phone, { sessionState: 'logged_in', loggedIn: true, ...(message.jid ? { jid: message.jid } : {}) });
  if (message.type === 'logged_out') patchDevice(client, phone, { sessionState: 'logged_out', loggedIn: false });
  const stateful = message.type === 'status' || message.type === 'ready' || message.type === 'logged_out';
  refetch(['health-devices'], ...(stateful ? [['devices'], ['device', phone], ['timeline', phone]] : []));
}

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const auth = useAuth();
  const client = useQueryClient();
  const [realtime, setRealtime] = useState<Realtime | null>(null);
  const signedIn = auth.state.status === 'signed-in';
  const { token, refresh } = auth;

  // Every number the user may see stays joined (with resume), whichever page is open.
  const devices = useQuery({ ...devicesQuery, enabled: signedIn });
  const phones = devices.data?.devices.map((d) => d.phoneNumber).join(',');

  useEffect(() => {
    if (realtime && phones !== undefined) realtime.watch(phones === '' ? [] : phones.split(','));
  }, [realtime, phones]);

  useEffect(() => {
    if (!signedIn) return;
    const live = new Realtime(token, refresh);
    const refetch = refetcher(client);
    const off = live.subscribe((event) => applyToCache(client, event, refetch));
    setRealtime(live);
    return () => {
      off();
      live.close();
      setRealtime(null);
    };
  }, [signedIn, client, token, refresh]);

  return <RealtimeContext.Provider value={realtime}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): Realtime | null {
  return useContext(RealtimeContext);
}

export function useConnectionState(): ConnectionState {
  const realtime = useRealtime();
  const [state, setState] = useState<ConnectionState>(realtime?.state ?? 'connecting');
  useEffect(() => {
    if (!realtime) return;
    setState(realtime.state);
    return realtime.onState(setState);
  }, [realtime]);
  return state;
}

/** Calls `listener` for each live event (of one number, when given) while the component is mounted. */
export function useLiveEvents(listener: (event: LiveEvent) => void, phone?: string): void {
  const realtime = useRealtime();
  const ref = useLatest(listener);
  useEffect(() => {
    if (!realtime) return;
    return realtime.subscribe((event) => {
      if (phone === undefined || event.phoneNumber === phone) ref.current(event);
    });
  }, [realtime, phone, ref]);
}

export function useLatest<T>(value: T): { current: T } {
  const [ref] = useState(() => ({ current: value }));
  ref.current = value;
  return ref;
}
