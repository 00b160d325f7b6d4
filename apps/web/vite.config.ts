import { defineConfig } from 'vite';

// The workspace packages resolve through their package.json `exports` `browser` condition to their
// built dist/ (turbo builds them before this app), exactly as an app outside this repo would get them.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // onnxruntime-web and tfjs are large; the page loads them once, so no warning about chunk size.
    chunkSizeWarningLimit: 4096,
  },
  // onnxruntime-web's bundle finds its .wasm with new URL(..., import.meta.url): leave it unbundled
  // in dev so the URL points into node_modules, as it does in the build's assets.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
});
