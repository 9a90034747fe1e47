import { useQuery } from '@tanstack/react-query';
import { Badge } from '../components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '../components/ui/card';
import { ErrorText } from '../components/ui/field';
import { Table, Td, Thead } from '../components/ui/table';
import { useI18n } from '../i18n';
import { api, errorText } from '../lib/api';
import { dateTime } from '../lib/format';

interface ClusterNode {
  nodeId: string;
  advertiseUrl: string;
  capacity: number;
  gowaVersion: string;
  state: 'live' | 'draining' | 'expired';
  leaseAgeMs: number;
  numbers: { phoneNumber: string; failed: boolean }[];
}
type Cluster =
  | { mode: 'off' }
  | { mode: 'postgres'; node: string; nodes: ClusterNode[]; unowned: string[]; moves: { phoneNumber: string; fromNode: string | null; toNode: string | null; reason: string; at: string }[] };

const TONE = { live: 'green', draining: 'amber', expired: 'red' } as const;
const RECENT_MOVES = 8;

/** Distributed mode on the System page: every node with its lease and numbers, numbers nobody owns, recent moves. */
export function ClusterCard() {
  const { t, language } = useI18n();
  const cluster = useQuery({ queryKey: ['cluster'], queryFn: ({ signal }) => api<Cluster>('GET', '/cluster', { signal }), refetchInterval: 5000 });
  const c = cluster.data;
  return (
    <Card className="lg:col-span-2" data-testid="system-cluster">
      <CardHeader>
        <CardTitle>{t('system.cluster')}</CardTitle>
        {c?.mode === 'postgres' && <span className="text-sm">{t('system.clusterThisNode', { node: c.node })}</span>}
      </CardHeader>
      {cluster.error && (
        <CardContent>
          <ErrorText>{errorText(cluster.error)}</ErrorText>
        </CardContent>
      )}
      {c?.mode === 'off' && <CardContent className="text-sm">{t('system.clusterOff')}</CardContent>}
      {c?.mode === 'postgres' && (
        <>
          <Table aria-label={t('system.cluster')} data-testid="cluster-nodes">
            <Thead columns={[t('system.clusterNode'), t('system.clusterState'), t('system.clusterNumbers'), t('system.clusterLeaseAge'), t('system.clusterBinary')]} />
            <tbody>
              {c.nodes.map((n) => (
                <tr key={n.nodeId} data-testid={`cluster-node-${n.nodeId}`}>
                  <Td>
                    {n.nodeId}
                    <span className="block text-xs text-slate-700">{n.advertiseUrl}</span>
                  </Td>
                  <Td>
                    <Badge tone={TONE[n.state]}>{t(`system.clusterState.${n.state}`)}</Badge>
                  </Td>
                  <Td className="tabular-nums">
                    {n.numbers.length} / {n.capacity}
                    {n.numbers.some((x) => x.failed) && <span className="ml-2 text-red-800">{t('system.clusterFailed', { n: n.numbers.filter((x) => x.failed).length })}</span>}
                  </Td>
                  <Td className="tabular-nums">{(n.leaseAgeMs / 1000).toFixed(1)} s</Td>
                  <Td>{n.gowaVersion}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
          <CardContent className="text-sm">
            <p data-testid="cluster-unowned">{c.unowned.length === 0 ? t('system.clusterAllOwned') : t('system.clusterUnowned', { n: c.unowned.length })}</p>
            {c.moves.length > 0 && (
              <ul className="mt-2 space-y-1 text-slate-700" data-testid="cluster-moves">
                {c.moves.slice(0, RECENT_MOVES).map((m) => (
                  <li key={`${m.phoneNumber}-${m.at}-${m.reason}`}>
                    {dateTime(m.at, language)} · +{m.phoneNumber} · {m.fromNode ?? '—'} → {m.toNode ?? '—'} ({m.reason})
                  </li>
                ))}
              </ul>
            )}
          </CardContent>
        </>
      )}
    </Card>
  );
}
