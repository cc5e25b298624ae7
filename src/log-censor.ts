// Belt and braces for objects logged by mistake: a password, secret or API key, at the top of
// a logged object or one level down, and an Authorization header (`headers` or `req.headers`)
// are written as [redacted]. What is logged on purpose is an allow-list already (logger.ts).
// A key scan instead of pino's redact option, which walked and copied every logged object
// (~4 µs a line); an object is copied only when something is censored.

const CENSOR = '[redacted]';
const SECRET_KEYS = new Set(['password', 'secret', 'apiKey']);

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `o` with its secret keys censored (a copy), or `o` itself when it has none. */
function censorKeys(o: Obj, extra?: string): Obj {
  let out: Obj | undefined;
  for (const k in o) {
    if ((SECRET_KEYS.has(k) || k === extra) && o[k] !== undefined) (out ??= { ...o })[k] = CENSOR;
  }
  return out ?? o;
}

export function censorSecrets(obj: Obj): Obj {
  let out: Obj | undefined;
  for (const k in obj) {
    const v = obj[k];
    if (SECRET_KEYS.has(k) && v !== undefined) {
      (out ??= { ...obj })[k] = CENSOR;
    } else if (isObject(v)) {
      let c = censorKeys(v, k === 'headers' ? 'authorization' : undefined);
      if (k === 'req' && isObject(c.headers)) {
        const h = censorKeys(c.headers, 'authorization');
        if (h !== c.headers) c = { ...c, headers: h };
      }
      if (c !== v) (out ??= { ...obj })[k] = c;
    }
  }
  return out ?? obj;
}
