/**
 * The open flows (tabs) and every edit to them, composed from one module per concept
 * (stores/flows/): tabs, the selection, changes and their history, node shapes, document
 * edits, canvas data, the clipboard and groups. Each edit runs through `edit()`, which
 * records its patches in the history store, so every change is undoable.
 */
import { defineStore } from 'pinia';
import { useEngineStore } from './engine';
import { useCanvasData } from './flows/canvasData';
import { useChanges } from './flows/changes';
import { useClipboard } from './flows/clipboard';
import { useDocumentEdits } from './flows/edits';
import { useGroups } from './flows/groups';
import { useSelection } from './flows/selection';
import { useShapes } from './flows/shapes';
import { useTabs } from './flows/tabs';
import { useHistoryStore } from './history';
import { usePaletteStore } from './palette';

export type { SaveState } from '@/persistence/saveState';
export type { OpenFlow, PastRun } from './flows/tabs';

export const useFlowsStore = defineStore('flows', () => {
  const engine = useEngineStore();
  const history = useHistoryStore();
  const palette = usePaletteStore();

  const picked = useSelection();
  // Tabs and changes ask for shapes to be re-read, and shapes commit edits: the calls
  // into `shapes` run only after every part exists.
  const tabs = useTabs(history, picked, (key) => shapes.refreshShapes(key));
  const changes = useChanges(tabs, history, (key, ids) => shapes.refreshShapesOf(key, ids));
  const shapes = useShapes(engine, tabs, changes);
  const edits = useDocumentEdits(palette, tabs, picked, changes, shapes);
  const canvas = useCanvasData(tabs, changes);
  const copying = useClipboard(tabs, picked, changes, shapes);
  const groups = useGroups(tabs, picked, changes);

  const { open, activeKey, active, doc, activate, openDocument, openPastRun, replaceFromStorage, newFlow, close, duplicate } = tabs;
  const { selection, selectedEdge, editing, revealing, reveal } = picked;
  const { edit, beginGesture, endGesture, undo, redo } = changes;
  const { shapeOf, shapeIsStale, shapeError, wired, nodeNames, refreshShape, refreshShapes } = shapes;
  const { rename, addNode, addNote, setName, setCode, setNoteText, setSticky, setExposed, setSchedule, setPinned, connect, disconnect, deleteSelection, setFlowInfo } = edits;
  const { moveBy, roundPositions, setViewport, setSocketView, placeNodes } = canvas;
  const { copySelection, paste, duplicateSelection } = copying;
  const { groupSelection, ungroupItems, renameGroup, colourGroup, collapseGroup, selectGroup } = groups;

  return {
    open, activeKey, active, doc, selection, selectedEdge, editing, clipboard: copying.clipboard, revealing, reveal,
    activate, openDocument, openPastRun, replaceFromStorage, newFlow, close, duplicate, rename,
    edit, beginGesture, endGesture, undo, redo,
    shapeOf, shapeIsStale, shapeError, wired, nodeNames, refreshShape, refreshShapes,
    addNode, addNote, setName, setCode, setNoteText, setSticky, setExposed, setSchedule, setPinned, moveBy, roundPositions,
    connect, disconnect, deleteSelection, copySelection, paste, duplicateSelection, setViewport, setSocketView, setFlowInfo,
    placeNodes, groupSelection, ungroupItems, renameGroup, colourGroup, collapseGroup, selectGroup,
  };
});
