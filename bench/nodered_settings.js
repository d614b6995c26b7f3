// Node-RED for the benchmarks: headless on loopback, nothing that reaches the network
// (no telemetry or update checks, no palette installs), quiet logs. bench/nodered.py
// passes the port and the user directory.
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: Number(process.env.BENCH_NODE_RED_PORT),
  flowFile: 'flows.json',
  credentialSecret: false,
  httpAdminRoot: '/',
  httpNodeRoot: '/api',
  diagnostics: { enabled: false, ui: false },
  runtimeState: { enabled: false, ui: false },
  telemetry: { enabled: false, updateNotification: false },
  logging: { console: { level: 'warn', metrics: false, audit: false } },
  externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpdate: false, allowUpload: false } },
  functionExternalModules: false,
  editorTheme: { tours: false, projects: { enabled: false } },
};
