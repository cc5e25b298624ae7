import { HEADER_COMPONENTS, RATE_LIMIT_HEADERS, headerRefs } from './headers.js';
import { NOTES_KEY, type OperationNotes } from './notes.js';
import { problemResponses } from './problems.js';

// The last pass over the generated document: tidy the component schemas, expand each
// operation's notes (problem responses, headers, examples, media types), add the header
// components. Pure: document in, document out.

type Json = Record<string, any>;

export function finishDocument(doc: Json): Json {
  for (const item of Object.values<Json>(doc.paths ?? {})) {
    for (const op of Object.values<Json>(item)) finishOperation(op);
  }
  doc.components = { ...doc.components, headers: { ...doc.components?.headers, ...HEADER_COMPONENTS } };
  tidySchemas(doc);
  return doc;
}

function finishOperation(op: Json) {
  const n: OperationNotes = op[NOTES_KEY] ?? {};
  delete op[NOTES_KEY];
  const responses: Json = op.responses ?? {};
  // The routes' generic 4xx/5xx serializers are replaced by one response per status.
  for (const generic of ['4XX', '5XX']) delete responses[generic];
  if (n.responses) {
    for (const key of Object.keys(responses)) if (!(key in n.responses)) delete responses[key];
    Object.assign(responses, structuredClone(n.responses));
  }
  for (const [status, r] of Object.entries<Json>(responses)) {
    if (Number(status) >= 400) continue;
    if (n.success && r.description === 'Default Response') r.description = n.success;
    const names = ['X-Request-Id', ...(n.rateLimited ? RATE_LIMIT_HEADERS : []), ...(n.successHeaders ?? [])];
    r.headers = { ...headerRefs(names), ...r.headers };
    const example = n.responseExamples?.[status];
    if (example !== undefined && r.content?.['application/json']) r.content['application/json'].example = example;
  }
  Object.assign(responses, problemResponses(n, op.requestBody !== undefined));
  if (n.rateLimited) {
    const tooMany = responses['429'];
    if (tooMany) tooMany.headers = { ...tooMany.headers, ...headerRefs(RATE_LIMIT_HEADERS) };
  }
  op.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));

  for (const p of op.parameters ?? []) if (p.in === 'header') p.name = headerCase(p.name);
  if (op.requestBody && n.bodyOptional) {
    op.requestBody.required = false;
    const schema = op.requestBody.content?.['application/json']?.schema;
    // A nullish body is "no body" on the wire: the JSON form is just the object.
    if (schema?.anyOf) schema.anyOf = schema.anyOf.filter((s: Json) => s.type !== 'null');
    if (schema?.anyOf?.length === 1) op.requestBody.content['application/json'].schema = schema.anyOf[0];
  }
  const body = op.requestBody?.content?.['application/json'];
  if (body && n.requestMediaTypes) {
    op.requestBody.content = Object.fromEntries(n.requestMediaTypes.map((t) => [t, { schema: body.schema }]));
  } else if (body && n.requestExample !== undefined) {
    body.example = n.requestExample;
  }
}

/** idempotency-key → Idempotency-Key, as documentation spells headers. */
const headerCase = (name: string) => name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

/**
 * The zod transform emits every named schema twice, as `X` (output) and `XInput` (input).
 * Keep the ones referenced, and name an input-only schema `X` when no output `X` is used.
 */
function tidySchemas(doc: Json) {
  const schemas: Json = doc.components?.schemas ?? {};
  const used = referenced(doc, schemas);
  const rename = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    if (!used.has(name)) {
      delete schemas[name];
      continue;
    }
    const base = name.replace(/Input$/, '');
    if (base !== name && !used.has(base)) rename.set(name, base);
  }
  for (const [from, to] of rename) {
    schemas[to] = schemas[from];
    delete schemas[from];
  }
  rewriteRefs(doc, rename);
  doc.components.schemas = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

const PREFIX = '#/components/schemas/';

/** Schema names reachable from the paths (following references between schemas). */
function referenced(doc: Json, schemas: Json): Set<string> {
  const used = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      if (k === '$ref' && typeof child === 'string' && child.startsWith(PREFIX)) {
        const name = child.slice(PREFIX.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(child);
    }
  };
  visit(doc.paths);
  return used;
}

function rewriteRefs(v: unknown, rename: Map<string, string>) {
  if (Array.isArray(v)) return v.forEach((x) => rewriteRefs(x, rename));
  if (!v || typeof v !== 'object') return;
  const o = v as Json;
  for (const [k, child] of Object.entries(o)) {
    if (k === '$ref' && typeof child === 'string' && child.startsWith(PREFIX)) {
      const to = rename.get(child.slice(PREFIX.length));
      if (to) o[k] = PREFIX + to;
    } else rewriteRefs(child, rename);
  }
}
