/// <reference types="vitest/config" />
// SPDX-License-Identifier: MIT
// Build of Loom's browser editor. loomd serves the output folder as static
// files, so every asset path is relative ("./assets/...") and the bundle
// never loads anything from another origin. LOOM_WEB_OUT (set by CMake)
// chooses the output folder; the default is web/dist.
import { defineConfig } from 'vite';
import type { HtmlTagDescriptor, Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The page has two entries: src/main.ts (index.html's own script: it opens
 * the socket and sends the first requests) and src/editor.ts, the editor
 * proper, which this adds to index.html as a second module script, with
 * its styles. The browser fetches both at once, compiles the big one off
 * the main thread while it arrives, and runs it after main.ts (it imports
 * main.ts), so the daemon's answers are on their way while the editor
 * loads. (Imported with import() instead, it was compiled on the main
 * thread, after the first requests were out.)
 */
function editorEntry(): Plugin {
	return {
		name: 'loom-editor-entry',
		transformIndexHtml: {
			order: 'post',
			handler(_html, ctx) {
				// The dev server serves the sources as they are.
				if (!ctx.bundle) return [{ tag: 'script', attrs: { type: 'module', src: '/src/editor.ts' }, injectTo: 'head' }];
				const c = Object.values(ctx.bundle ?? {}).find((x) => x.type === 'chunk' && x.isEntry && x.name === 'editor');
				if (c?.type !== 'chunk') throw new Error('no editor chunk in the bundle');
				const tags: HtmlTagDescriptor[] = [...(c.viteMetadata?.importedCss ?? [])].map((css) => ({
					tag: 'link',
					attrs: { rel: 'stylesheet', crossorigin: true, href: `./${css}` },
					injectTo: 'head',
				}));
				tags.push({ tag: 'script', attrs: { type: 'module', crossorigin: true, src: `./${c.fileName}` }, injectTo: 'head' });
				return tags;
			},
		},
	};
}

export default defineConfig({
	base: './',
	plugins: [react(), editorEntry()],
	build: {
		outDir: process.env.LOOM_WEB_OUT || 'dist',
		emptyOutDir: true,
		chunkSizeWarningLimit: 2000,
		sourcemap: false,
		rollupOptions: { input: { index: here('index.html'), editor: here('src/editor.ts') } },
	},
	test: {
		include: ['tests/**/*.test.ts'],
		environment: 'node',
	},
});
