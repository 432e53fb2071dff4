// `node --import <this file> child.ts`: registers ts-hooks.mjs before the child's first import.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
