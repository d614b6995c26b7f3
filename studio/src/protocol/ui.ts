/**
 * The studio's canvas data, kept under a flow's `ui`: positions, viewport, notes, groups
 * and how each socket's values are shown. The engine ignores `ui` and keeps it as it is
 * (the schema says only "an object"), so this part of the format is the studio's own,
 * written here; the rest of the flow document is generated from the schema (flow.ts).
 */

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
