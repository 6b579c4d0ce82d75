// The package's Node entry (also Bun and Deno): the browser-safe core plus file-system loading.
export * from '../index.js';
export { loadModel } from './load-model.js';
export { denoiserModelDir } from './package-files.js';
