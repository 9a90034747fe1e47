import type { SelectHTMLAttributes } from 'react';
import { useDevices } from '../lib/queries';
import { Select } from './ui/input';

/** A choice among the numbers the user may see, by name and number; the empty value stands for all of them. */
export function NumberSelect({ allLabel, ...props }: SelectHTMLAttributes<HTMLSelectElement> & { allLabel: string; 'data-testid'?: string }) {
  const devices = useDevices();
  return (
    <Select {...props}>
      <option value="">{allLabel}</option>
      {(devices.data?.devices ?? []).map((d) => (
        <option key={d.phoneNumber} value={d.phoneNumber}>
          {d.name} (+{d.phoneNumber})
        </option>
      ))}
    </Select>
  );
}
