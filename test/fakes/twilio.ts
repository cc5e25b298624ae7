import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { XMLValidator } from 'fast-xml-parser';

// A loopback Twilio REST API (providers.md 4.1): POST /2010-04-01/Accounts/{sid}/Calls.json
// with basic auth and a form body. Refusals use Twilio's error JSON
// { code, message, more_info, status }; the inline Twiml must be well-formed XML.

export type TwilioMode = 'ok' | 'hang' | 'http500' | `slow:${number}`;

export interface TwilioRequestRecord {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed form fields. */
  form: Record<string, string>;
  raw: string;
}

export interface TwilioCallRecord {
  sid: string;
  to: string;
  from: string;
  twiml: string;
  /** StatusCallback and its StatusCallbackEvent values, as the call was created with. */
  statusCallback?: string;
  statusCallbackEvents: string[];
  /** Status callbacks posted so far (SequenceNumber). */
  sequence: number;
}

/** How the fake reaches the service: a real HTTP POST by default, inject() in tests. */
export type WebhookTransport = (url: string, body: string, headers: Record<string, string>) => Promise<{ status: number; body: string }>;

const httpTransport: WebhookTransport = async (url, body, headers) => {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, body: await res.text() };
};

/**
 * X-Twilio-Signature as Twilio computes it (providers.md R.2): base64 HMAC-SHA1 with the auth
 * token over the URL followed by every POST parameter's name and value, sorted by name.
 */
export function signTwilio(authToken: string, url: string, params: [string, string][]): string {
  const sorted = [...params].sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return createHmac('sha1', authToken).update(url + sorted.map(([k, v]) => k + v).join('')).digest('base64');
}

export interface FakeTwilio {
  /** Use as TWILIO_API_URL. */
  url: string;
  accountSid: string;
  authToken: string;
  /** The only From the account may use. */
  from: string;
  mode: TwilioMode;
  /** Well-formed numbers Twilio still refuses with 21211. */
  invalidNumbers: Set<string>;
  received: TwilioRequestRecord[];
  calls: TwilioCallRecord[];
  lastCall(to?: string): TwilioCallRecord | undefined;
  /** Posts the call's final status to its StatusCallback, signed; undefined when none was asked for. */
  endCall(sid: string, status: 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled'): Promise<{ status: number; body: string } | undefined>;
  /** An inbound call to one of our numbers: the signed voice webhook to `url`. */
  inboundCall(url: string, from: string, to: string): Promise<{ status: number; body: string }>;
  transport: WebhookTransport;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  from?: string;
  mode?: TwilioMode;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export async function startFakeTwilio(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const sockets = new Set<Socket>();
  const fake: FakeTwilio = {
    url: '',
    accountSid: opts.accountSid ?? `AC${hex(16)}`,
    authToken: opts.authToken ?? hex(16),
    from: opts.from ?? '+15005550006',
    mode: opts.mode ?? 'ok',
    invalidNumbers: new Set(),
    received: [],
    calls: [],
    lastCall(to) {
      const list = to ? this.calls.filter((c) => c.to === to) : this.calls;
      return list[list.length - 1];
    },
    transport: httpTransport,
    async endCall(sid, status) {
      const call = this.calls.find((c) => c.sid === sid);
      if (!call) throw new Error(`no call ${sid}`);
      // Without StatusCallbackEvent Twilio posts `completed` only, which carries every final state.
      const events = call.statusCallbackEvents.length ? call.statusCallbackEvents : ['completed'];
      if (!call.statusCallback || !events.includes('completed')) return undefined;
      const params: [string, string][] = [
        ['AccountSid', fake.accountSid],
        ['ApiVersion', '2010-04-01'],
        ['CallSid', sid],
        ['CallStatus', status],
        ['CallbackSource', 'call-progress-events'],
        ['Called', call.to],
        ['Caller', call.from],
        ['Direction', 'outbound-api'],
        ['From', call.from],
        ['SequenceNumber', String(call.sequence++)],
        ['Timestamp', new Date().toUTCString().replace('GMT', '+0000')],
        ['To', call.to],
        ['CallDuration', status === 'completed' ? '14' : '0'],
        ['Duration', status === 'completed' ? '1' : '0'],
        ...(status === 'busy' ? ([['SipResponseCode', '486']] as [string, string][]) : []),
      ];
      return this.transport(call.statusCallback, new URLSearchParams(params).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilio(fake.authToken, call.statusCallback, params),
      });
    },
    inboundCall(url, from, to) {
      const params: [string, string][] = [
        ['AccountSid', fake.accountSid],
        ['ApiVersion', '2010-04-01'],
        ['CallSid', `CA${hex(16)}`],
        ['CallStatus', 'ringing'],
        ['Called', to],
        ['Caller', from],
        ['Direction', 'inbound'],
        ['From', from],
        ['To', to],
      ];
      return this.transport(url, new URLSearchParams(params).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signTwilio(fake.authToken, url, params),
      });
    },
    reset() {
      this.transport = httpTransport;
      this.received.length = 0;
      this.calls.length = 0;
      this.invalidNumbers.clear();
      this.mode = opts.mode ?? 'ok';
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: number, message: string) =>
    json(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const form = Object.fromEntries(new URLSearchParams(raw));
      const path = req.url ?? '';
      fake.received.push({ method: req.method ?? '', path, headers: req.headers, form, raw });

      const mode = fake.mode;
      if (mode === 'hang') return; // never answer; close() destroys the socket
      if (mode.startsWith('slow:')) await new Promise((r) => setTimeout(r, Number(mode.slice(5))));
      if (mode === 'http500') return error(res, 500, 20500, 'Internal Server Error');

      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/.exec(path.split('?')[0]);
      if (req.method !== 'POST' || !m) {
        return error(res, 404, 20404, `The requested resource ${path} was not found`);
      }
      const expected = `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`;
      if (req.headers.authorization !== expected || decodeURIComponent(m[1]) !== fake.accountSid) {
        return error(res, 401, 20003, 'Authenticate');
      }
      if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
        return error(res, 400, 20001, 'Content-Type must be application/x-www-form-urlencoded');
      }
      const { To: to, From: from, Twiml: twiml, Url: url } = form;
      if (!to) return error(res, 400, 21201, "No 'To' number is specified");
      if (!from) return error(res, 400, 21213, "No 'From' number is specified");
      if (!twiml && !url) return error(res, 400, 21205, "Either 'Url' or 'Twiml' must be specified");
      if (!/^\+[1-9]\d{7,14}$/.test(to) || fake.invalidNumbers.has(to)) {
        return error(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
      }
      if (from !== fake.from) return error(res, 400, 21210, `The source phone number provided, ${from}, is not yet verified for your account.`);
      if (twiml && (XMLValidator.validate(twiml) !== true || !/^\s*(<\?xml[^>]*\?>\s*)?<Response>/.test(twiml))) {
        return error(res, 400, 12100, 'Document parse failure');
      }
      if (twiml && twiml.length > 4000) return error(res, 400, 21236, 'Twiml too long');

      const sid = `CA${hex(16)}`;
      const all = new URLSearchParams(raw);
      fake.calls.push({
        sid,
        to,
        from,
        twiml: twiml ?? '',
        statusCallback: form.StatusCallback,
        statusCallbackEvents: all.getAll('StatusCallbackEvent'),
        sequence: 0,
      });
      const now = new Date().toUTCString().replace('GMT', '+0000');
      const uri = `/2010-04-01/Accounts/${fake.accountSid}/Calls/${sid}`;
      json(res, 201, {
        account_sid: fake.accountSid,
        annotation: null,
        answered_by: null,
        api_version: '2010-04-01',
        caller_name: null,
        date_created: now,
        date_updated: now,
        direction: 'outbound-api',
        duration: null,
        end_time: null,
        forwarded_from: null,
        from,
        from_formatted: from,
        group_sid: null,
        parent_call_sid: null,
        phone_number_sid: `PN${hex(16)}`,
        price: null,
        price_unit: 'USD',
        queue_time: '0',
        sid,
        start_time: null,
        status: 'queued',
        subresource_uris: {
          notifications: `${uri}/Notifications.json`,
          recordings: `${uri}/Recordings.json`,
          payments: `${uri}/Payments.json`,
          events: `${uri}/Events.json`,
          siprec: `${uri}/Siprec.json`,
          streams: `${uri}/Streams.json`,
          transcriptions: `${uri}/Transcriptions.json`,
          user_defined_message_subscriptions: `${uri}/UserDefinedMessageSubscriptions.json`,
          user_defined_messages: `${uri}/UserDefinedMessages.json`,
        },
        to,
        to_formatted: to,
        trunk_sid: null,
        uri: `${uri}.json`,
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

export interface SaySegment {
  language?: string;
  voice?: string;
  loop: number;
  /** Text with XML entities decoded. */
  text: string;
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);

/** The <Say> verbs of a TwiML document, in order. */
export function saySegments(twiml: string): SaySegment[] {
  const out: SaySegment[] = [];
  for (const m of twiml.matchAll(/<Say\b([^>]*)>([\s\S]*?)<\/Say>/g)) {
    const attr = (name: string) => {
      const a = new RegExp(`\\b${name}="([^"]*)"`).exec(m[1]);
      return a ? unescapeXml(a[1]) : undefined;
    };
    out.push({ language: attr('language'), voice: attr('voice'), loop: Number(attr('loop') ?? 1), text: unescapeXml(m[2]) });
  }
  return out;
}

/** Every code read digit by digit ("1, 2, 3, 4"), once per time it is heard (loop counts). */
export function spokenCodes(twiml: string): string[] {
  const codes: string[] = [];
  for (const s of saySegments(twiml)) {
    for (const m of s.text.matchAll(/\d(?:,\s*\d)+/g)) {
      for (let i = 0; i < Math.max(1, s.loop); i++) codes.push(m[0].replace(/\D/g, ''));
    }
  }
  return codes;
}
