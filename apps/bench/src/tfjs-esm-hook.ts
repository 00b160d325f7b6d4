// A module resolve hook (node:module register) for TensorFlow.js' ESM files in Node: they import
// relative paths without the `.js` extension, which bundlers accept and Node's ESM loader does not.
// Used only by the --peers worker, to load tfjs-core's register_all_gradients and chained ops.
type Next = (specifier: string, context: { parentURL?: string | undefined }) => Promise<unknown>;

export async function resolve(specifier: string, context: { parentURL?: string | undefined }, next: Next): Promise<unknown> {
  try {
    return await next(specifier, context);
  } catch (err) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (relative && !specifier.endsWith('.js') && context.parentURL?.includes('/@tensorflow/')) return next(`${specifier}.js`, context);
    throw err;
  }
}
