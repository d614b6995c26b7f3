/** Short texts for a schedule's badge: the countdown to its next fire and a lateness. */

/** "in 4 s", "in 2 min 05 s", "in 3 h 07 min", "in 2 d 3 h"; "now" when due or past. */
export function formatCountdown(targetMs: number, nowMs: number): string {
  const total = Math.ceil((targetMs - nowMs) / 1000);
  if (total <= 0) return 'now';
  if (total < 60) return `in ${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `in ${minutes} min ${String(total % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `in ${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** "850 ms", "3.2 s", "4 min 10 s". */
export function formatLateness(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Fire times as the user reads them: in their own zone, with the date when not today. */
export function formatFireTime(ms: number, nowMs: number, locale?: string): string {
  const at = new Date(ms);
  const sameDay = new Date(nowMs).toDateString() === at.toDateString();
  const time = at.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (sameDay) return time;
  return `${at.toLocaleDateString(locale, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' })} ${time}`;
}
