/**
 * Pure operations on a node's `schedule` (docs/schedules.md): which sockets can have one,
 * reading either form, and writing the string form (on) or the object form (off).
 */
import type { NodeShape } from '@/protocol/bridge';
import type { FlowEdge, FlowNode, ScheduleSpec } from '@/protocol/flow';

export interface ScheduleEntry {
  cron: string;
  enabled: boolean;
}

/**
 * The sockets that can fire on a schedule: every data socket of a Data node; a Script
 * function none of whose ports must wait for a value (no port without a default, and no
 * edge feeding one). `error` never.
 */
export function sourceSockets(node: FlowNode, shape: NodeShape | undefined, edges: FlowEdge[]): string[] {
  const sockets = (shape?.sockets ?? []).filter((s) => s !== 'error');
  if (node.type === 'data') return sockets;
  const fed = new Set(edges.filter((e) => e.to.node === node.id).map((e) => e.to.port));
  const waiting = new Set(
    (shape?.ports ?? []).filter((p) => p.required || !p.has_default || fed.has(p.name)).map((p) => p.function),
  );
  return sockets.filter((s) => !waiting.has(s));
}

/** A socket's schedule in either form, or null. */
export function readSchedule(spec: ScheduleSpec | undefined): ScheduleEntry | null {
  if (spec === undefined) return null;
  if (typeof spec === 'string') return { cron: spec, enabled: true };
  return { cron: spec.cron, enabled: spec.enabled !== false };
}

/** The spec to store: the plain string when on, `{cron, enabled: false}` when off, nothing when empty. */
export function writeSchedule(entry: ScheduleEntry): ScheduleSpec | undefined {
  const cron = entry.cron.trim();
  if (!cron) return undefined;
  return entry.enabled ? cron : { cron, enabled: false };
}

/** Set (or clear, with an empty expression) one socket's schedule on a node, in place. */
export function setSchedule(node: FlowNode, socket: string, entry: ScheduleEntry): void {
  const schedule = { ...(node.schedule ?? {}) };
  const spec = writeSchedule(entry);
  if (spec === undefined) delete schedule[socket];
  else schedule[socket] = spec;
  if (Object.keys(schedule).length) node.schedule = schedule;
  else delete node.schedule;
}

/** Whether any socket of the flow's nodes has a schedule switched on. */
export function hasActiveSchedules(nodes: FlowNode[]): boolean {
  return nodes.some((n) => Object.values(n.schedule ?? {}).some((s) => readSchedule(s)?.enabled));
}
