/** Distributed mode's public surface (the composition root and the bench's cluster member load it from here). */
export { startClusterNode, type ClusterNode, type ClusterNodeOptions } from './cluster-node.js';
export { clusterSettings, type ClusterSettings, type ClusterTimings } from './settings.js';
export { ClusterError, isClusterError, type ClusterErrorCode } from './errors.js';
export { describeDatabaseUrl } from './redact.js';
export type { OwnershipHooks } from './ownership.js';
export type { NumberOwnership, OwnershipEvents, LossReason, ReleaseReason } from './ownership-state.js';
export type { MembershipEvents, MembershipState } from './membership.js';
export { NodeAgent, type NodeAgentDeps, type AgentNode } from './node-agent.js';
export type { ChildRunner, StoreFencing } from './agent/children.js';
export { SessionStores, type StoreCredentials, type StoreTarget } from './session-store.js';
export { readClusterView, type ClusterView, type ClusterNodeView, type ClusterNumberView, type ClusterMoveView, type NodeLeaseState } from './view.js';
export { startRouting, servedFence, HOP_LIMIT, type ClusterRouting, type ClusterRoutingOptions } from './routing/index.js';
