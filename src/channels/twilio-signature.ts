import { createHmac, timingSafeEqual } from 'node:crypto';

// X-Twilio-Signature (Twilio's security docs; tested against the example signatures Twilio's
// own libraries test with): base64 HMAC-SHA1, keyed with the auth token, over the full URL
// Twilio requested followed by each POST parameter's name and value, sorted by name
// (byte-wise, so CallSid sorts before Caller), a repeated name contributing every value sorted.

export type FormParams = Record<string, string | string[] | undefined>;

export function twilioSignature(authToken: string, url: string, params: FormParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const v = params[name];
    const values = v === undefined ? [] : Array.isArray(v) ? [...v].sort() : [v];
    for (const value of values) data += name + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * The URL with and without the scheme's default port: Twilio may sign either form (its own
 * validators accept both).
 */
function urlForms(url: string): string[] {
  const u = new URL(url);
  const port = u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '';
  if (!port) return [url];
  const withPort = url.replace(/^(\w+:\/\/[^/:?#]+)(?=[/?#]|$)/, `$1:${port}`);
  const withoutPort = url.replace(new RegExp(`^(\\w+://[^/:?#]+):${port}(?=[/?#]|$)`), '$1');
  return [...new Set([url, withPort, withoutPort])];
}

/** True when `header` is Twilio's signature of this request; constant-time per comparison. */
export function validTwilioSignature(authToken: string, header: string | undefined, url: string, params: FormParams): boolean {
  if (!header) return false;
  const got = Buffer.from(header);
  let ok = false;
  for (const form of urlForms(url)) {
    const want = Buffer.from(twilioSignature(authToken, form, params));
    if (want.length === got.length && timingSafeEqual(want, got)) ok = true;
  }
  return ok;
}
