import { KeyRound } from 'lucide-react';
import { useState } from 'react';
import { useFormSubmit } from '../../components/use-form-submit';
import { Button } from '../../components/ui/button';
import { Checkbox } from '../../components/ui/checkbox';
import { ErrorText, Field } from '../../components/ui/field';
import { Input, Select } from '../../components/ui/input';
import { useI18n } from '../../i18n';
import type { Key } from '../../i18n/en';
import { KEY_SCOPES, useAccess, type Scope } from '../../lib/access';
import { api } from '../../lib/api';
import { useUser } from '../../lib/auth';
import { useDevices } from '../../lib/queries';
import { PRESETS, type IssuedKey, type Preset } from './types';

/**
 * A new key: a preset or chosen scopes (only those the user holds), every number or some, an expiry (required
 * below admin, as the API insists) and an optional address allow-list.
 */
export function CreateKeyForm({ onCreated }: { onCreated: (key: IssuedKey) => void }) {
  const { t } = useI18n();
  const user = useUser();
  const access = useAccess();
  const devices = useDevices();
  const [name, setName] = useState('');
  const [preset, setPreset] = useState<Preset | ''>('integration-send');
  const [scopes, setScopes] = useState<Set<Scope>>(new Set());
  const [allNumbers, setAllNumbers] = useState(true);
  const [numbers, setNumbers] = useState<Set<string>>(new Set());
  const [days, setDays] = useState('90');
  const [cidrs, setCidrs] = useState('');
  const held = KEY_SCOPES.filter((s) => access.can(s));

  const reset = () => {
    setName('');
    setScopes(new Set());
    setNumbers(new Set());
    setAllNumbers(true);
    setCidrs('');
  };
  const form = useFormSubmit(async () => {
    const body: Record<string, unknown> = {
      name: name.trim(),
      ...(preset ? { preset } : { scopes: [...scopes] }),
      numbers: allNumbers ? '*' : [...numbers],
      ...(days.trim() === '' ? { expiresAt: null } : { expiresInDays: Number(days) }),
      ...(cidrs.trim() ? { allowedCidrs: cidrs.split(',').map((c) => c.trim()).filter(Boolean) } : {}),
    };
    const created = await api<IssuedKey>('POST', '/keys', { body });
    reset();
    onCreated(created);
  }, { stay: true });
  const toggle = <T,>(set: Set<T>, value: T, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(value);
    else next.delete(value);
    return next;
  };

  return (
    <form className="flex flex-col gap-3" onSubmit={form.onSubmit} data-testid="key-form">
      <Field id="key-name" label={t('keys.name')}>
        <Input id="key-name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="crm-sender" data-testid="key-name" />
      </Field>
      <Field id="key-preset" label={t('keys.preset')}>
        <Select id="key-preset" value={preset} onChange={(e) => setPreset(e.target.value as Preset | '')} data-testid="key-preset">
          {(Object.keys(PRESETS) as Preset[]).map((p) => (
            <option key={p} value={p}>
              {t(`keys.preset.${p}` as Key)}
            </option>
          ))}
          <option value="">{t('keys.presetCustom')}</option>
        </Select>
      </Field>
      {preset ? (
        <p className="text-xs text-slate-700" data-testid="key-preset-scopes">
          {PRESETS[preset].join(', ')}
        </p>
      ) : (
        <fieldset className="flex flex-col gap-1" data-testid="key-scopes">
          <legend className="mb-1 text-sm font-medium">{t('keys.scopes')}</legend>
          {held.map((s) => (
            <label key={s} className="flex items-center gap-2 text-sm">
              <Checkbox checked={scopes.has(s)} onCheckedChange={(on) => setScopes(toggle(scopes, s, on === true))} data-testid={`key-scope-${s}`} />
              <span className="font-mono text-xs">{s}</span>
            </label>
          ))}
        </fieldset>
      )}
      <fieldset className="flex flex-col gap-1">
        <legend className="mb-1 text-sm font-medium">{t('keys.numbers')}</legend>
        <label className="flex items-center gap-2 text-sm">
          <Checkbox checked={allNumbers} onCheckedChange={(on) => setAllNumbers(on === true)} data-testid="key-all-numbers" />
          {t('keys.allNumbers')}
        </label>
        {!allNumbers &&
          (devices.data?.devices ?? []).map((d) => (
            <label key={d.phoneNumber} className="flex items-center gap-2 pl-6 text-sm">
              <Checkbox checked={numbers.has(d.phoneNumber)} onCheckedChange={(on) => setNumbers(toggle(numbers, d.phoneNumber, on === true))} data-testid={`key-number-${d.phoneNumber}`} />
              {d.name} (+{d.phoneNumber})
            </label>
          ))}
      </fieldset>
      <Field id="key-days" label={t('keys.expiresInDays')} help={user.role === 'admin' ? t('keys.expiryHelpAdmin') : t('keys.expiryHelp')}>
        <Input id="key-days" type="number" min={1} max={3650} required={user.role !== 'admin'} value={days} onChange={(e) => setDays(e.target.value)} aria-describedby="key-days-help" data-testid="key-days" />
      </Field>
      <Field id="key-cidrs" label={t('keys.cidrs')} help={t('keys.cidrsHelp')}>
        <Input id="key-cidrs" value={cidrs} onChange={(e) => setCidrs(e.target.value)} placeholder="203.0.113.0/24, 2001:db8::/32" aria-describedby="key-cidrs-help" data-testid="key-cidrs" />
      </Field>
      {form.error && <ErrorText testId="key-form-error">{form.error}</ErrorText>}
      <Button type="submit" className="self-start" disabled={form.busy} data-testid="key-create">
        <KeyRound aria-hidden /> {t('keys.create')}
      </Button>
    </form>
  );
}
