// The Python files shipped with this package (python/ next to dist/ and src/), copied into every export.
import { fileURLToPath } from 'node:url';

/** Static files every export gets; model.py and config.json are generated per model. */
export const PYTHON_FILES = ['train.py', 'rnnkit_cells.py', 'rnnkit_io.py'] as const;

/** The package's python/ folder (the same relative path from src/ and from dist/). */
export function pythonDir(): string {
  return fileURLToPath(new URL('../python/', import.meta.url));
}
