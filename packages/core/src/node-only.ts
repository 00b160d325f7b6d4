// File paths are a Node feature: in a browser, `import('node:fs/promises')` resolves to a
// bundler's empty stub, and the first call on it fails with "open is not a function". This check
// runs first and says what happened and what to use instead.

/** True where Node's built-in modules exist (Node, or Electron's main process). */
export function hasNodeFs(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Throws a clear error outside Node; `what` names the call, e.g. `model.save('m.safetensors')`. */
export function assertNodeFs(what: string): void {
  if (hasNodeFs()) return;
  throw new Error(
    `${what}: reading or writing a file path needs Node (node:fs), and this is not Node (a browser?). ` +
      'In a browser, keep the weights in memory: model.stateDict() to read them, model.loadStateDict(map) to set them',
  );
}
