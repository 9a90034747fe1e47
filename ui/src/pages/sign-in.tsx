import { LogIn } from 'lucide-react';
import { useState } from 'react';
import { LanguageSelect } from '../components/layout';
import { useFormSubmit } from '../components/use-form-submit';
import { Button } from '../components/ui/button';
import { Card, CardContent } from '../components/ui/card';
import { Input } from '../components/ui/input';
import { ErrorText, Field } from '../components/ui/field';
import { useT } from '../i18n';
import { useAuth } from '../lib/auth';

export function SignInPage({ reason }: { reason: string | null }) {
  const t = useT();
  const auth = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, onSubmit } = useFormSubmit(() => auth.signIn(username, password));

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm">
        <div className="mb-4 flex items-center justify-between">
          <h1 className="text-xl font-semibold text-emerald-900">WhatsApp Multi-Platform</h1>
          <LanguageSelect />
        </div>
        <Card>
          <CardContent>
            <form onSubmit={onSubmit} className="flex flex-col gap-4" data-testid="sign-in-form">
              <h2 className="text-lg font-semibold">{t('signIn.title')}</h2>
              {reason && (
                <p className="rounded-md bg-amber-50 p-2 text-sm text-amber-900" role="status">
                  {reason}
                </p>
              )}
              <Field id="username" label={t('signIn.username')}>
                <Input id="username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} data-testid="sign-in-username" />
              </Field>
              <Field id="password" label={t('signIn.password')}>
                <Input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="sign-in-password" />
              </Field>
              {error && <ErrorText testId="sign-in-error">{error}</ErrorText>}
              <Button type="submit" disabled={busy} data-testid="sign-in-submit">
                <LogIn aria-hidden /> {t('signIn.submit')}
              </Button>
            </form>
          </CardContent>
        </Card>
      </div>
    </main>
  );
}
