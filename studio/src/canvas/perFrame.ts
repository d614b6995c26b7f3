/**
 * `fn` as a request: however often it is called before the next animation frame, `fn`
 * runs once, in that frame (many changes in one frame are drawn once).
 */
export function perFrame(fn: () => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      fn();
    });
  };
}
