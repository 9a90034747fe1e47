import { useQuery } from '@tanstack/react-query';
import { KeyRound, LogOut, UserPlus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { PageTitle } from '../components/layout';
import { useAction } from '../components/use-action';
import { useFormSubmit } from '../components/use-form-submit';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../components/ui/card';
import { ConfirmDialog, Dialog } from '../components/ui/dialog';
import { Input, Select } from '../components/ui/input';
import { ErrorText, Field } from '../components/ui/field';
import { Table, Td, Thead } from '../components/ui/table';
import { useToast } from '../components/ui/toaster';
import { useI18n } from '../i18n';
import type { GrantLevel } from '../lib/access';
import { api, errorText } from '../lib/api';
import { useUser } from '../lib/auth';
import type { Role, User } from '../lib/types';

const ROLES: readonly Role[] = ['admin', 'user', 'viewer'];
type Account = User & { readonly disabled: boolean };

function RoleSelect({ value, onChange, id, label, testId }: { value: Role; onChange: (role: Role) => void; id?: string; label?: string; testId: string }) {
  const { t } = useI18n();
  return (
    <Select id={id} value={value} onChange={(e) => onChange(e.target.value as Role)} aria-label={label} data-testid={testId}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`role.${r}`)}
        </option>
      ))}
    </Select>
  );
}

/** The numbers granted to one account (read when its row is opened). */
function Grants({ id }: { id: number }) {
  const { t } = useI18n();
  const detail = useQuery({ queryKey: ['user', id], queryFn: ({ signal }) => api<{ grants: { phoneNumber: string; level: GrantLevel }[] }>('GET', `/users/${id}`, { signal }) });
  if (detail.error) return <ErrorText>{errorText(detail.error)}</ErrorText>;
  if (!detail.data) return <span className="text-xs text-slate-700">{t('common.loading')}</span>;
  if (detail.data.grants.length === 0) return <span className="text-xs text-slate-700">{t('users.noGrants')}</span>;
  return (
    <ul className="text-xs" data-testid={`user-grants-${id}`}>
      {detail.data.grants.map((g) => (
        <li key={g.phoneNumber}>
          +{g.phoneNumber}: {t(`grant.${g.level}`)}
        </li>
      ))}
    </ul>
  );
}

function PasswordDialog({ account, onClose }: { account: Account | null; onClose: () => void }) {
  const { t } = useI18n();
  const toast = useToast();
  const [password, setPassword] = useState('');
  const form = useFormSubmit(
    async () => {
      if (!account) return;
      await api('POST', `/users/${account.id}/password`, { body: { password } });
      setPassword('');
      toast.success(t('users.resetDone', { name: account.username }));
      onClose();
    },
    { stay: true },
  );
  return (
    <Dialog open={account !== null} onOpenChange={(on) => !on && onClose()} title={t('users.resetTitle', { name: account?.username ?? '' })} description={t('users.resetText')}>
      <form className="flex flex-col gap-3" onSubmit={form.onSubmit} data-testid="password-form">
        <Field id="reset-password" label={t('users.newPassword')}>
          <Input id="reset-password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="reset-password" />
        </Field>
        {form.error && <ErrorText testId="reset-error">{form.error}</ErrorText>}
        <Button type="submit" className="self-end" disabled={form.busy} data-testid="reset-submit">
          <KeyRound aria-hidden /> {t('users.reset')}
        </Button>
      </form>
    </Dialog>
  );
}

/** Accounts (admins): roles, enabling and disabling, password resets, ending sessions, and what each was granted. */
export function UsersPage() {
  const { t } = useI18n();
  const me = useUser();
  const { busy, run } = useAction();
  const users = useQuery({ queryKey: ['users'], queryFn: ({ signal }) => api<{ users: Account[] }>('GET', '/users', { signal }) });
  const [form, setForm] = useState<{ username: string; password: string; role: Role }>({ username: '', password: '', role: 'user' });
  const [open, setOpen] = useState<number | null>(null);
  const [resetting, setResetting] = useState<Account | null>(null);
  const [ending, setEnding] = useState<Account | null>(null);

  const create = (event: FormEvent) => {
    event.preventDefault();
    void run('create', () => api<User>('POST', '/users', { body: form }), { success: (u) => t('users.created', { name: u.username }), invalidate: [['users']] }).then((u) => u && setForm({ username: '', password: '', role: 'user' }));
  };
  const patch = (account: Account, body: { role?: Role; disabled?: boolean }, success: string) =>
    void run(`patch-${account.id}`, () => api<Account>('PATCH', `/users/${account.id}`, { body }), { success, invalidate: [['users']] });

  return (
    <>
      <PageTitle title={t('users.title')} />
      <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
        <Card>
          {users.error && <ErrorText padded>{errorText(users.error)}</ErrorText>}
          <Table data-testid="users-table" aria-label={t('users.title')}>
            <Thead columns={['ID', t('signIn.username'), t('users.role'), t('users.state'), t('users.grants'), { hidden: t('numbers.col.actions') }]} />
            <tbody>
              {(users.data?.users ?? []).map((u) => (
                <tr key={u.id} data-testid={`user-${u.username}`} data-role={u.role} data-disabled={u.disabled}>
                  <Td>{u.id}</Td>
                  <Td className="font-medium">{u.username}</Td>
                  <Td>
                    <RoleSelect value={u.role} label={t('users.roleOf', { name: u.username })} testId={`user-role-${u.username}`} onChange={(role) => patch(u, { role }, t('users.roleChanged', { name: u.username, role: t(`role.${role}`) }))} />
                  </Td>
                  <Td>
                    <Badge tone={u.disabled ? 'red' : 'green'}>{u.disabled ? t('users.disabled') : t('users.enabled')}</Badge>
                  </Td>
                  <Td>
                    {u.role === 'admin' ? (
                      <span className="text-xs text-slate-700">{t('users.allNumbers')}</span>
                    ) : open === u.id ? (
                      <Grants id={u.id} />
                    ) : (
                      <Button size="sm" variant="ghost" onClick={() => setOpen(u.id)} data-testid={`user-show-grants-${u.username}`}>
                        {t('users.showGrants')}
                      </Button>
                    )}
                  </Td>
                  <Td className="whitespace-nowrap">
                    {u.id !== me.id && (
                      <Button size="sm" variant="secondary" disabled={busy !== null} onClick={() => patch(u, { disabled: !u.disabled }, t(u.disabled ? 'users.enabledDone' : 'users.disabledDone', { name: u.username }))} data-testid={`user-toggle-${u.username}`}>
                        {u.disabled ? t('users.enable') : t('users.disable')}
                      </Button>
                    )}{' '}
                    <Button size="sm" variant="secondary" onClick={() => setResetting(u)} aria-label={t('users.resetTitle', { name: u.username })} data-testid={`user-reset-${u.username}`}>
                      <KeyRound aria-hidden />
                    </Button>{' '}
                    <Button size="sm" variant="secondary" onClick={() => setEnding(u)} aria-label={t('users.endSessions', { name: u.username })} data-testid={`user-end-${u.username}`}>
                      <LogOut aria-hidden />
                    </Button>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <p className="p-4 text-xs text-slate-700">{t('users.rolesHelp')}</p>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t('users.create')}</CardTitle>
          </CardHeader>
          <CardContent>
            <form className="flex flex-col gap-3" onSubmit={create} data-testid="user-form">
              <Field id="new-username" label={t('signIn.username')}>
                <Input id="new-username" required minLength={3} value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} data-testid="user-username" />
              </Field>
              <Field id="new-password" label={t('signIn.password')}>
                <Input id="new-password" type="password" autoComplete="new-password" required minLength={8} value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} data-testid="user-password" />
              </Field>
              <Field id="new-role" label={t('users.role')}>
                <RoleSelect id="new-role" value={form.role} onChange={(role) => setForm({ ...form, role })} testId="user-role" />
              </Field>
              <Button type="submit" disabled={busy !== null} data-testid="user-submit">
                <UserPlus aria-hidden /> {t('users.create')}
              </Button>
            </form>
          </CardContent>
        </Card>
      </div>
      <PasswordDialog account={resetting} onClose={() => setResetting(null)} />
      <ConfirmDialog
        open={ending !== null}
        onOpenChange={(on) => !on && setEnding(null)}
        title={t('users.endSessions', { name: ending?.username ?? '' })}
        description={t('users.endSessionsText')}
        confirm={t('users.endConfirm')}
        cancel={t('common.cancel')}
        onConfirm={() => ending && void run(`end-${ending.id}`, () => api('DELETE', `/users/${ending.id}/sessions`), { success: t('users.ended', { name: ending.username }) })}
      />
    </>
  );
}
