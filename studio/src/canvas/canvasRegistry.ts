/**
 * What the canvas knows of its rendered DOM without asking the DOM: each node card's
 * element and measured size, and each dot an edge can attach to (a socket's or a port's),
 * by name. Node cards register themselves (template refs) as Vue mounts, patches and
 * unmounts them; the canvas reads sizes for culling, the overview and selection, and
 * redraws edges when the set of dots changes — so what is drawn follows what is rendered,
 * whatever changed it (an edit, undo, an engine reply, culling).
 *
 * Kept out of Vue's reactivity: it changes on every render, and the canvas reacts to it
 * through the `changed` callback, once per flush.
 */
import type { NodeShape } from '@/protocol/bridge';
import type { FlowNode } from '@/protocol/flow';
import { provide, inject, type Directive, type InjectionKey } from 'vue';
import { estimateBox } from './layout/nodeBox';

export interface Size {
  width: number;
  height: number;
}

/** A dot's key: which node, and which of its sockets (`s`) or ports (`p`); or a collapsed group's `in`/`out` dot (`g`). */
export function anchorKey(kind: 's' | 'p' | 'g', node: string, name: string): string {
  return `${kind}\u0000${node}\u0000${name}`;
}

/** A card's size before it was ever rendered, from what it shows (layout/nodeBox.ts). */
export function estimateSize(node: FlowNode, shape: NodeShape | undefined): Size {
  const { width, height } = estimateBox(node, shape);
  return { width, height };
}

export class CanvasRegistry {
  readonly cards = new Map<string, HTMLElement>();
  readonly sizes = new Map<string, Size>();
  readonly anchors = new Map<string, Element>();
  private queued = false;
  private anchorsChanged = false;
  private readonly resized = new Set<string>();
  private readonly observer: ResizeObserver | null;

  /**
   * `changed(anchors, cards)`: after a render in which dots came or went (`anchors`), or
   * cards changed size or place (`cards`: their ids), once per flush.
   */
  constructor(private readonly changed: (anchors: boolean, resized: Set<string>) => void) {
    this.observer =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver((entries) => {
            for (const entry of entries) {
              const el = entry.target as HTMLElement;
              const id = el.dataset.nodeId;
              if (!id || this.cards.get(id) !== el) continue;
              // offsetWidth: the layout size, unscaled by the canvas's zoom.
              const size = { width: el.offsetWidth, height: el.offsetHeight };
              if (!size.width || !size.height) continue; // not rendered just now (the far view), not empty
              const known = this.sizes.get(id);
              if (known && known.width === size.width && known.height === size.height) continue;
              this.sizes.set(id, size);
              this.resized.add(id);
            }
            if (this.resized.size) this.queue();
          });
  }

  setCard(id: string, el: HTMLElement): void {
    const known = this.cards.get(id);
    if (known === el) return;
    if (known) this.observer?.unobserve(known);
    this.cards.set(id, el);
    this.observer?.observe(el);
  }

  /** `el` is gone (another element may hold the id already: a card re-keyed in one flush). */
  dropCard(id: string, el: HTMLElement): void {
    if (this.cards.get(id) !== el) return;
    this.observer?.unobserve(el);
    this.cards.delete(id);
  }

  setAnchor(key: string, el: Element): void {
    if (this.anchors.get(key) === el) return;
    this.anchors.set(key, el);
    this.anchorsChanged = true;
    this.queue();
  }

  dropAnchor(key: string, el: Element): void {
    if (this.anchors.get(key) !== el) return;
    this.anchors.delete(key);
    this.anchorsChanged = true;
    this.queue();
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    // A microtask: after Vue's whole flush (its refs are set during it), before paint.
    queueMicrotask(() => {
      this.queued = false;
      const anchors = this.anchorsChanged;
      const resized = new Set(this.resized);
      this.anchorsChanged = false;
      this.resized.clear();
      this.changed(anchors, resized);
    });
  }

  /** The card was moved by a render (an edit, undo): its edges need redrawing. */
  moved(id: string): void {
    this.resized.add(id);
    this.queue();
  }

  disconnect(): void {
    this.observer?.disconnect();
  }
}

const KEY: InjectionKey<CanvasRegistry> = Symbol('canvas registry');

export function provideRegistry(registry: CanvasRegistry): void {
  provide(KEY, registry);
}

/** The canvas's registry; none outside a canvas (a card rendered alone, in a test). */
export function useRegistry(): CanvasRegistry | null {
  return inject(KEY, null);
}

/**
 * `v-anchor="key"` on a dot and `v-card="id"` on a card: they tell the registry as Vue
 * mounts, re-keys and unmounts them (a directive, not a function ref, which Vue calls
 * again on every render).
 */
export function registryDirectives(registry: CanvasRegistry | null): {
  vAnchor: Directive<Element, string>;
  vCard: Directive<HTMLElement, string>;
} {
  return {
    vAnchor: {
      mounted: (el, b) => registry?.setAnchor(b.value, el),
      updated: (el, b) => {
        if (b.value === b.oldValue) return;
        if (b.oldValue) registry?.dropAnchor(b.oldValue, el);
        registry?.setAnchor(b.value, el);
      },
      beforeUnmount: (el, b) => registry?.dropAnchor(b.value, el),
    },
    vCard: {
      mounted: (el, b) => registry?.setCard(b.value, el),
      updated: (el, b) => {
        if (b.value === b.oldValue) return;
        if (b.oldValue) registry?.dropCard(b.oldValue, el);
        registry?.setCard(b.value, el);
      },
      beforeUnmount: (el, b) => registry?.dropCard(b.value, el),
    },
  };
}
