/**
 * Edits to a flow's document: nodes and notes added, renamed, their code, ports, schedules
 * and sockets; edges connected and removed; the selection deleted; the flow's own info.
 * Each is one undoable step (changes.ts).
 */
import { checkConnection, edgeKey, ensureUi, freshId, removeItems, type Check } from '@/flow/model';
import { setSchedule as writeSchedule, type ScheduleEntry } from '@/flow/schedule';
import type { FlowNode, MisfirePolicy, NodeType, Point } from '@/protocol/flow';
import { preset, type usePaletteStore } from '../palette';
import type { Changes } from './changes';
import type { Selection } from './selection';
import type { Shapes } from './shapes';
import type { Tabs } from './tabs';

type Palette = ReturnType<typeof usePaletteStore>;

/** The flows store's document edits, on the active tab (`rename` takes any tab). */
export function useDocumentEdits(palette: Palette, tabs: Tabs, picked: Selection, changes: Changes, shapes: Shapes) {
  const { doc, activeKey, find, activate } = tabs;
  const { selection, selectedEdge, editing } = picked;
  const { edit, commit } = changes;
  const { shapeOf, refreshShape, scheduleInspect } = shapes;

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

  /**
   * Pin a socket of a node of tab `key` to values (a run's), or unpin it (`pin` null): a
   * pinned node does not run, and its pinned values leave it instead (docs/history.md).
   */
  function setPinned(key: string, nodeId: string, socket: string, pin: { values: unknown[]; run?: string } | null): void {
    const flow = find(key);
    if (!flow) return;
    const name = flow.doc.nodes.find((n) => n.id === nodeId)?.name ?? nodeId;
    commit(flow, pin ? `Pin ${name} · ${socket}` : `Unpin ${name} · ${socket}`, (d) => {
      const node = d.nodes.find((n) => n.id === nodeId);
      if (!node) return;
      const pinned = { ...(node.pinned ?? {}) };
      if (pin) pinned[socket] = pin.run ? { values: pin.values, run: pin.run } : { values: pin.values };
      else delete pinned[socket];
      if (Object.keys(pinned).length) node.pinned = pinned;
      else delete node.pinned;
    });
  }

  return {
    addNode, addNote, setName, setCode, setNoteText, setSticky, setSchedule, setExposed, setPinned,
    connect, disconnect, deleteSelection, rename, setFlowInfo,
  };
}
