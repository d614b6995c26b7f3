/**
 * Flow file format v1 (py/headrace/schema/flow-v1.schema.json): flat, versioned, with
 * canvas-only data under `ui`, which the engine ignores and round-trips.
 */

export const FLOW_FORMAT_VERSION = 1;

export type NodeType = 'data' | 'script';

export interface PortSettings {
  sticky?: boolean;
}

/** A socket's schedule: a cron expression, or the object form that can switch it off. */
export type ScheduleSpec = string | { cron: string; enabled?: boolean };

export type MisfirePolicy = 'coalesce' | 'skip';

export interface FlowNode {
  id: string;
  type: NodeType;
  name: string;
  code: string;
  /** Sockets to expose; absent means all. */
  sockets?: string[];
  /** `{socket: cron}`, or `{socket: {cron, enabled: false}}` for a schedule switched off (docs/schedules.md). */
  schedule?: Record<string, ScheduleSpec>;
  /** `{"<function>.<param>": {sticky: true}}` */
  ports?: Record<string, PortSettings>;
  /** Seconds one call (generator step, data node run) may take; wins over the flow's. */
  time_limit?: number;
}

export interface FlowEdge {
  id?: string;
  from: { node: string; socket: string };
  to: { node: string; port: string };
}

export interface Point {
  x: number;
  y: number;
}

/** A free-text label on the canvas; lives in `ui` only, the engine never sees it. */
export interface Note {
  id: string;
  text: string;
  x: number;
  y: number;
}

/** A labelled, coloured frame around nodes and notes (studio/src/flow/groups.ts); `ui` only. */
export interface Group {
  id: string;
  label: string;
  /** A CSS colour (#rrggbb). */
  color: string;
  /** Ids of the nodes and notes in it; an item is in one group at most. */
  items: string[];
  /** Drawn as one box standing for its members. */
  collapsed?: boolean;
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** Canvas data. Free-form for the engine; the studio writes these keys. */
export interface FlowUi {
  nodes?: Record<string, Point>;
  notes?: Note[];
  groups?: Group[];
  viewport?: Viewport;
  /** How a node's Results show a socket (`ui.views.NODE.SOCKET`): its values as a list, or a chart of a kind. */
  views?: Record<string, Record<string, SocketView>>;
  [key: string]: unknown;
}

export type SocketView = 'list' | 'line' | 'scatter' | 'bar';

export interface FlowDocument {
  headrace: 1;
  name: string;
  description?: string;
  /** Optional in the format: a flow without it has none. */
  requirements?: string[];
  /** IANA zone the flow's schedules are read in; absent: the zone of whoever runs it. */
  timezone?: string;
  /** What a schedule does when several slots came due at once (default `coalesce`). */
  misfire?: MisfirePolicy;
  /** Seconds one call of any node may take (a node's own `time_limit` wins); absent: no limit. */
  time_limit?: number;
  /** Values one input port may hold while its function waits; absent: 10000. Overflowing fails the run. */
  queue_limit?: number;
  nodes: FlowNode[];
  edges: FlowEdge[];
  ui?: FlowUi;
  [key: string]: unknown;
}
