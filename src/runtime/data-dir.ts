import path from 'node:path';
import fs from 'node:fs';
import { optionalString } from '../config/env';

/** Where the embedded services keep their files: DATA_DIR, else `.data` in the project root. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export function dataDir(env: Record<string, string | undefined>): string {
  const dir = path.resolve(optionalString(env, 'DATA_DIR') ?? path.join(PROJECT_ROOT, '.data'));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
