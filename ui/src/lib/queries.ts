import { useQuery } from '@tanstack/react-query';
import { api } from './api';
import type { Device, DeviceHealth } from './types';

export function useDevices() {
  return useQuery({ queryKey: ['devices'], queryFn: ({ signal }) => api<{ devices: Device[] }>('GET', '/devices', { signal }) });
}

export function useDeviceHealth() {
  return useQuery({ queryKey: ['health-devices'], queryFn: ({ signal }) => api<{ devices: DeviceHealth[] }>('GET', '/health/devices', { signal }) });
}

export function useDevice(phone: string) {
  return useQuery({ queryKey: ['device', phone], queryFn: ({ signal }) => api<Device>('GET', `/devices/${phone}`, { signal }) });
}
