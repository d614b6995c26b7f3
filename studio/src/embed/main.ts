/**
 * The embed's entry module (`embed/headrace-embed.js` in the build): importing it defines
 * `<headrace-flow>`. Pyodide and the wheels are looked up beside this file by default.
 */
import { defineHeadraceFlow } from './HeadraceFlowElement';

defineHeadraceFlow({ moduleBase: new URL(/* @vite-ignore */ './', import.meta.url).href });
