import { Link2 } from 'lucide-react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useToast } from '../../../components/ui/toaster';
import { Button } from '../../../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../../components/ui/card';
import { Checkbox } from '../../../components/ui/checkbox';
import { ErrorText, Field } from '../../../components/ui/field';
import { Input, Select, Textarea } from '../../../components/ui/input';
import { useI18n } from '../../../i18n';
import type { Key } from '../../../i18n/en';
import { api, ApiError, errorText } from '../../../lib/api';
import { BINDING_DEFAULTS } from '../../../../../src/domain/chatwoot';
import type { ChatwootBinding, ChatwootOptions } from './types';

type Flag = 'reopenConversations' | 'pendingConversations' | 'signAgentName' | 'ignoreGroups' | 'unsignedWebhooks';
const FLAGS: readonly Flag[] = ['reopenConversations', 'pendingConversations', 'signAgentName', 'ignoreGroups', 'unsignedWebhooks'];
/** What an untouched form sends: the bridge's own defaults. */
const DEFAULT_FLAGS = Object.fromEntries(FLAGS.map((flag) => [flag, BINDING_DEFAULTS[flag]])) as Record<Flag, boolean>;

/** The controls a field the API names belongs to (`createInbox.name` → the inbox name, `options.ignoreChats.3` → the chats). */
const CONTROLS = ['baseUrl', 'accountId', 'apiToken', 'inboxId', 'createInbox', 'webhookSecret', 'options.importDays', 'options.ignoreChats', 'options.ownMessages'] as const;
type Control = (typeof CONTROLS)[number];

function sortErrors(err: unknown): { fields: Partial<Record<Control, string>>; general: string | null } {
  if (!(err instanceof ApiError) || err.fields.length === 0) return { fields: {}, general: errorText(err) };
  const fields: Partial<Record<Control, string>> = {};
  const rest: string[] = [];
  for (const issue of err.fields) {
    const control = CONTROLS.find((c) => issue.field === c || issue.field.startsWith(`${c}.`));
    if (control) fields[control] = fields[control] ? `${fields[control]}; ${issue.message}` : issue.message;
    else rest.push(`${issue.field}: ${issue.message}`);
  }
  return { fields, general: rest.length > 0 ? rest.join('; ') : null };
}

/**
 * Binds the number to a Chatwoot inbox (PUT /api/devices/:phone/chatwoot). Every check happens in the gateway
 * against Chatwoot; a refusal is shown beside the field it names and nothing is saved. The token and the signing
 * secret are write-only: typed here, sent once, never read back.
 */
export function BindForm({ phone, defaultInboxName, onBound }: { phone: string; defaultInboxName: string; onBound(binding: ChatwootBinding): void }) {
  const { t } = useI18n();
  const toast = useToast();
  const [form, setForm] = useState({ baseUrl: '', accountId: '', apiToken: '', inboxName: defaultInboxName, inboxId: '', webhookSecret: '', importDays: String(BINDING_DEFAULTS.importDays), ignoreChats: '', ownMessages: BINDING_DEFAULTS.ownMessages as ChatwootOptions['ownMessages'] });
  const [inboxMode, setInboxMode] = useState<'create' | 'existing'>('create');
  const [flags, setFlags] = useState(DEFAULT_FLAGS);
  const [errors, setErrors] = useState<{ fields: Partial<Record<Control, string>>; general: string | null }>({ fields: {}, general: null });
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const chats = form.ignoreChats.split(/[\s,]+/).filter(Boolean);
    const body: Record<string, unknown> = {
      ...(form.baseUrl.trim() ? { baseUrl: form.baseUrl.trim() } : {}),
      ...(form.accountId ? { accountId: Number(form.accountId) } : {}),
      ...(form.apiToken ? { apiToken: form.apiToken } : {}),
      ...(inboxMode === 'create' ? { createInbox: { name: form.inboxName } } : { inboxId: Number(form.inboxId) }),
      ...(form.webhookSecret ? { webhookSecret: form.webhookSecret } : {}),
      options: { ...flags, importDays: Number(form.importDays || 0), ownMessages: form.ownMessages, ...(chats.length > 0 ? { ignoreChats: chats } : {}) },
    };
    setBusy(true);
    setErrors({ fields: {}, general: null });
    try {
      const binding = await api<ChatwootBinding>('PUT', `/devices/${phone}/chatwoot`, { body });
      const inbox = t('chatwoot.inboxOf', { name: binding.inboxName ?? '', id: binding.inboxId });
      toast.success(binding.inboxWebhookSet === false ? t('chatwoot.boundNoHook', { inbox }) : t('chatwoot.bound', { inbox }));
      // The secrets leave the page's memory with the form.
      setForm((old) => ({ ...old, apiToken: '', webhookSecret: '' }));
      onBound(binding);
    } catch (err) {
      setErrors(sortErrors(err));
    } finally {
      setBusy(false);
    }
  };

  const control = (name: Control, id: string, label: string, help: string | undefined, input: (described: string | undefined, invalid: boolean) => ReactNode) => {
    const error = errors.fields[name];
    const described = [help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
    return (
      <Field id={id} label={label} help={help} error={error}>
        {input(described, error !== undefined)}
      </Field>
    );
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t('chatwoot.bindTitle')}</CardTitle>
      </CardHeader>
      <CardContent>
        <p className="mb-4 text-sm text-slate-700">{t('chatwoot.bindIntro')}</p>
        <form className="flex flex-col gap-4" onSubmit={(e) => void submit(e)} noValidate data-testid="cw-bind-form">
          <div className="grid gap-4 md:grid-cols-2">
            {control('baseUrl', 'cw-baseUrl', t('chatwoot.baseUrl'), t('chatwoot.baseUrlHelp'), (d, invalid) => (
              <Input id="cw-baseUrl" type="url" value={form.baseUrl} onChange={set('baseUrl')} placeholder="https://chatwoot.example.com" aria-describedby={d} aria-invalid={invalid} data-testid="cw-baseUrl" />
            ))}
            {control('accountId', 'cw-accountId', t('chatwoot.accountId'), t('chatwoot.accountIdHelp'), (d, invalid) => (
              <Input id="cw-accountId" type="number" min={1} value={form.accountId} onChange={set('accountId')} placeholder="1" aria-describedby={d} aria-invalid={invalid} data-testid="cw-accountId" />
            ))}
            {control('apiToken', 'cw-apiToken', t('chatwoot.apiToken'), t('chatwoot.apiTokenHelp'), (d, invalid) => (
              <Input id="cw-apiToken" type="password" autoComplete="off" spellCheck={false} value={form.apiToken} onChange={set('apiToken')} aria-describedby={d} aria-invalid={invalid} data-testid="cw-apiToken" />
            ))}
            {control('webhookSecret', 'cw-webhookSecret', t('chatwoot.webhookSecret'), t('chatwoot.webhookSecretHelp'), (d, invalid) => (
              <Input id="cw-webhookSecret" type="password" autoComplete="off" spellCheck={false} value={form.webhookSecret} onChange={set('webhookSecret')} aria-describedby={d} aria-invalid={invalid} data-testid="cw-webhookSecret" />
            ))}
          </div>
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-1 text-sm font-medium">{t('chatwoot.inbox')}</legend>
            {(['create', 'existing'] as const).map((mode) => (
              <label key={mode} className="flex items-center gap-2 text-sm">
                <input type="radio" name="cw-inbox-mode" value={mode} checked={inboxMode === mode} onChange={() => setInboxMode(mode)} className="accent-emerald-700" data-testid={`cw-inbox-${mode}`} />
                {t(mode === 'create' ? 'chatwoot.createInbox' : 'chatwoot.existingInbox')}
              </label>
            ))}
            <div className="max-w-md pl-6">
              {inboxMode === 'create'
                ? control('createInbox', 'cw-inboxName', t('chatwoot.inboxName'), undefined, (d, invalid) => (
                    <Input id="cw-inboxName" value={form.inboxName} onChange={set('inboxName')} maxLength={100} aria-describedby={d} aria-invalid={invalid} data-testid="cw-inboxName" />
                  ))
                : control('inboxId', 'cw-inboxId', t('chatwoot.inboxId'), t('chatwoot.inboxIdHelp'), (d, invalid) => (
                    <Input id="cw-inboxId" type="number" min={1} value={form.inboxId} onChange={set('inboxId')} aria-describedby={d} aria-invalid={invalid} data-testid="cw-inboxId" />
                  ))}
            </div>
          </fieldset>
          <fieldset className="flex flex-col gap-2">
            <legend className="mb-1 text-sm font-medium">{t('chatwoot.options')}</legend>
            {FLAGS.map((flag) => (
              <label key={flag} className="flex items-center gap-2 text-sm">
                <Checkbox checked={flags[flag]} onCheckedChange={(on) => setFlags({ ...flags, [flag]: on === true })} data-testid={`cw-opt-${flag}`} />
                {t(`chatwoot.opt.${flag}` as Key)}
              </label>
            ))}
            <div className="mt-2 grid gap-4 md:grid-cols-2">
              {control('options.importDays', 'cw-importDays', t('chatwoot.opt.importDays'), undefined, (d, invalid) => (
                <Input id="cw-importDays" type="number" min={0} max={365} value={form.importDays} onChange={set('importDays')} aria-describedby={d} aria-invalid={invalid} data-testid="cw-importDays" />
              ))}
              {control('options.ownMessages', 'cw-ownMessages', t('chatwoot.opt.ownMessages'), undefined, (d) => (
                <Select id="cw-ownMessages" value={form.ownMessages} onChange={(e) => setForm({ ...form, ownMessages: e.target.value as ChatwootOptions['ownMessages'] })} aria-describedby={d}>
                  {(['outgoing', 'private_note'] as const).map((own) => (
                    <option key={own} value={own}>
                      {t(`chatwoot.own.${own}`)}
                    </option>
                  ))}
                </Select>
              ))}
            </div>
            {control('options.ignoreChats', 'cw-ignoreChats', t('chatwoot.opt.ignoreChats'), t('chatwoot.opt.ignoreChatsHelp'), (d, invalid) => (
              <Textarea id="cw-ignoreChats" rows={2} value={form.ignoreChats} onChange={set('ignoreChats')} aria-describedby={d} aria-invalid={invalid} data-testid="cw-ignoreChats" />
            ))}
          </fieldset>
          {errors.general && <ErrorText testId="cw-bind-error">{t('chatwoot.formError', { error: errors.general })}</ErrorText>}
          <Button type="submit" className="self-start" disabled={busy} data-testid="cw-bind">
            <Link2 aria-hidden /> {busy ? t('common.working') : t('chatwoot.bind')}
          </Button>
        </form>
      </CardContent>
    </Card>
  );
}
