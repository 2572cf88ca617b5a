// SPDX-License-Identifier: MIT
// Generates src/protocol.gen.ts from ../protocol/loom-protocol.json (the
// protocol as data, docs/protocol.md): the protocol version, one type per
// shape of "$defs", and the params and result of every method and the
// params of every event. Run by `npm run build` and `npm test`; the
// output is not kept in git and never edited by hand (src/types.ts gives
// its types the names the editor uses). Knows the keywords the protocol
// file uses: type, enum, const, properties, required,
// additionalProperties, items, anyOf, $ref, description. The file is
// rewritten only when its text changes.
import { readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const schemaPath = join(here, '..', '..', 'protocol', 'loom-protocol.json');
const outPath = join(here, '..', 'src', 'protocol.gen.ts');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

const scalar = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean', null: 'null' };

function fail(msg) {
	console.error(`gen-protocol: ${schemaPath}: ${msg}`);
	process.exit(1);
}

function key(name) {
	return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

function comment(s, indent) {
	return s.description ? `${indent}/** ${s.description} */\n` : '';
}

function members(s, indent) {
	const req = new Set(s.required ?? []);
	let out = '';
	for (const [name, sub] of Object.entries(s.properties)) {
		out += comment(sub, indent);
		out += `${indent}${key(name)}${req.has(name) ? '' : '?'}: ${ts(sub, indent)};\n`;
	}
	return out;
}

function ts(s, indent = '\t') {
	if (s.$ref) return s.$ref.replace('#/$defs/', '');
	if (s.anyOf) return s.anyOf.map((a) => ts(a, indent)).join(' | ');
	if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
	if ('const' in s) return JSON.stringify(s.const);
	if (s.type === 'array') {
		const item = ts(s.items ?? {}, indent);
		return /[|{]/.test(item) ? `(${item})[]` : `${item}[]`;
	}
	if (s.type === 'object' || s.properties) {
		if (!s.properties || Object.keys(s.properties).length === 0) {
			const v = s.additionalProperties;
			return `Record<string, ${v && typeof v === 'object' ? ts(v, indent) : 'unknown'}>`;
		}
		return `{\n${members(s, indent + '\t')}${indent}}`;
	}
	if (s.type in scalar) return scalar[s.type];
	if (s.type === undefined) return 'unknown';
	fail(`unknown type ${JSON.stringify(s.type)}`);
}

function definition(name, s) {
	if ((s.type === 'object' || s.properties) && s.properties && Object.keys(s.properties).length > 0)
		return `${comment(s, '')}export interface ${name} {\n${members(s, '\t')}}\n`;
	return `${comment(s, '')}export type ${name} = ${ts(s, '')};\n`;
}

if (!Number.isInteger(schema.protocol)) fail('no integer "protocol" version');
let out = '// Generated from protocol/loom-protocol.json by web/scripts/gen-protocol.mjs:\n' +
	'// do not edit. The editor imports these through src/types.ts.\n\n' +
	`/** The protocol version the editor sends in daemon.hello. */\n` +
	`export const PROTOCOL_VERSION = ${schema.protocol};\n\n`;
for (const [name, s] of Object.entries(schema.$defs ?? {})) out += definition(name, s) + '\n';
out += '/** Every method: its params and result. */\nexport interface Methods {\n';
for (const [name, m] of Object.entries(schema.methods)) {
	if (!m.params || !m.result) fail(`method ${name} needs "params" and "result"`);
	out += comment(m, '\t');
	out += `\t${key(name)}: {\n\t\tparams: ${ts(m.params, '\t\t')};\n\t\tresult: ${ts(m.result, '\t\t')};\n\t};\n`;
}
out += '}\n\n/** Every event (a notification from the daemon): its params. */\nexport interface Events {\n';
for (const [name, e] of Object.entries(schema.events)) {
	out += comment(e, '\t');
	out += `\t${key(name)}: ${ts(e.params, '\t')};\n`;
}
out += '}\n\nexport type MethodName = keyof Methods;\nexport type EventName = keyof Events;\n';
out += `export const METHOD_NAMES: readonly MethodName[] = ${JSON.stringify(Object.keys(schema.methods))};\n`;
out += `export const EVENT_NAMES: readonly EventName[] = ${JSON.stringify(Object.keys(schema.events))};\n`;

if (!existsSync(outPath) || readFileSync(outPath, 'utf8') !== out) {
	writeFileSync(outPath + '.tmp', out);
	renameSync(outPath + '.tmp', outPath);
}
