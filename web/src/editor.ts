// SPDX-License-Identifier: MIT
// The second entry of the page: the editor proper (React, React Flow, the
// graph). index.html loads it beside main.ts, as a module script of its
// own, so that the browser compiles it while it arrives (off the main
// thread) and runs it after main.ts, whose socket and first requests it
// takes over (see vite.config.ts).
import { first, rpc, target } from './main';
import { mount } from './mount';

mount(rpc, target, first);
