/**
 * `<headrace-flow src="flows/etl.json">`: a live flow in any page. Each element is its own
 * small Vue app (its own stores, its own run) inside a shadow root; all elements of a page
 * share one engine per runtime folder.
 *
 * Attributes: `src` (the flow file, relative to the page), `height` (of the canvas, CSS;
 * default 360px), `fill` (fill the element's own box instead, results beside or below the
 * canvas), `autorun` (run once loaded), `theme` (`light` or `dark`; default: the host page's
 * scheme, followed as it changes: hostScheme.ts), `runtime` (the
 * folder holding `pyodide/` and `wheels/`; default: beside this module), `studio` (the
 * studio to open the flow in; default: the studio this embed was built with).
 */
import { createPinia } from 'pinia';
import { Quasar } from 'quasar';
import { createApp, h, reactive, type App } from 'vue';
import { HOST, type Host } from '@/app/host';
import { useEngineStore } from '@/stores';
import EmbedApp from './EmbedApp.vue';
import { followHostScheme, type Scheme } from './hostScheme';
import { sharedRunner } from './sharedRunner';
import { adoptStyles } from './shadowStyles';

export interface EmbedDefaults {
  /** The folder this module was loaded from. */
  moduleBase: string;
}

/** Quasar adds its platform classes to <body> when installed; a guest must leave the host's body alone. */
function withoutBodyClasses(install: () => void): void {
  const before = document.body.className;
  install();
  document.body.className = before;
}

export function defineHeadraceFlow(defaults: EmbedDefaults, name = 'headrace-flow'): void {
  if (customElements.get(name)) return;

  class HeadraceFlowElement extends HTMLElement {
    static observedAttributes = ['src', 'height', 'fill', 'autorun', 'theme', 'studio'];
    private app: App | null = null;
    private readonly props = reactive({ src: null as string | null, height: '360px', fill: false, autorun: false, studio: '' });
    /** The element inside the shadow root that carries the scheme (`data-scheme`). */
    private mount: HTMLElement | null = null;
    private unfollow: (() => void) | null = null;

    connectedCallback(): void {
      if (this.app) return;
      const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
      adoptStyles(root);
      const mount = document.createElement('div');
      mount.className = 'hr-root';
      root.replaceChildren(mount);
      this.mount = mount;
      this.readAttributes();
      const runtime = new URL(this.getAttribute('runtime') ?? './', defaults.moduleBase).href;
      const host: Host = {
        events: this,
        runtimeBase: runtime,
        persistSettings: false,
        engineReady: () => undefined,
      };
      // A render function reading the reactive props: attribute changes re-render the app.
      const app = createApp({ render: () => h(EmbedApp, { ...this.props }) });
      app.provide(HOST, host);
      const pinia = createPinia();
      app.use(pinia);
      withoutBodyClasses(() => app.use(Quasar, {}));
      // Booting only loads Python and the engine; the flow's code runs on Run.
      void useEngineStore(pinia).boot(sharedRunner(runtime));
      this.app = app;
      app.mount(mount);
    }

    disconnectedCallback(): void {
      this.app?.unmount();
      this.app = null;
      this.unfollow?.();
      this.unfollow = null;
    }

    /** `theme="light|dark"` wins; otherwise follow the host page's scheme. */
    private applyTheme(): void {
      const theme = this.getAttribute('theme');
      if (theme === 'light' || theme === 'dark') {
        this.unfollow?.();
        this.unfollow = null;
        this.showScheme(theme);
      } else if (!this.unfollow && this.mount) {
        this.unfollow = followHostScheme((scheme) => this.showScheme(scheme));
      }
    }

    private showScheme(scheme: Scheme): void {
      if (this.mount) this.mount.dataset.scheme = scheme;
    }

    attributeChangedCallback(): void {
      this.readAttributes();
    }

    private readAttributes(): void {
      this.applyTheme();
      this.props.src = this.getAttribute('src');
      this.props.height = this.getAttribute('height') || '360px';
      this.props.fill = this.hasAttribute('fill') && this.getAttribute('fill') !== 'false';
      this.props.autorun = this.hasAttribute('autorun') && this.getAttribute('autorun') !== 'false';
      this.props.studio = new URL(this.getAttribute('studio') ?? '../index.html', this.getAttribute('studio') ? document.baseURI : defaults.moduleBase).href;
    }
  }

  customElements.define(name, HeadraceFlowElement);
}
