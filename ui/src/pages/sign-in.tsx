import { LogIn } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { LanguageSelect } from '../components/layout';
import { Button } from '../components/ui/button';
import { Card, CardContent } from '../components/ui/card';
import { Input } from '../components/ui/input';
import { Label } from '../components/ui/label';
import { useT } from '../i18n';
import { errorText } from '../lib/api';
import { useAuth } from '../lib/auth';

export function SignInPage({ reason }: { reason: string | null }) {
  const t = useT();
  const auth = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await auth.signIn(username, password);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm">
        <div className="mb-4 flex items-center justify-between">
          <h1 className="text-xl font-semibold text-emerald-900">WhatsApp Multi-Platform</h1>
          <LanguageSelect />
        </div>
        <Card>
          <CardContent>
            <form onSubmit={(e) => void submit(e)} className="flex flex-col gap-4" data-testid="sign-in-form">
              <h2 className="text-lg font-semibold">{t('signIn.title')}</h2>
              {reason && (
                <p className="rounded-md bg-amber-50 p-2 text-sm text-amber-900" role="status">
                  {reason}
                </p>
              )}
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="username">{t('signIn.username')}</Label>
                <Input id="username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} data-testid="sign-in-username" />
              </div>
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="password">{t('signIn.password')}</Label>
                <Input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="sign-in-password" />
              </div>
              {error && (
                <p className="text-sm text-red-800" role="alert" data-testid="sign-in-error">
                  {error}
                </p>
              )}
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
