import { randomInt } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A loopback uCaller (providers.md 3.1) speaking POST {base}/initCall with a Bearer key, strict
// enough to catch wire mistakes: a wrong key, a phone that is not E.164 digits, a code that is
// not exactly 4 digits (a number like 123 for "0123" is refused).

export type UcallerMode =
  | 'ok'
  | 'hang'
  | 'http500'
  /** uCaller ignores our code and picks its own 4 digits. */
  | 'provider-picks-code'
  | `slow:${number}`
  /** status:false with this error text. */
  | `error:${string}`;

export interface UcallerRequestRecord {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when it was not JSON). */
  body: any;
  raw: string;
}

export interface UcallerCallRecord {
  ucallerId: number;
  /** E.164 digits without '+'. */
  phone: string;
  /** The 4 digits the user sees: the last 4 of `cli`. */
  code: string;
  /** The caller number, '+' E.164. */
  cli: string;
  voice: boolean;
  unique?: string;
  /** What we sent as code, as received (number or string), for wire assertions. */
  sentCode?: unknown;
}

export interface FakeUcaller {
  /** Base URL to use as UCALLER_URL (…/v1.0). */
  url: string;
  serviceId: string;
  key: string;
  mode: UcallerMode;
  /** Force the digits the next provider-chosen code will have (then random again). */
  nextProviderCode?: string;
  /** Every request, in order, including refused and repeated ones. */
  received: UcallerRequestRecord[];
  /** Calls actually placed (a repeated `unique` places none). */
  calls: UcallerCallRecord[];
  lastCall(phoneDigits?: string): UcallerCallRecord | undefined;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeUcallerOptions {
  serviceId?: string;
  key?: string;
  mode?: UcallerMode;
  /** HTTP status of a refused Bearer key (uCaller's body is status:false either way). */
  authFailureStatus?: 200 | 401;
}

export async function startFakeUcaller(opts: FakeUcallerOptions = {}): Promise<FakeUcaller> {
  const sockets = new Set<Socket>();
  const byUnique = new Map<string, UcallerCallRecord>();
  let nextId = 103000;

  const fake: FakeUcaller = {
    url: '',
    serviceId: opts.serviceId ?? '123456',
    key: opts.key ?? 'k'.repeat(16) + '0123456789abcdef',
    mode: opts.mode ?? 'ok',
    received: [],
    calls: [],
    lastCall(phoneDigits) {
      const list = phoneDigits ? this.calls.filter((c) => c.phone === phoneDigits.replace(/^\+/, '')) : this.calls;
      return list[list.length - 1];
    },
    reset() {
      this.received.length = 0;
      this.calls.length = 0;
      byUnique.clear();
      this.mode = opts.mode ?? 'ok';
      this.nextProviderCode = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, error: string, code: number, httpStatus = 200) =>
    send(res, httpStatus, { status: false, error, code });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      fake.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, raw });

      const mode = fake.mode;
      if (mode === 'hang') return; // never answer; close() destroys the socket
      if (mode.startsWith('slow:')) await new Promise((r) => setTimeout(r, Number(mode.slice(5))));
      if (mode === 'http500') {
        res.writeHead(500, { 'content-type': 'text/html' });
        return res.end('<html><body>500 Internal Server Error</body></html>');
      }
      if (req.method !== 'POST' || !/\/v1\.0\/initCall$/.test((req.url ?? '').split('?')[0])) {
        return fail(res, 'Method not found', 404, 404);
      }
      if (req.headers.authorization !== `Bearer ${fake.key}.${fake.serviceId}`) {
        return fail(res, 'Authorization failed: wrong key or service_id', 1, opts.authFailureStatus ?? 200);
      }
      if (!body || typeof body !== 'object') return fail(res, 'Request body must be JSON', 2);
      if (mode.startsWith('error:')) return fail(res, mode.slice(6), 18);

      const phone =
        typeof body.phone === 'number' && Number.isSafeInteger(body.phone) ? String(body.phone)
        : typeof body.phone === 'string' ? body.phone
        : '';
      if (!/^[1-9]\d{9,14}$/.test(phone)) return fail(res, 'Invalid phone number', 3);
      const sent = body.code;
      const validCode =
        sent === undefined ||
        (typeof sent === 'string' && /^\d{4}$/.test(sent)) ||
        (typeof sent === 'number' && Number.isInteger(sent) && sent >= 1000 && sent <= 9999);
      if (!validCode) return fail(res, 'Invalid code: 4 digits expected', 4);
      if (body.unique !== undefined && (typeof body.unique !== 'string' || body.unique.length > 64)) {
        return fail(res, 'Invalid unique: up to 64 characters', 5);
      }

      // Same `unique` again: no new call, the first call's answer with exists:true.
      let call = typeof body.unique === 'string' ? byUnique.get(body.unique) : undefined;
      const exists = call !== undefined;
      if (!call) {
        const pick = () => {
          const forced = fake.nextProviderCode;
          fake.nextProviderCode = undefined;
          return forced ?? String(randomInt(0, 10000)).padStart(4, '0');
        };
        const code = sent === undefined || mode === 'provider-picks-code' ? pick() : String(sent);
        call = {
          ucallerId: nextId++,
          phone,
          code,
          cli: `+7495${String(randomInt(0, 1000)).padStart(3, '0')}${code}`,
          voice: body.voice === true,
          unique: body.unique,
          sentCode: sent,
        };
        fake.calls.push(call);
        if (call.unique) byUnique.set(call.unique, call);
      }
      send(res, 200, {
        status: true,
        ucaller_id: call.ucallerId,
        phone: Number(call.phone),
        // uCaller answers the code as a number: "0123" comes back as 123.
        code: Number(call.code),
        client: typeof body.client === 'string' ? body.client : null,
        unique_request_id: call.unique ?? null,
        exists,
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`;
  return fake;
}
