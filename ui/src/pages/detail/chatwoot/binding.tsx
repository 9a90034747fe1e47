import { Unlink } from 'lucide-react';
import { useState } from 'react';
import { Fact } from '../../../components/fact';
import { useAction } from '../../../components/use-action';
import { Badge, type Tone } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../../components/ui/card';
import { ConfirmDialog } from '../../../components/ui/dialog';
import { Table, Td, Thead } from '../../../components/ui/table';
import { useI18n, type Translate } from '../../../i18n';
import type { Key } from '../../../i18n/en';
import { api } from '../../../lib/api';
import { dateTime } from '../../../lib/format';
import type { ChatwootBacklog, ChatwootBinding } from './types';

/** One word for how the binding is doing, from what the gateway reports (the same facts its health check reads). */
function health(binding: ChatwootBinding, t: Translate, language: string): { tone: Tone; text: string } {
  const { toChatwoot, toWhatsapp, pausedUntil } = binding.backlog;
  if (pausedUntil) return { tone: 'red', text: t('chatwoot.state.paused', { time: dateTime(pausedUntil, language) }) };
  if (toChatwoot.dead + toWhatsapp.dead > 0) return { tone: 'red', text: t('chatwoot.state.dead') };
  if (toChatwoot.retrying + toWhatsapp.retrying > 0) return { tone: 'amber', text: t('chatwoot.state.retrying') };
  if (binding.importPending) return { tone: 'blue', text: t('chatwoot.state.importPending') };
  return { tone: 'green', text: t('chatwoot.state.healthy') };
}

const FLAGS = ['reopenConversations', 'pendingConversations', 'signAgentName', 'ignoreGroups', 'unsignedWebhooks'] as const;

/** The number's binding: where it posts, its options, its state and its queue both ways; unbind after a confirmation. */
export function BindingCard({ binding, name, onUnbound }: { binding: ChatwootBinding; name: string; onUnbound(): void }) {
  const { t, language } = useI18n();
  const { busy, run } = useAction();
  const [confirm, setConfirm] = useState(false);
  const state = health(binding, t, language);
  const o = binding.options;
  const queueRow = (label: string, b: ChatwootBacklog, testId: string) => (
    <tr data-testid={testId}>
      <Td className="font-medium">{label}</Td>
      <Td className="tabular-nums" data-testid={`${testId}-pending`}>{b.pending}</Td>
      <Td className="tabular-nums" data-testid={`${testId}-retrying`}>{b.retrying}</Td>
      <Td className="tabular-nums" data-testid={`${testId}-dead`}>{b.dead}</Td>
      <Td className="text-xs">{dateTime(b.oldestPendingAt, language)}</Td>
    </tr>
  );
  const unbind = () =>
    void run('unbind', () => api<{ unbound: true; inboxWebhookCleared: boolean }>('DELETE', `/devices/${binding.phoneNumber}/chatwoot`), {
      success: (r) => t(r.inboxWebhookCleared ? 'chatwoot.unbound' : 'chatwoot.unboundHookKept'),
      invalidate: [['chatwoot-deliveries', binding.phoneNumber]],
    }).then((r) => r && onUnbound());

  return (
    <Card data-testid="cw-binding">
      <CardHeader>
        <CardTitle>{t('chatwoot.bindingTitle')}</CardTitle>
        <div className="flex items-center gap-2">
          <Badge tone={state.tone} data-testid="cw-health">
            {state.text}
          </Badge>
          <Button variant="destructive" size="sm" onClick={() => setConfirm(true)} disabled={busy !== null} data-testid="cw-unbind">
            <Unlink aria-hidden /> {t('chatwoot.unbind')}
          </Button>
        </div>
      </CardHeader>
      <CardContent>
        <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm md:grid-cols-3">
          <Fact label={t('chatwoot.baseUrl')}>
            <span className="font-mono text-xs" data-testid="cw-baseUrl-shown">{binding.baseUrl}</span>
          </Fact>
          <Fact label={t('chatwoot.account')}>
            <span data-testid="cw-account">{binding.accountId}</span>
          </Fact>
          <Fact label={t('chatwoot.inbox')}>
            <span data-testid="cw-inbox">{t('chatwoot.inboxOf', { name: binding.inboxName ?? '—', id: binding.inboxId })}</span>
          </Fact>
          <Fact label={t('chatwoot.webhookUrl')}>
            <span className="font-mono text-xs" data-testid="cw-webhookUrl" title={t('chatwoot.webhookUrlHelp')}>
              {binding.webhookUrl}
            </span>
          </Fact>
          <Fact label={t('chatwoot.signed')}>{binding.signedWebhooks ? t('chatwoot.yes') : t('chatwoot.no')}</Fact>
          <Fact label={t('chatwoot.since')}>{dateTime(binding.createdAt, language)}</Fact>
        </dl>
        <h3 className="mt-5 mb-2 text-sm font-semibold">{t('chatwoot.options')}</h3>
        <ul className="grid gap-1 text-sm md:grid-cols-2" data-testid="cw-options">
          {FLAGS.map((flag) => (
            <li key={flag} data-option={flag} data-on={o[flag]}>
              {o[flag] ? '✓' : '✗'} {t(`chatwoot.opt.${flag}` as Key)}
            </li>
          ))}
          <li>
            {t('chatwoot.opt.ownMessages')}: {t(`chatwoot.own.${o.ownMessages}`)}
          </li>
          <li>
            {t('chatwoot.opt.importDays')}: {o.importDays}
          </li>
          {o.ignoreChats.length > 0 && (
            <li className="md:col-span-2">
              {t('chatwoot.opt.ignoreChats')}: <span className="font-mono text-xs">{o.ignoreChats.join(', ')}</span>
            </li>
          )}
        </ul>
        <h3 className="mt-5 mb-2 text-sm font-semibold">{t('chatwoot.queue')}</h3>
        <Table aria-label={t('chatwoot.queue')} data-testid="cw-queue">
          <Thead columns={[t('chatwoot.direction'), t('chatwoot.pending'), t('chatwoot.retrying'), t('chatwoot.dead'), t('chatwoot.oldest')]} />
          <tbody>
            {queueRow(t('chatwoot.toChatwoot'), binding.backlog.toChatwoot, 'cw-queue-to-chatwoot')}
            {queueRow(t('chatwoot.toWhatsapp'), binding.backlog.toWhatsapp, 'cw-queue-to-whatsapp')}
          </tbody>
        </Table>
      </CardContent>
      <ConfirmDialog
        open={confirm}
        onOpenChange={setConfirm}
        title={t('chatwoot.confirmUnbind', { name })}
        description={t('chatwoot.confirmUnbindText')}
        confirm={t('chatwoot.unbind')}
        cancel={t('common.cancel')}
        onConfirm={unbind}
      />
    </Card>
  );
}
