// ESLint flat config for the studio: TypeScript (strict, type-aware where cheap) and Vue.
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';

export default tseslint.config(
  { ignores: ['dist/**', 'studio/generated/**', 'node_modules/**', 'studio/src/protocol/events.ts'] },
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['studio/**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module' } },
  },
  {
    files: ['studio/**/*.{ts,vue}'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/html-indent': 'off',
      // Only stores talk to an engine (STYLE.md §6): components and panels go through them.
      'no-restricted-imports': ['error', { patterns: [{ group: ['@/runner/*', '**/runner/**'], message: 'Only stores (and app/bootstrap.ts) may use a Runner.' }] }],
    },
  },
  {
    files: ['studio/src/stores/**', 'studio/src/runner/**', 'studio/src/app/bootstrap.ts', 'studio/src/app/startStudio.ts', 'studio/src/main.ts', 'studio/src/embed/HeadraceFlowElement.ts', 'studio/src/embed/sharedRunner.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Below the stores: storage, files, the flow model and the run view are plain modules
    // the stores call with what they need, so a store can be tested without them and
    // they without a store (docs/design.md, "Stores").
    files: ['studio/src/persistence/**', 'studio/src/files/**', 'studio/src/flow/**', 'studio/src/run/**', 'studio/src/protocol/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@/runner/*', '**/runner/**'], message: 'Only stores (and app/bootstrap.ts) may use a Runner.' },
            { group: ['@/stores', '@/stores/*', '**/stores/**'], message: 'Stores call this module; it never imports a store: take what it needs as a parameter.' },
          ],
        },
      ],
    },
  },
);
