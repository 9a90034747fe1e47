import { useQuery } from '@tanstack/react-query';
import { UserPlus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { PageTitle } from '../components/layout';
import { useAction } from '../components/use-action';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '../components/ui/card';
import { Input, Select } from '../components/ui/input';
import { ErrorText, Field } from '../components/ui/field';
import { Table, Td, Thead } from '../components/ui/table';
import { useT } from '../i18n';
import { api, errorText } from '../lib/api';
import type { Role, User } from '../lib/types';

/** Accounts as today's API has them (admin: list and create; roles admin and user). */
export function UsersPage() {
  const t = useT();
  const { busy, run } = useAction();
  const users = useQuery({ queryKey: ['users'], queryFn: ({ signal }) => api<{ users: User[] }>('GET', '/users', { signal }) });
  const [form, setForm] = useState<{ username: string; password: string; role: Role }>({ username: '', password: '', role: 'user' });

  const create = (event: FormEvent) => {
    event.preventDefault();
    void run('create', () => api<User>('POST', '/users', { body: form }), { success: (u) => t('users.created', { name: u.username }), invalidate: [['users']] }).then((u) => u && setForm({ username: '', password: '', role: 'user' }));
  };

  return (
    <>
      <PageTitle title={t('users.title')} />
      <div className="grid gap-4 lg:grid-cols-[2fr_1fr]">
        <Card>
          {users.error && <ErrorText padded>{errorText(users.error)}</ErrorText>}
          <Table data-testid="users-table" aria-label={t('users.title')}>
            <Thead columns={['ID', t('signIn.username'), t('users.role')]} />
            <tbody>
              {(users.data?.users ?? []).map((u) => (
                <tr key={u.id} data-testid={`user-${u.username}`}>
                  <Td>{u.id}</Td>
                  <Td className="font-medium">{u.username}</Td>
                  <Td>
                    <Badge tone={u.role === 'admin' ? 'blue' : 'slate'}>{t(`role.${u.role}`)}</Badge>
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
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
                <Select id="new-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })} data-testid="user-role">
                  <option value="user">{t('role.user')}</option>
                  <option value="admin">{t('role.admin')}</option>
                </Select>
              </Field>
              <Button type="submit" disabled={busy !== null} data-testid="user-submit">
                <UserPlus aria-hidden /> {t('users.create')}
              </Button>
            </form>
          </CardContent>
        </Card>
      </div>
    </>
  );
}
