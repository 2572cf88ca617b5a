/// <reference types="vitest/config" />
// SPDX-License-Identifier: MIT
// Build of Loom's browser editor. loomd serves the output folder as static
// files, so every asset path is relative ("./assets/...") and the bundle
// never loads anything from another origin. LOOM_WEB_OUT (set by CMake)
// chooses the output folder; the default is web/dist.
// React and React DOM are Preact's compatibility layer (preact/compat) in
// the bundle: the same API for the editor and React Flow, a first chunk a
// third smaller (532 -> 359 KB) and less of the main thread's time before
// the first frame (docs/editor.md, Benchmark). Type checking still uses
// React's types.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
	base: './',
	plugins: [react()],
	resolve: {
		alias: [
			{ find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
			{ find: /^react-dom$/, replacement: 'preact/compat' },
			{ find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
			{ find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-dev-runtime' },
			{ find: /^react$/, replacement: 'preact/compat' },
		],
	},
	build: {
		outDir: process.env.LOOM_WEB_OUT || 'dist',
		emptyOutDir: true,
		chunkSizeWarningLimit: 2000,
		sourcemap: false,
	},
	test: {
		include: ['tests/**/*.test.ts'],
		environment: 'node',
	},
});
