/**
 * Canvas coordinates: the world (where nodes live, in flow units) is drawn translated by
 * (x, y) and scaled by `zoom` inside the visible canvas element.
 */
import type { Point, Viewport } from '@/protocol/flow';

export const MIN_ZOOM = 0.2;
export const MAX_ZOOM = 2.5;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** Screen point (relative to the canvas element) → world point. */
export function toWorld(vp: Viewport, screen: Point): Point {
  return { x: (screen.x - vp.x) / vp.zoom, y: (screen.y - vp.y) / vp.zoom };
}

/** Zoom by `factor` keeping the world point under `screen` where it is. */
export function zoomAt(vp: Viewport, screen: Point, factor: number): Viewport {
  const zoom = clampZoom(vp.zoom * factor);
  const world = toWorld(vp, screen);
  return { zoom, x: screen.x - world.x * zoom, y: screen.y - world.y * zoom };
}

/** The viewport showing all of `bounds` inside a `size` canvas, with a margin. */
export function fitTo(bounds: Rect | null, size: { width: number; height: number }, margin = 40): Viewport {
  if (!bounds || bounds.width <= 0 || bounds.height <= 0) return { x: 0, y: 0, zoom: 1 };
  const zoom = clampZoom(
    Math.min(1, (size.width - 2 * margin) / bounds.width, (size.height - 2 * margin) / bounds.height),
  );
  return {
    zoom,
    x: (size.width - bounds.width * zoom) / 2 - bounds.x * zoom,
    y: (size.height - bounds.height * zoom) / 2 - bounds.y * zoom,
  };
}

/**
 * The viewport that shows `bounds`: `vp` itself when they are already in view (nothing
 * jumps), else `vp` panned as little as brings them in, with a margin (as a page scrolls
 * an element into view), or zoomed out to fit them when they are larger than the canvas.
 */
export function revealIn(vp: Viewport, bounds: Rect, size: { width: number; height: number }, margin = 40): Viewport {
  const width = bounds.width * vp.zoom;
  const height = bounds.height * vp.zoom;
  if (width > size.width - 2 * margin || height > size.height - 2 * margin) return fitTo(bounds, size, margin);
  const shift = (start: number, extent: number, room: number) => {
    if (start < 0) return margin - start;
    if (start + extent > room) return room - margin - (start + extent);
    return 0;
  };
  const dx = shift(bounds.x * vp.zoom + vp.x, width, size.width);
  const dy = shift(bounds.y * vp.zoom + vp.y, height, size.height);
  return dx === 0 && dy === 0 ? vp : { zoom: vp.zoom, x: vp.x + dx, y: vp.y + dy };
}

export function union(rects: Rect[]): Rect | null {
  if (rects.length === 0) return null;
  const x = Math.min(...rects.map((r) => r.x));
  const y = Math.min(...rects.map((r) => r.y));
  const right = Math.max(...rects.map((r) => r.x + r.width));
  const bottom = Math.max(...rects.map((r) => r.y + r.height));
  return { x, y, width: right - x, height: bottom - y };
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** A rectangle from two corner points in any order. */
export function rectFrom(a: Point, b: Point): Rect {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y) };
}
