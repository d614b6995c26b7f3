/** Values the unit tests build flows from (not part of the studio's bundle: only specs import it). */
import type { Port } from '@/protocol/bridge';

/** An input port `fn.param` as the engine describes it: required, no default, not sticky. */
export const port = (fn: string, param: string): Port => ({
  name: `${fn}.${param}`,
  function: fn,
  param,
  has_default: false,
  default: null,
  sticky: false,
  required: true,
});
