/**
 * The stores' public surface: components, panels and the app import stores (and the types
 * that go with them) from here, `@/stores`. Stores import one another by their own files,
 * so loading one store never loads them all.
 */
export { useBackendStore, type Connection } from './backend';
export { shapeKey, useEngineStore, type EngineStatus, type ShapeEntry } from './engine';
export { useFilesStore, type PickedFile } from './files';
export { useFlowsStore, type OpenFlow, type SaveState } from './flows';
export { useHistoryStore, type HistoryEntry } from './history';
export { usePackagesStore, type AvailablePackage } from './packages';
export {
  filterItems, groupItems, PALETTE_MIME, preset, usePaletteStore,
  type NodePreset, type PaletteGroup, type PaletteItem, type PaletteKind,
} from './palette';
export { EMIT_LIMIT, SCHEDULES_ELSEWHERE, useRunStore, wheelhouseIndexUrl, type RunSession } from './run';
export { useRunsStore, type RunsScope } from './runs';
export { useSavingStore } from './saving';
export { THEMES, useSettingsStore, type Settings, type Theme } from './settings';
