/**
 * Why a flow's URL could not be fetched, in words a docs author can act on. A browser
 * reports a cross-origin read that the other host does not allow (no
 * `Access-Control-Allow-Origin`) only as "Failed to fetch", like a host that is down; when
 * the flow is on another origin than the page, the missing header is by far the likelier
 * cause, so the message names it, the host and the header to send.
 */

/**
 * The explanation to add to "Cannot fetch URL: …", or `null` when there is nothing to add.
 *
 * @param url - The flow's absolute URL.
 * @param pageOrigin - The origin of the page that fetched it (`location.origin`).
 * @param error - What `fetch` threw or the response check raised.
 */
export function crossOriginHint(url: string, pageOrigin: string, error: unknown): string | null {
  // fetch rejects with a TypeError for network failures, CORS refusals among them.
  if (!(error instanceof TypeError)) return null;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return null;
  }
  if (!/^https?:$/.test(target.protocol) || target.origin === pageOrigin) return null;
  return (
    `${url} is on ${target.origin}, another origin than this page (${pageOrigin}). ` +
    `The browser lets this page read it only if that host allows it: ${target.origin} must send the header ` +
    `"Access-Control-Allow-Origin: ${pageOrigin}" (or "Access-Control-Allow-Origin: *") with the flow file. ` +
    `(If it does, check that the host is up.)`
  );
}
