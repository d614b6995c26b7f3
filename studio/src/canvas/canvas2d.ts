/**
 * A <canvas> drawn at the screen's own resolution: its backing store sized for
 * `devicePixelRatio` (resized only when that or its CSS size changed), and its 2D context.
 */
export function context2d(
  canvas: HTMLCanvasElement | null,
  width: number,
  height: number,
): { ctx: CanvasRenderingContext2D; ratio: number } | null {
  const ctx = canvas?.getContext('2d');
  if (!canvas || !ctx) return null;
  const ratio = globalThis.devicePixelRatio || 1;
  const w = Math.round(width * ratio);
  const h = Math.round(height * ratio);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  return { ctx, ratio };
}
