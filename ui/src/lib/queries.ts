import { useQuery } from '@tanstack/react-query';
import { api } from './api';
import type { UnreadSummary } from './chat-types';
import type { Device, DeviceHealth } from './types';

/** The numbers the user may see; shared by the list page and the live layer (which joins each of them). */
export const devicesQuery = { queryKey: ['devices'], queryFn: ({ signal }: { signal: AbortSignal }) => api<{ devices: Device[] }>('GET', '/devices', { signal }) };

export function useDevices() {
  return useQuery(devicesQuery);
}

export function useDeviceHealth() {
  return useQuery({ queryKey: ['health-devices'], queryFn: ({ signal }) => api<{ devices: DeviceHealth[] }>('GET', '/health/devices', { signal }) });
}

export function useDevice(phone: string) {
  return useQuery({ queryKey: ['device', phone], queryFn: ({ signal }) => api<Device>('GET', `/devices/${phone}`, { signal }) });
}

/** Unread chats and messages per number (refetched when a chat changes, see live.tsx). */
export function useUnread() {
  return useQuery({ queryKey: ['unread'], queryFn: ({ signal }) => api<UnreadSummary>('GET', '/inbox/unread', { signal }) });
}
