import { useQuery } from '@tanstack/react-query';
import { Ban, RefreshCw } from 'lucide-react';
import { useState } from 'react';
import { PageTitle } from '../../components/layout';
import { useAction } from '../../components/use-action';
import { Badge, type Tone } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../components/ui/card';
import { ConfirmDialog } from '../../components/ui/dialog';
import { ErrorText } from '../../components/ui/field';
import { Table, Td, Thead } from '../../components/ui/table';
import { useI18n } from '../../i18n';
import { api, errorText } from '../../lib/api';
import { useUser } from '../../lib/auth';
import { dateTime } from '../../lib/format';
import { CreateKeyForm } from './create-form';
import { SecretDialog } from './secret-dialog';
import type { ApiKey, IssuedKey } from './types';

const STATUS_TONE: Record<ApiKey['status'], Tone> = { active: 'green', expired: 'amber', revoked: 'red' };

/** API keys: your own (admins: everyone's); create one and see its secret once, rotate, revoke. */
export default function KeysPage() {
  const { t, language } = useI18n();
  const user = useUser();
  const { busy, run } = useAction();
  const keys = useQuery({ queryKey: ['keys'], queryFn: ({ signal }) => api<{ keys: ApiKey[] }>('GET', '/keys', { signal }) });
  const [issued, setIssued] = useState<IssuedKey | null>(null);
  const [confirm, setConfirm] = useState<{ action: 'revoke' | 'rotate'; key: ApiKey } | null>(null);
  const admin = user.role === 'admin';

  const act = (action: 'revoke' | 'rotate', key: ApiKey) =>
    void run(
      `${action}-${key.id}`,
      async () => {
        if (action === 'revoke') return api<ApiKey>('DELETE', `/keys/${key.id}`);
        const rotated = await api<IssuedKey>('POST', `/keys/${key.id}/rotate`, { body: {} });
        setIssued(rotated);
        return rotated;
      },
      { success: t(action === 'revoke' ? 'keys.revoked' : 'keys.rotated', { name: key.name }), invalidate: [['keys']] },
    );

  return (
    <>
      <PageTitle title={t('keys.title')} />
      <div className="flex flex-col gap-4">
        <Card className="min-w-0">
          {keys.error && <ErrorText padded>{errorText(keys.error)}</ErrorText>}
          <Table data-testid="keys-table" aria-label={t('keys.title')}>
            <Thead
              columns={[
                t('keys.name'),
                t('keys.key'),
                ...(admin ? [t('keys.owner')] : []),
                t('keys.scopes'),
                t('keys.numbers'),
                t('keys.expires'),
                t('keys.lastUsed'),
                t('keys.status'),
                { hidden: t('numbers.col.actions') },
              ]}
            />
            <tbody>
              {(keys.data?.keys ?? []).map((k) => (
                <tr key={k.id} data-testid={`key-${k.id}`} data-status={k.status}>
                  <Td className="font-medium">{k.name}</Td>
                  <Td className="whitespace-nowrap font-mono text-xs" data-testid={`key-hint-${k.id}`}>
                    {k.hint}
                  </Td>
                  {admin && <Td>{k.owner}</Td>}
                  <Td className="max-w-56 text-xs">
                    <span className="line-clamp-2" title={k.scopes.join(', ')}>
                      {k.scopes.join(', ')}
                    </span>
                  </Td>
                  <Td className="text-xs">{k.numbers === '*' ? t('keys.allNumbers') : k.numbers.map((n) => `+${n}`).join(', ')}</Td>
                  <Td className="whitespace-nowrap text-xs tabular-nums">{k.expiresAt ? dateTime(k.expiresAt, language) : t('keys.never')}</Td>
                  <Td className="whitespace-nowrap text-xs tabular-nums">
                    {k.lastUsedAt ? `${dateTime(k.lastUsedAt, language)}${k.lastUsedIp ? ` (${k.lastUsedIp})` : ''}` : t('keys.neverUsed')}
                  </Td>
                  <Td>
                    <Badge tone={STATUS_TONE[k.status]} data-testid={`key-status-${k.id}`}>
                      {t(`keys.status.${k.status}`)}
                    </Badge>
                    {k.previousSecretValidUntil && <div className="mt-1 text-xs text-slate-700">{t('keys.graceUntil', { at: dateTime(k.previousSecretValidUntil, language) })}</div>}
                  </Td>
                  <Td className="whitespace-nowrap">
                    {k.status !== 'revoked' && (
                      <>
                        <Button size="sm" variant="secondary" disabled={busy !== null} onClick={() => setConfirm({ action: 'rotate', key: k })} aria-label={t('keys.rotateOne', { name: k.name })} data-testid={`key-rotate-${k.id}`}>
                          <RefreshCw aria-hidden /> {t('keys.rotate')}
                        </Button>{' '}
                        <Button size="sm" variant="destructive" disabled={busy !== null} onClick={() => setConfirm({ action: 'revoke', key: k })} aria-label={t('keys.revokeOne', { name: k.name })} data-testid={`key-revoke-${k.id}`}>
                          <Ban aria-hidden /> {t('keys.revoke')}
                        </Button>
                      </>
                    )}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          {keys.data?.keys.length === 0 && (
            <p className="p-4 text-sm text-slate-700" data-testid="keys-empty">
              {t('keys.none')}
            </p>
          )}
        </Card>
        <Card className="max-w-xl">
          <CardHeader>
            <CardTitle>{t('keys.create')}</CardTitle>
          </CardHeader>
          <CardContent>
            <CreateKeyForm
              onCreated={(key) => {
                setIssued(key);
                void keys.refetch();
              }}
            />
          </CardContent>
        </Card>
      </div>
      <SecretDialog issued={issued} onClose={() => setIssued(null)} />
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(on) => !on && setConfirm(null)}
        title={confirm ? t(confirm.action === 'revoke' ? 'keys.confirmRevoke' : 'keys.confirmRotate', { name: confirm.key.name }) : ''}
        description={confirm?.action === 'revoke' ? t('keys.confirmRevokeText') : t('keys.confirmRotateText')}
        confirm={confirm?.action === 'revoke' ? t('keys.revoke') : t('keys.rotate')}
        cancel={t('common.cancel')}
        destructive={confirm?.action === 'revoke'}
        onConfirm={() => confirm && act(confirm.action, confirm.key)}
      />
    </>
  );
}
