/**
 * The open flows (tabs) and every edit to them. Each edit runs through `edit()`, which
 * records its patches in the history store, so every change is undoable.
 */
import { defineStore } from 'pinia';
import { computed, ref, toRaw } from 'vue';
import { notice } from '@/app/notices';
import {
  checkConnection,
  edgeKey,
  exposedPorts,
  exposedSockets,
  emptyFlow,
  ensureUi,
  extractFragment,
  freshId,
  layoutMissing,
  pasteFragment,
  removeItems,
  type Check,
  type Fragment,
} from '@/flow/model';
import { problemText } from '@/flow/errorText';
import { groupsWithin, makeGroup, ungroup, type Rect } from '@/flow/groups';
import { noteSize, pasteOffset } from '@/flow/pastePlace';
import { estimateBox } from '@/canvas/layout/nodeBox';
import { setSchedule as writeSchedule, type ScheduleEntry } from '@/flow/schedule';
import { applyInPlace, recordChange, type Change, type Patch } from '@/history/patches';
import type { SaveState } from '@/persistence/saveState';
import type { NodeShape } from '@/protocol/bridge';
import type { FlowDocument, FlowEdge, FlowNode, Group, MisfirePolicy, NodeType, Note, Point, SocketView, Viewport } from '@/protocol/flow';
import { useEngineStore } from './engine';
import { useHistoryStore, type HistoryEntry } from './history';
import { preset, usePaletteStore } from './palette';

export type { SaveState };

export interface OpenFlow {
  /** Tab identity (not the flow's name, which the user may change). */
  key: string;
  doc: FlowDocument;
  /** The stored version this tab's document is based on (none: never saved). */
  savedVersion?: number;
  save: { state: SaveState; message?: string };
  /**
   * Counts the changes made to `doc` (each goes through this store, which bumps it):
   * autosave watches this number, not the document — serialising every open flow on each
   * change cost a frame at a few thousand nodes.
   */
  revision: number;
}

const INSPECT_DELAY_MS = 300;

function newKey(): string {
  return `f-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export const useFlowsStore = defineStore('flows', () => {
  const engine = useEngineStore();
  const history = useHistoryStore();
  const palette = usePaletteStore();

  const open = ref<OpenFlow[]>([]);
  const activeKey = ref<string | null>(null);
  /** Selected node and note ids on the active canvas. */
  const selection = ref<string[]>([]);
  const selectedEdge = ref<string | null>(null);
  /** The node whose editor is open. */
  const editing = ref<string | null>(null);
  const clipboard = ref<Fragment | null>(null);
  /**
   * Items the canvas is asked to bring into view (a paste that landed off screen, a node
   * named in Messages); `seq` tells one request from the next for the same items.
   */
  const revealing = ref<{ ids: string[]; seq: number } | null>(null);
  /** A drag under way: its tab, and where each item it moved started. */
  let gesture: { key: string; start: Map<string, Point> } | null = null;
  const inspectTimers = new Map<string, ReturnType<typeof setTimeout>>();

  const active = computed(() => open.value.find((f) => f.key === activeKey.value) ?? null);
  const doc = computed(() => active.value?.doc ?? null);

  function find(key: string): OpenFlow | undefined {
    return open.value.find((f) => f.key === key);
  }

  // ---- tabs -------------------------------------------------------------------------

  function activate(key: string): void {
    activeKey.value = key;
    history.activeKey = key;
    selection.value = [];
    selectedEdge.value = null;
    editing.value = null;
  }

  /**
   * Open a document in a new tab (a copy); returns the tab key. Never runs its code.
   * `savedVersion`: the stored version it was read from, when it comes from storage.
   */
  function openDocument(document: FlowDocument, key = newKey(), savedVersion?: number): string {
    const copy = clone(document);
    layoutMissing(copy);
    open.value.push({ key, doc: copy, savedVersion, save: { state: savedVersion === undefined ? 'new' : 'saved' }, revision: 0 });
    activate(key);
    void refreshShapes(key);
    return key;
  }

  function newFlow(): string {
    const names = new Set(open.value.map((f) => f.doc.name));
    let n = 1;
    while (names.has(`Untitled ${n}`)) n++;
    return openDocument(emptyFlow(`Untitled ${n}`));
  }

  /** Replace a tab's document with a stored version (another tab's, in a conflict); not undoable. */
  function replaceFromStorage(key: string, document: FlowDocument, version: number): void {
    const flow = find(key);
    if (!flow) return;
    const copy = clone(document);
    layoutMissing(copy);
    flow.doc = copy;
    flow.savedVersion = version;
    flow.save = { state: 'saved' };
    history.forget(key);
    void refreshShapes(key);
  }

  function close(key: string): void {
    const index = open.value.findIndex((f) => f.key === key);
    if (index < 0) return;
    open.value.splice(index, 1);
    history.forget(key);
    if (activeKey.value === key) {
      const next = open.value[Math.min(index, open.value.length - 1)];
      if (next) activate(next.key);
      else activeKey.value = null;
    }
  }

  function duplicate(key: string): string | null {
    const flow = find(key);
    if (!flow) return null;
    return openDocument({ ...clone(flow.doc), name: `${flow.doc.name} copy` });
  }

  // ---- the one way to change a document ----------------------------------------------

  /**
   * Apply `mutate` to tab `flow`'s document as one undoable edit. It runs on a draft
   * (history/patches.ts), and what it changed is then written into the live document:
   * an edit costs what it changes, whatever the flow's size.
   */
  function commit(flow: OpenFlow, label: string, mutate: (doc: FlowDocument) => void, mergeKey?: string): void {
    const change = recordChange(toRaw(flow.doc), mutate);
    if (change.redo.length === 0) return;
    applyInPlace(flow.doc, change.redo);
    flow.revision++;
    history.record(flow.key, { label, ...change, mergeKey });
  }

  /** Apply `mutate` to the active document as one undoable edit. */
  function edit(label: string, mutate: (doc: FlowDocument) => void, mergeKey?: string): void {
    const flow = active.value;
    if (flow) commit(flow, label, mutate, mergeKey);
  }

  /** Start a gesture (a drag): moves until `endGesture` become one edit. */
  function beginGesture(): void {
    if (active.value) gesture = { key: active.value.key, start: new Map() };
  }

  /** During a gesture, where an item was before it first moved. */
  function noteStart(flow: OpenFlow, id: string, at: Point): void {
    if (gesture && gesture.key === flow.key && !gesture.start.has(id)) gesture.start.set(id, { x: at.x, y: at.y });
  }

  /** The gesture's one edit: each moved item from where it started to where it is. */
  function endGesture(label: string): void {
    if (!gesture) return;
    const flow = find(gesture.key);
    const started = gesture.start;
    gesture = null;
    if (!flow) return;
    const d = toRaw(flow.doc);
    const change: Change = { redo: [], undo: [] };
    for (const [id, from] of started) {
      const pos = d.ui?.nodes?.[id];
      const noteIndex = pos ? -1 : (d.ui?.notes ?? []).findIndex((n) => n.id === id);
      const to = pos ?? d.ui?.notes?.[noteIndex];
      if (!to || (to.x === from.x && to.y === from.y)) continue;
      const path = pos ? ['ui', 'nodes', id] : ['ui', 'notes', noteIndex];
      const now = pos ? { x: to.x, y: to.y } : { ...d.ui!.notes![noteIndex]! };
      change.redo.push({ op: 'replace', path, value: now });
      change.undo.push({ op: 'replace', path, value: { ...now, x: from.x, y: from.y } });
    }
    if (change.redo.length === 0) return;
    flow.revision++;
    history.record(flow.key, { label, ...change });
  }

  /**
   * The nodes whose shape patches just applied may have changed (their code, their
   * sockets list, or the node itself), to re-read only those: all, if the list was replaced.
   */
  function nodesTouched(flow: OpenFlow, patches: readonly Patch[]): string[] {
    const nodes = toRaw(flow.doc).nodes;
    const ids = new Set<string>();
    for (const { path } of patches) {
      if (path[0] !== 'nodes') continue;
      if (path.length === 1) return nodes.map((n) => n.id);
      const node = nodes[Number(path[1])];
      if (node) ids.add(node.id);
    }
    return [...ids];
  }

  /** Undo or redo one step: write its patches in, and re-read the nodes they touch. */
  function replay(pop: (key: string) => HistoryEntry | undefined, side: 'undo' | 'redo'): void {
    const flow = active.value;
    const entry = flow && pop(flow.key);
    if (!flow || !entry) return;
    applyInPlace(flow.doc, entry[side]);
    flow.revision++;
    void refreshShapesOf(flow.key, nodesTouched(flow, entry[side]));
  }

  const undo = (): void => replay(history.popUndo, 'undo');
  const redo = (): void => replay(history.popRedo, 'redo');

  // ---- shapes (sockets and ports derived from code by the engine) -------------------

  /**
   * Each node's last shape the engine could read, per document: while code is being typed
   * (no shape yet) or does not parse, the node keeps its ports and sockets, so its edges
   * stay drawn and its card does not jump. The edges go only once the new code is read
   * and lacks them (refreshShape, with a notice).
   */
  const lastShapes = new WeakMap<FlowDocument, Map<string, NodeShape>>();

  /** The node's shape: from its code, else its last known one (see lastShapes). */
  function shapeOf(node: FlowNode): NodeShape | undefined {
    const entry = engine.cachedShape(node.type, node.code);
    const d = doc.value ? toRaw(doc.value) : null;
    let known = d ? lastShapes.get(d) : undefined;
    if (entry?.ok) {
      if (d && !known) lastShapes.set(d, (known = new Map()));
      known?.set(node.id, entry.shape);
      return entry.shape;
    }
    return known?.get(node.id);
  }

  /** Whether the node's shape is its last known one, not its current code's. */
  function shapeIsStale(node: FlowNode): boolean {
    return !engine.cachedShape(node.type, node.code)?.ok && shapeOf(node) !== undefined;
  }

  /**
   * Per node of the active flow, the sockets and ports its edges use (what its card must
   * show dots for) and the edges coming in: one pass over the edges for every card, not
   * one per card.
   */
  const wired = computed(() => {
    const index = new Map<string, { sockets: Set<string>; ports: Set<string>; incoming: FlowEdge[] }>();
    const of = (id: string) => {
      let entry = index.get(id);
      if (!entry) index.set(id, (entry = { sockets: new Set(), ports: new Set(), incoming: [] }));
      return entry;
    };
    for (const edge of doc.value?.edges ?? []) {
      of(edge.from.node).sockets.add(edge.from.socket);
      const target = of(edge.to.node);
      target.ports.add(edge.to.port);
      target.incoming.push(edge);
    }
    return index;
  });
  /** Each node's name, by id (for messages that name nodes). */
  const nodeNames = computed(() => new Map((doc.value?.nodes ?? []).map((n) => [n.id, n.name])));

  function shapeError(node: FlowNode): string | null {
    const entry = engine.cachedShape(node.type, node.code);
    return entry && !entry.ok ? problemText(entry.error) : null;
  }

  /** Re-derive a node's shape; edges to sockets or ports that vanished go, with a notice. */
  function refreshShape(key: string, nodeId: string): Promise<void> {
    return refreshShapesOf(key, [nodeId]);
  }

  function refreshShapes(key: string): Promise<void> {
    const flow = find(key);
    return flow ? refreshShapesOf(key, flow.doc.nodes.map((n) => n.id)) : Promise.resolve();
  }

  /**
   * Re-derive the shapes of these nodes (the engine is asked once per distinct code), then
   * remove, in one pass over the edges, those to sockets or ports that vanished — a flow
   * of thousands of nodes opens in one pass, not one per node.
   */
  async function refreshShapesOf(key: string, nodeIds: string[]): Promise<void> {
    const flow = find(key);
    if (!flow) return;
    const byId = new Map(toRaw(flow.doc).nodes.map((n) => [n.id, n]));
    const asked = nodeIds.flatMap((id) => {
      const node = byId.get(id);
      return node ? [{ id, type: node.type, code: node.code }] : [];
    });
    const entries = await Promise.all(asked.map((n) => engine.inspect(n.type, n.code)));
    const now = new Map(toRaw(flow.doc).nodes.map((n) => [n.id, n]));
    const read = new Map<string, { sockets: Set<string>; ports: Set<string> }>();
    asked.forEach((n, i) => {
      const entry = entries[i];
      const current = now.get(n.id);
      // Only if the code is still what was asked about (typing goes on meanwhile).
      if (!entry?.ok || !current || current.code !== n.code) return;
      read.set(n.id, {
        sockets: new Set(exposedSockets(current, entry.shape)),
        ports: new Set(exposedPorts(current, entry.shape).map((p) => p.name)),
      });
    });
    const lost = (e: FlowEdge) => ({
      from: read.get(e.from.node)?.sockets.has(e.from.socket) === false,
      to: read.get(e.to.node)?.ports.has(e.to.port) === false,
    });
    const broken = toRaw(flow.doc).edges.filter((e) => lost(e).from || lost(e).to);
    if (broken.length === 0) return;
    const keys = new Set(broken.map(edgeKey));
    const mergeKey = nodeIds.length === 1 ? `code:${nodeIds[0]}` : undefined;
    commit(flow, 'Remove edges to vanished ports', (d) => {
      d.edges = d.edges.filter((e) => !keys.has(edgeKey(e)));
    }, mergeKey);
    // One notice per node that lost edges, naming what its code no longer has.
    const names = new Map<string, string[]>();
    for (const e of broken) {
      const gone = lost(e);
      if (gone.from) names.set(e.from.node, [...(names.get(e.from.node) ?? []), e.from.socket]);
      if (gone.to) names.set(e.to.node, [...(names.get(e.to.node) ?? []), e.to.port]);
    }
    for (const [id, list] of names) {
      notice('warning', `${now.get(id)?.name ?? id}: removed ${list.length} edge(s) to ${list.join(', ')}, which the code no longer has`);
    }
  }

  function scheduleInspect(nodeId: string): void {
    const key = activeKey.value;
    if (!key) return;
    const timerKey = `${key}/${nodeId}`;
    clearTimeout(inspectTimers.get(timerKey));
    inspectTimers.set(
      timerKey,
      setTimeout(() => {
        inspectTimers.delete(timerKey);
        void refreshShape(key, nodeId);
      }, INSPECT_DELAY_MS),
    );
  }

  // ---- edits --------------------------------------------------------------------------

  /**
   * Add a node from the palette template `templateId` (a `templates/nodes/` file stem):
   * its type, code and preset fields (a timer's schedule); named after the template.
   */
  function addNode(templateId: string, at: Point): string {
    let id = '';
    const template = palette.template(templateId);
    if (template.kind === 'note') throw new Error(`'${templateId}' is a note: use addNote`);
    const type: NodeType = template.kind;
    const prefix = template.id.replace(/[^A-Za-z0-9_]/g, '_');
    edit(`Add ${template.label}`, (d) => {
      id = freshId(d, prefix);
      const name = `${template.label} ${id.slice(prefix.length)}`;
      d.nodes.push({ id, type, name, code: template.code, ...preset(template) });
      const ui = ensureUi(d);
      ui.nodes[id] = { x: Math.round(at.x), y: Math.round(at.y) };
      if (template.views) ui.views = { ...ui.views, [id]: { ...template.views } };
    });
    selection.value = [id];
    void refreshShape(activeKey.value ?? '', id);
    return id;
  }

  function addNote(at: Point, text = 'Note'): string {
    let id = '';
    edit('Add note', (d) => {
      id = freshId(d, 'note');
      ensureUi(d).notes.push({ id, text, x: Math.round(at.x), y: Math.round(at.y) });
    });
    selection.value = [id];
    return id;
  }

  function updateNode(nodeId: string, label: string, patch: Partial<FlowNode>, mergeKey?: string): void {
    edit(label, (d) => {
      const node = d.nodes.find((n) => n.id === nodeId);
      if (node) Object.assign(node, patch);
    }, mergeKey);
  }

  function setName(nodeId: string, name: string): void {
    updateNode(nodeId, 'Rename node', { name }, `name:${nodeId}`);
  }

  function setCode(nodeId: string, code: string): void {
    updateNode(nodeId, 'Edit code', { code }, `code:${nodeId}`);
    scheduleInspect(nodeId);
  }

  function setNoteText(noteId: string, text: string): void {
    edit('Edit note', (d) => {
      const note = d.ui?.notes?.find((n) => n.id === noteId);
      if (note) note.text = text;
    }, `note:${noteId}`);
  }

  function setSticky(nodeId: string, port: string, sticky: boolean): void {
    edit(sticky ? 'Make port sticky' : 'Make port non-sticky', (d) => {
      const node = d.nodes.find((n) => n.id === nodeId);
      if (!node) return;
      const ports = { ...(node.ports ?? {}) };
      if (sticky) ports[port] = { ...ports[port], sticky: true };
      else delete ports[port];
      if (Object.keys(ports).length) node.ports = ports;
      else delete node.ports;
    });
  }

  /** One socket's schedule (typing in its field merges into one undo step). */
  function setSchedule(nodeId: string, socket: string, entry: ScheduleEntry): void {
    edit('Edit schedule', (d) => {
      const node = d.nodes.find((n) => n.id === nodeId);
      if (node) writeSchedule(node, socket, entry);
    }, `schedule:${nodeId}:${socket}`);
  }

  /** Show or hide a socket; hiding one removes its edges (and those into its function's ports). */
  function setExposed(nodeId: string, socket: string, exposed: boolean, allSockets: string[]): void {
    edit(exposed ? 'Expose socket' : 'Hide socket', (d) => {
      const node = d.nodes.find((n) => n.id === nodeId);
      if (!node) return;
      const current = new Set(node.sockets ?? allSockets.filter((s) => s !== 'error'));
      if (exposed) current.add(socket);
      else current.delete(socket);
      const ordered = allSockets.filter((s) => s !== 'error' && current.has(s));
      if (ordered.length === allSockets.filter((s) => s !== 'error').length) delete node.sockets;
      else node.sockets = ordered;
      // A hidden function is a helper: its socket's edges and its ports' edges go.
      if (!exposed) {
        d.edges = d.edges.filter(
          (e) => !(e.from.node === nodeId && e.from.socket === socket) && !(e.to.node === nodeId && e.to.port.startsWith(`${socket}.`)),
        );
      }
    });
  }

  /** Move items by a delta (live, during a drag gesture: no history entry of its own). */
  function moveBy(ids: string[], delta: Point): void {
    const flow = active.value;
    if (!flow) return;
    flow.revision++;
    const ui = ensureUi(flow.doc);
    for (const id of ids) {
      const pos = ui.nodes[id];
      if (pos) {
        noteStart(flow, id, pos);
        ui.nodes[id] = { x: pos.x + delta.x, y: pos.y + delta.y };
      }
      const note = ui.notes.find((n) => n.id === id);
      if (note) {
        noteStart(flow, id, note);
        Object.assign(note, { x: note.x + delta.x, y: note.y + delta.y });
      }
    }
  }

  /** Snap moved items to whole pixels so the file stays tidy. */
  function roundPositions(ids: string[]): void {
    const flow = active.value;
    if (!flow) return;
    flow.revision++;
    const ui = ensureUi(flow.doc);
    for (const id of ids) {
      const pos = ui.nodes[id];
      if (pos) {
        noteStart(flow, id, pos);
        ui.nodes[id] = { x: Math.round(pos.x), y: Math.round(pos.y) };
      }
      const note = ui.notes.find((n) => n.id === id);
      if (note) {
        noteStart(flow, id, note);
        Object.assign(note, { x: Math.round(note.x), y: Math.round(note.y) });
      }
    }
  }

  function connect(from: { node: string; socket: string }, to: { node: string; port: string }): Check {
    const d = doc.value;
    if (!d) return { ok: false, reason: 'no flow is open' };
    const check = checkConnection(d, shapeOf, from, to);
    if (!check.ok) return check;
    edit('Connect', (x) => x.edges.push({ from: { ...from }, to: { ...to } }));
    return check;
  }

  function disconnect(key: string): void {
    edit('Disconnect', (d) => {
      d.edges = d.edges.filter((e) => edgeKey(e) !== key);
    });
    if (selectedEdge.value === key) selectedEdge.value = null;
  }

  function deleteSelection(): void {
    if (selectedEdge.value) {
      disconnect(selectedEdge.value);
      return;
    }
    const ids = new Set(selection.value);
    if (ids.size === 0) return;
    edit(ids.size === 1 ? 'Delete' : `Delete ${ids.size} items`, (d) => removeItems(d, ids));
    if (editing.value && ids.has(editing.value)) editing.value = null;
    selection.value = [];
  }

  function copySelection(): boolean {
    const d = doc.value;
    if (!d || selection.value.length === 0) return false;
    clipboard.value = extractFragment(d, new Set(selection.value));
    return true;
  }

  /** The boxes items take on the canvas, as estimated from their shapes (flow/pastePlace.ts). */
  function itemBoxes(nodes: readonly FlowNode[], positions: (id: string) => Point | undefined, notes: readonly Note[]): Rect[] {
    const out: Rect[] = [];
    for (const node of nodes) {
      const pos = positions(node.id);
      if (!pos) continue;
      const box = estimateBox(node, shapeOf(node));
      out.push({ ...pos, width: box.width, height: box.height });
    }
    for (const note of notes) out.push({ x: note.x, y: note.y, ...noteSize(note) });
    return out;
  }

  /**
   * Paste the clipboard where it covers nothing (flow/pastePlace.ts), select the copy, and
   * move the editor to the copy of the node it showed, as the selection moves.
   */
  function paste(): void {
    const fragment = clipboard.value;
    const d = doc.value;
    if (!fragment || !d) return;
    const raw = toRaw(d);
    const offset = pasteOffset(
      itemBoxes(fragment.nodes, (id) => fragment.positions[id], fragment.notes),
      itemBoxes(raw.nodes, (id) => raw.ui?.nodes?.[id], raw.ui?.notes ?? []),
    );
    let renamed = new Map<string, string>();
    edit('Paste', (draft) => {
      renamed = pasteFragment(draft, fragment, offset);
    });
    const ids = [...renamed.values()];
    selection.value = ids;
    if (editing.value !== null) {
      const pastedNodes = fragment.nodes.map((n) => renamed.get(n.id) ?? '');
      editing.value = renamed.get(editing.value) ?? (pastedNodes.length === 1 ? (pastedNodes[0] ?? null) : editing.value);
    }
    revealing.value = { ids, seq: (revealing.value?.seq ?? 0) + 1 };
    for (const id of ids) void refreshShape(activeKey.value ?? '', id);
  }

  /** Select `ids` and ask the canvas to bring them into view. */
  function reveal(ids: string[]): void {
    selection.value = ids;
    revealing.value = { ids, seq: (revealing.value?.seq ?? 0) + 1 };
  }

  function duplicateSelection(): void {
    if (copySelection()) paste();
  }

  function rename(key: string, name: string): void {
    const flow = find(key);
    if (!flow || !name.trim() || flow.doc.name === name) return;
    if (activeKey.value !== key) activate(key);
    edit('Rename flow', (d) => {
      d.name = name.trim();
    });
  }

  /**
   * Name, description, requirements, time zone and misfire policy of the active flow, as
   * one edit. An empty `timezone` removes it (the flow then runs in its runner's zone);
   * `coalesce`, the default, is not written.
   */
  function setFlowInfo(info: {
    name: string;
    description: string;
    requirements: string[];
    timezone?: string;
    misfire?: MisfirePolicy;
  }): void {
    edit('Flow settings', (d) => {
      d.name = info.name;
      if (info.description) d.description = info.description;
      else delete d.description;
      d.requirements = info.requirements;
      if (info.timezone !== undefined) {
        if (info.timezone) d.timezone = info.timezone;
        else delete d.timezone;
      }
      if (info.misfire !== undefined) {
        if (info.misfire === 'skip' || d.misfire) d.misfire = info.misfire;
      }
    });
  }

  /** The canvas viewport is saved with the flow but is not an undoable edit. */
  function setViewport(viewport: Viewport): void {
    const flow = active.value;
    if (!flow) return;
    const ui = ensureUi(flow.doc);
    const was = ui.viewport;
    // Restoring a flow's own viewport changes nothing: it must not count as a change (a
    // write would bump the stored version under another tab that has the flow open).
    if (was && was.x === viewport.x && was.y === viewport.y && was.zoom === viewport.zoom) return;
    ui.viewport = viewport;
    flow.revision++;
  }

  /**
   * How a node's Results show a socket (list, or a chart of a kind), kept with the flow
   * so it opens the same way next time. Like the viewport it is no edit to undo, but it
   * is saved: the views are replaced whole (never changed in place).
   */
  function setSocketView(node: string, socket: string, view: SocketView): void {
    const flow = active.value;
    if (!flow || flow.doc.ui?.views?.[node]?.[socket] === view) return;
    const ui = ensureUi(flow.doc);
    ui.views = { ...ui.views, [node]: { ...ui.views?.[node], [socket]: view } };
    flow.revision++;
  }

  // ---- groups (flow/groups.ts) -----------------------------------------------------------

  /** Group the selected nodes and notes (Ctrl/⌘+G); returns the group's id. */
  function groupSelection(): string | null {
    if (selection.value.length === 0) return null;
    let id: string | null = null;
    edit('Group', (d) => {
      id = makeGroup(d, selection.value);
    });
    return id;
  }

  /** Ungroup `groupId`, or every group the selection fills (Ctrl/⌘+Shift+G). */
  function ungroupItems(groupId?: string): void {
    const d = doc.value;
    if (!d) return;
    const ids = groupId ? [groupId] : groupsWithin(d, new Set(selection.value)).map((g) => g.id);
    if (ids.length === 0) return;
    edit(ids.length === 1 ? 'Ungroup' : `Ungroup ${ids.length} groups`, (x) => {
      for (const id of ids) ungroup(x, id);
    });
  }

  function updateGroup(groupId: string, label: string, patch: Partial<Pick<Group, 'label' | 'color' | 'collapsed'>>, mergeKey?: string): void {
    edit(label, (d) => {
      const group = d.ui?.groups?.find((g) => g.id === groupId);
      if (!group) return;
      Object.assign(group, patch);
      if (!group.collapsed) delete group.collapsed;
    }, mergeKey);
  }

  const renameGroup = (groupId: string, name: string) => updateGroup(groupId, 'Rename group', { label: name }, `group-label:${groupId}`);
  const colourGroup = (groupId: string, color: string) => updateGroup(groupId, 'Group colour', { color });
  const collapseGroup = (groupId: string, collapsed: boolean) => updateGroup(groupId, collapsed ? 'Collapse group' : 'Expand group', { collapsed });

  /** Select a group's members (a press on its frame), or add them to the selection. */
  function selectGroup(groupId: string, add = false): string[] {
    const group = doc.value?.ui?.groups?.find((g) => g.id === groupId);
    if (!group) return selection.value;
    const members = group.items;
    const all = members.every((id) => selection.value.includes(id));
    if (add) selection.value = all ? selection.value.filter((id) => !members.includes(id)) : [...new Set([...selection.value, ...members])];
    else if (!all) selection.value = [...members];
    selectedEdge.value = null;
    return selection.value;
  }

  // ---- layout (canvas/layout/tidyUp.ts) -------------------------------------------------

  /**
   * Put nodes of tab `key` at `positions` (ids it no longer has are skipped): one
   * undoable edit named `label` (Tidy up), or, without a label, part of opening the flow
   * (its first layout is no step to undo).
   */
  function placeNodes(key: string, positions: Record<string, Point>, label?: string): void {
    const flow = find(key);
    if (!flow) return;
    const ids = new Set(toRaw(flow.doc).nodes.map((n) => n.id));
    const place = (d: FlowDocument): boolean => {
      const ui = ensureUi(d);
      let moved = false;
      for (const [id, at] of Object.entries(positions)) {
        const was = ui.nodes[id];
        if (!ids.has(id) || (was && was.x === at.x && was.y === at.y)) continue;
        ui.nodes[id] = { x: at.x, y: at.y };
        moved = true;
      }
      return moved;
    };
    if (label) commit(flow, label, (d) => void place(d));
    else if (place(flow.doc)) flow.revision++;
  }

  return {
    open, activeKey, active, doc, selection, selectedEdge, editing, clipboard, revealing, reveal,
    activate, openDocument, replaceFromStorage, newFlow, close, duplicate, rename,
    edit, beginGesture, endGesture, undo, redo,
    shapeOf, shapeIsStale, shapeError, wired, nodeNames, refreshShape, refreshShapes,
    addNode, addNote, setName, setCode, setNoteText, setSticky, setExposed, setSchedule, moveBy, roundPositions,
    connect, disconnect, deleteSelection, copySelection, paste, duplicateSelection, setViewport, setSocketView, setFlowInfo,
    placeNodes, groupSelection, ungroupItems, renameGroup, colourGroup, collapseGroup, selectGroup,
  };
});
