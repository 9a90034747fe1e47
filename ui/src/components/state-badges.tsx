import { useT } from '../i18n';
import type { Key } from '../i18n/en';
import type { DeviceState, SessionState } from '../lib/types';
import { Badge, type Tone } from './ui/badge';

const STATE_TONE: Record<DeviceState, Tone> = { running: 'green', starting: 'blue', stopping: 'blue', backoff: 'amber', failed: 'red', replaced: 'amber', stopped: 'slate' };
const SESSION_TONE: Record<SessionState, Tone> = { logged_in: 'green', not_logged_in: 'amber', logged_out: 'red', unknown: 'slate' };

export function StateBadge({ state, testId }: { state: DeviceState; testId?: string }) {
  const t = useT();
  return (
    <Badge tone={STATE_TONE[state]} data-testid={testId} data-state={state}>
      {t(`state.${state}` as Key)}
    </Badge>
  );
}

export function SessionBadge({ session, testId }: { session: SessionState; testId?: string }) {
  const t = useT();
  return (
    <Badge tone={SESSION_TONE[session]} data-testid={testId} data-session={session}>
      {t(`session.${session}` as Key)}
    </Badge>
  );
}
