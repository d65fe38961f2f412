// docs/openapi.yaml: load it, list its operations, and validate JSON
// values against its schemas (the subset of OpenAPI 3.0 schema objects the
// document uses: $ref, type, nullable, enum, properties, required,
// additionalProperties, items, min/maxItems, min/maxProperties,
// minimum/maximum, min/maxLength, pattern, oneOf, allOf).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const DOCS = path.resolve(HERE, '../../../docs');
export const OPENAPI_PATH = path.join(DOCS, 'openapi.yaml');

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function loadOpenApi() {
	return YAML.parse(fs.readFileSync(OPENAPI_PATH, 'utf8'));
}

/** "GET /api/v1/agents/{id}" for every operation of the document. */
export function docRoutes(doc) {
	const out = [];
	for (const [p, item] of Object.entries(doc.paths || {})) {
		for (const m of METHODS) {
			if (item[m])
				out.push(`${m.toUpperCase()} ${p}`);
		}
	}
	return out;
}

/** Resolve a local "#/a/b" reference. */
export function resolveRef(doc, ref) {
	if (!ref.startsWith('#/'))
		throw new Error(`non-local $ref ${ref}`);
	let v = doc;
	for (const part of ref.slice(2).split('/')) {
		v = v?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
		if (v === undefined)
			throw new Error(`unresolved $ref ${ref}`);
	}
	return v;
}

/** Every $ref in the document, with where it is. */
export function allRefs(doc) {
	const refs = [];
	const walk = (v, where) => {
		if (Array.isArray(v))
			v.forEach((x, i) => walk(x, `${where}/${i}`));
		else if (v && typeof v === 'object') {
			for (const [k, x] of Object.entries(v)) {
				if (k === '$ref')
					refs.push([x, where]);
				else
					walk(x, `${where}/${k}`);
			}
		}
	};
	walk(doc, '#');
	return refs;
}

function typeOf(v) {
	if (v === null)
		return 'null';
	if (Array.isArray(v))
		return 'array';
	if (Number.isInteger(v))
		return 'integer';
	return typeof v;
}

/** Validate value against schema; returns a list of error strings. */
export function validate(doc, schema, value, where = '$') {
	const errs = [];
	const v = (s, x, w) => errs.push(...validate(doc, s, x, w));
	if (schema.$ref)
		return validate(doc, resolveRef(doc, schema.$ref), value, where);
	if (schema.allOf) {
		for (const s of schema.allOf)
			v(s, value, where);
	}
	if (schema.oneOf) {
		const ok = schema.oneOf.filter((s) => validate(doc, s, value, where).length === 0);
		if (ok.length !== 1)
			errs.push(`${where}: matches ${ok.length} of oneOf`);
	}
	if (value === null) {
		if (!schema.nullable && schema.type)
			errs.push(`${where}: null but not nullable`);
		return errs;
	}
	if (schema.type) {
		const t = typeOf(value);
		const ok = schema.type === t || (schema.type === 'number' && t === 'integer');
		if (!ok) {
			errs.push(`${where}: ${t} is not ${schema.type} (${JSON.stringify(value)?.slice(0, 60)})`);
			return errs;
		}
	}
	if (schema.enum && !schema.enum.includes(value))
		errs.push(`${where}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
	if (typeof value === 'string') {
		const n = Buffer.byteLength(value);
		if (schema.minLength !== undefined && value.length < schema.minLength)
			errs.push(`${where}: shorter than ${schema.minLength}`);
		if (schema.maxLength !== undefined && n > schema.maxLength)
			errs.push(`${where}: longer than ${schema.maxLength}`);
		if (schema.pattern && !new RegExp(schema.pattern).test(value))
			errs.push(`${where}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
	}
	if (typeof value === 'number') {
		if (schema.minimum !== undefined && value < schema.minimum)
			errs.push(`${where}: ${value} < ${schema.minimum}`);
		if (schema.maximum !== undefined && value > schema.maximum)
			errs.push(`${where}: ${value} > ${schema.maximum}`);
	}
	if (Array.isArray(value)) {
		if (schema.minItems !== undefined && value.length < schema.minItems)
			errs.push(`${where}: fewer than ${schema.minItems} items`);
		if (schema.maxItems !== undefined && value.length > schema.maxItems)
			errs.push(`${where}: more than ${schema.maxItems} items`);
		if (schema.items)
			value.forEach((x, i) => v(schema.items, x, `${where}[${i}]`));
	}
	if (typeOf(value) === 'object') {
		const keys = Object.keys(value);
		if (schema.minProperties !== undefined && keys.length < schema.minProperties)
			errs.push(`${where}: fewer than ${schema.minProperties} properties`);
		if (schema.maxProperties !== undefined && keys.length > schema.maxProperties)
			errs.push(`${where}: more than ${schema.maxProperties} properties`);
		for (const r of schema.required || []) {
			if (!(r in value))
				errs.push(`${where}: missing required ${r}`);
		}
		const props = schema.properties || {};
		for (const k of keys) {
			if (props[k])
				v(props[k], value[k], `${where}.${k}`);
			else if (schema.additionalProperties === false)
				errs.push(`${where}: undocumented property ${k}`);
			else if (typeof schema.additionalProperties === 'object')
				v(schema.additionalProperties, value[k], `${where}.${k}`);
		}
	}
	return errs;
}

/** Find the operation for a concrete request path: {template, op}. */
export function findOperation(doc, method, urlPath) {
	const p = urlPath.split('?')[0];
	for (const [tpl, item] of Object.entries(doc.paths)) {
		const re = new RegExp('^' + tpl.replace(/\{[^}]+\}/g, '[^/]+') + '$');
		if (re.test(p) && item[method.toLowerCase()])
			return { template: tpl, op: item[method.toLowerCase()] };
	}
	return null;
}

/** The documented response object for a status (following $ref). */
export function findResponse(doc, op, status) {
	let r = op.responses?.[String(status)] ?? op.responses?.default;
	if (r && r.$ref)
		r = resolveRef(doc, r.$ref);
	return r || null;
}
