import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.ts';

// A setup file's hooks run around every test file; vitest runs after-hooks in reverse order, so this
// one comes after the file's own (which may still read what is in the directories).
afterAll(removeTempDirs);
