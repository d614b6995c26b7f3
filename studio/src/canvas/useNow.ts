/**
 * A shared clock for countdowns: one interval for every badge on the canvas, ticking
 * only while some component uses it.
 */
import { onBeforeUnmount, ref, type Ref } from 'vue';

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export function useNow(): Ref<number> {
  if (users++ === 0) {
    now.value = Date.now();
    timer = setInterval(() => (now.value = Date.now()), 250);
  }
  onBeforeUnmount(() => {
    if (--users === 0) clearInterval(timer);
  });
  return now;
}
