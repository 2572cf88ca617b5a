/// <reference types="vitest/config" />
// SPDX-License-Identifier: MIT
// Build of Loom's browser editor. loomd serves the output folder as static
// files, so every asset path is relative ("./assets/...") and the bundle
// never loads anything from another origin. LOOM_WEB_OUT (set by CMake)
// chooses the output folder; the default is web/dist.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
	base: './',
	plugins: [react()],
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
