import { useQuery, useQueryClient } from '@tanstack/react-query';
import { UserMinus, UserPlus } from 'lucide-react';
import { useState } from 'react';
import { useAction } from '../../components/use-action';
import { useFormSubmit } from '../../components/use-form-submit';
import { Button } from '../../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../../components/ui/card';
import { ConfirmDialog } from '../../components/ui/dialog';
import { ErrorText, Field } from '../../components/ui/field';
import { Input, Select } from '../../components/ui/input';
import { Table, Td, Thead } from '../../components/ui/table';
import { useToast } from '../../components/ui/toaster';
import { useI18n } from '../../i18n';
import { GRANT_LEVELS, type GrantLevel } from '../../lib/access';
import { api, errorText } from '../../lib/api';
import { dateTime } from '../../lib/format';

interface Grant {
  readonly userId: number;
  readonly username: string;
  readonly level: GrantLevel;
  readonly updatedAt: string;
}

function LevelSelect({ id, value, onChange, label, testId }: { id?: string; value: GrantLevel; onChange: (level: GrantLevel) => void; label?: string; testId: string }) {
  const { t } = useI18n();
  return (
    <Select id={id} value={value} onChange={(e) => onChange(e.target.value as GrantLevel)} aria-label={label} data-testid={testId}>
      {GRANT_LEVELS.map((level) => (
        <option key={level} value={level}>
          {t(`grant.${level}`)}
        </option>
      ))}
    </Select>
  );
}

/** Who else may use this number and how far (managers): add someone by user name, change a level, take it away. */
export function SharingTab({ phone }: { phone: string }) {
  const { t, language } = useI18n();
  const client = useQueryClient();
  const { busy, run } = useAction();
  const toast = useToast();
  const key = ['grants', phone];
  const grants = useQuery({ queryKey: key, queryFn: ({ signal }) => api<{ grants: Grant[] }>('GET', `/devices/${phone}/grants`, { signal }) });
  const [username, setUsername] = useState('');
  const [level, setLevel] = useState<GrantLevel>('agent');
  const [removing, setRemoving] = useState<Grant | null>(null);

  const add = useFormSubmit(
    async () => {
      const grant = await api<Grant>('POST', `/devices/${phone}/grants`, { body: { username: username.trim(), level } });
      setUsername('');
      await client.invalidateQueries({ queryKey: key });
      toast.success(t('sharing.added', { name: grant.username, level: t(`grant.${grant.level}`) }));
    },
    { stay: true },
  );

  return (
    <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
      <Card>
        <CardHeader>
          <CardTitle>{t('sharing.title')}</CardTitle>
        </CardHeader>
        {grants.error && <ErrorText padded>{errorText(grants.error)}</ErrorText>}
        <Table data-testid="grants-table" aria-label={t('sharing.title')}>
          <Thead columns={[t('signIn.username'), t('sharing.level'), t('sharing.since'), { hidden: t('numbers.col.actions') }]} />
          <tbody>
            {(grants.data?.grants ?? []).map((g) => (
              <tr key={g.userId} data-testid={`grant-${g.username}`} data-level={g.level}>
                <Td className="font-medium">{g.username}</Td>
                <Td>
                  <LevelSelect
                    value={g.level}
                    label={t('sharing.levelOf', { name: g.username })}
                    testId={`grant-level-${g.username}`}
                    onChange={(next) =>
                      void run(`level-${g.userId}`, () => api('PUT', `/devices/${phone}/grants/${g.userId}`, { body: { level: next } }), {
                        success: t('sharing.changed', { name: g.username, level: t(`grant.${next}`) }),
                        invalidate: [key],
                      })
                    }
                  />
                </Td>
                <Td className="text-xs tabular-nums">{dateTime(g.updatedAt, language)}</Td>
                <Td>
                  <Button size="sm" variant="secondary" disabled={busy !== null} onClick={() => setRemoving(g)} aria-label={t('sharing.removeOne', { name: g.username })} data-testid={`grant-remove-${g.username}`}>
                    <UserMinus aria-hidden /> {t('sharing.remove')}
                  </Button>
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
        {grants.data?.grants.length === 0 && <p className="p-4 text-sm text-slate-700" data-testid="grants-empty">{t('sharing.none')}</p>}
        <p className="p-4 text-xs text-slate-700">{t('sharing.levels')}</p>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>{t('sharing.add')}</CardTitle>
        </CardHeader>
        <CardContent>
          <form className="flex flex-col gap-3" onSubmit={add.onSubmit} data-testid="grant-form">
            <Field id="grant-username" label={t('signIn.username')}>
              <Input id="grant-username" required value={username} onChange={(e) => setUsername(e.target.value)} data-testid="grant-username" />
            </Field>
            <Field id="grant-level" label={t('sharing.level')}>
              <LevelSelect id="grant-level" value={level} onChange={setLevel} testId="grant-level" />
            </Field>
            {add.error && <ErrorText testId="grant-error">{add.error}</ErrorText>}
            <Button type="submit" className="self-start" disabled={add.busy} data-testid="grant-submit">
              <UserPlus aria-hidden /> {t('sharing.add')}
            </Button>
          </form>
        </CardContent>
      </Card>
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(on) => !on && setRemoving(null)}
        title={t('sharing.confirmRemove', { name: removing?.username ?? '' })}
        description={t('sharing.confirmRemoveText')}
        confirm={t('sharing.remove')}
        cancel={t('common.cancel')}
        onConfirm={() =>
          removing &&
          void run(`remove-${removing.userId}`, () => api('DELETE', `/devices/${phone}/grants/${removing.userId}`), { success: t('sharing.removed', { name: removing.username }), invalidate: [key] })
        }
      />
    </div>
  );
}
