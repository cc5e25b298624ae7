import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback stand-in for SMS Traffic's multi.php (providers.md section 1): the same form
// fields, checks, error codes and XML reply shapes, with switchable failure modes. Run two of
// them (main and reserve) to see which host a client used.

/**
 * - `ok`: answers like SMS Traffic
 * - `hang`: reads the request and never answers
 * - `error1000`: answers ERROR 1000 (temporary, "use the reserve host")
 * - `error:<code>`: answers ERROR <code> to every request
 * - `http500`: answers HTTP 500 with an HTML body
 * - `garbage`: answers HTTP 200 with a body that is not SMS Traffic XML (a captive proxy, say)
 * - `slow:<ms>`: answers like `ok` after <ms> milliseconds
 */
/** The statuses SMS Traffic reports (providers.md 1.5) and what an attempt becomes for each. */
export const REPORTED_STATUSES: [status: string, attempt: 'delivered' | 'undelivered' | 'sent'][] = [
  ['Delivered', 'delivered'],
  ['Non Delivered', 'undelivered'],
  ['Rejected', 'undelivered'],
  ['Expired', 'undelivered'],
  ['Deleted', 'undelivered'],
  // Final: nothing more will ever be reported (providers.md R.3).
  ['Unknown status', 'undelivered'],
  ['Buffered SMSC', 'sent'],
];

export type FakeMode =
  | 'ok'
  | 'hang'
  | 'error1000'
  | 'http500'
  | 'garbage'
  | `error:${number}`
  | `slow:${number}`;

export interface FakeSmsTrafficOptions {
  /** Accepted credentials; default `acme` / `secret`. */
  login?: string;
  password?: string;
  mode?: FakeMode;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Form body and query string fields, merged (the API takes either). */
  form: Record<string, string>;
  at: Date;
}

export interface FakeMessage {
  smsId: string;
  /** Digits, as sent in `phones`. */
  phone: string;
  text: string;
  originator: string;
  /** Number of SMS parts the text needed (before max_parts truncation). */
  parts: number;
  /** SMS Traffic status: '' (queued), 'Buffered SMSC', 'Delivered', 'Non Delivered', … */
  status: string;
  submittedAt: Date;
  statusAt: Date;
}

export interface FakeSmsTraffic {
  /** `http://127.0.0.1:<port>/multi.php` */
  url: string;
  /** Every request, in order, whatever the mode. */
  received: ReceivedRequest[];
  /** Every message accepted (answered OK), in order; one per phone, not per part. */
  messages: FakeMessage[];
  /** Send requests only (operation absent). */
  sends(): ReceivedRequest[];
  setMode(mode: FakeMode): void;
  /** Digits of the code in the last accepted message (to that phone, `+` and digits accepted). */
  lastCode(phone?: string): string | undefined;
  lastMessage(phone?: string): FakeMessage | undefined;
  /** Changes what operation=status reports for a message. */
  setStatus(smsId: string, status: string, at?: Date): void;
  /** POSTs a delivery report like SMS Traffic does; also records the status here. */
  sendDeliveryReport(
    targetUrl: string,
    smsId: string,
    status: string,
    date?: Date | string,
  ): Promise<{ status: number; body: string }>;
  /** Forgets requests and messages; mode back to `ok`. */
  reset(): void;
  close(): Promise<void>;
}

/** SMS parts SMS Traffic bills: rus=0 GSM-7 160/153; rus=1/5 UCS-2 70/67 (UTF-16 units). */
export function smsParts(text: string, rus: string | undefined = '0'): number {
  const [single, multi] = rus === '1' || rus === '5' ? [70, 67] : [160, 153];
  return text.length <= single ? 1 : Math.ceil(text.length / multi);
}

/** `YYYY-MM-DD HH:MM:SS` in Moscow time (UTC+3), as SMS Traffic writes dates. */
export function formatMsk(d: Date): string {
  return new Date(d.getTime() + 3 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xml = (body: string) => `<?xml version="1.0" ?>\n<reply>${body}</reply>`;
const error = (code: number, description: string) =>
  xml(`<result>ERROR</result><code>${code}</code><description>${esc(description)}</description>`);
const NO_SUCH = 'no such message or this message does not belong to you';

export async function startFakeSmsTraffic(opts: FakeSmsTrafficOptions = {}): Promise<FakeSmsTraffic> {
  const login = opts.login ?? 'acme';
  const password = opts.password ?? 'secret';
  let mode: FakeMode = opts.mode ?? 'ok';
  const received: ReceivedRequest[] = [];
  const messages: FakeMessage[] = [];
  // 20-digit odd ids: every double above 2^53 is even, so a client that parses them as numbers
  // always changes them. A random start keeps two fakes (main, reserve) from sharing ids.
  let nextId = 10_000_000_000_000_000_001n + BigInt(Math.floor(Math.random() * 1e12)) * 2n;

  const handle = (form: Record<string, string>): string => {
    if (!form.login) return error(401, 'login param is missing');
    if (!form.password) return error(402, 'password param is missing');
    if (form.login !== login || form.password !== password) return error(411, 'authentication failed');
    if (form.operation === 'status') return status(form);
    if (form.operation) return error(404, 'incompatible parameters'); // not faked
    return send(form);
  };

  const send = (form: Record<string, string>): string => {
    if (form.phones === undefined) return error(403, 'phones param is missing');
    if (!form.message) return error(405, 'message param is missing');
    const phones = form.phones.split(',').map((p) => p.trim());
    if (phones.every((p) => p === '')) return error(407, 'phones param is empty');
    for (const p of phones) {
      if (!/^\d+$/.test(p)) return error(428, 'phone has wrong format');
      if (p.length < 11) return error(425, 'phone is too short');
      if (p.length > 15) return error(426, 'phone is too long');
    }
    const originator = form.originator ?? '';
    if (originator && !/^\d{1,15}$/.test(originator) && !/^[A-Za-z0-9._ -]{1,11}$/.test(originator)) {
      return error(421, 'originator is too long or has wrong characters');
    }
    if (/^\d+$/.test(originator) && phones.some((p) => p.startsWith('7'))) {
      return error(436, 'originator is forbidden');
    }
    const maxParts = form.max_parts === undefined ? 255 : Number(form.max_parts);
    if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > 255) return error(404, 'incompatible parameters');
    const parts = smsParts(form.message, form.rus);
    const now = new Date();
    const infos = phones.map((phone) => {
      const ids: string[] = [];
      for (let i = 0; i < Math.min(parts, maxParts); i++) {
        ids.push(String(nextId));
        nextId += 2n;
      }
      const m: FakeMessage = { smsId: ids[0], phone, text: form.message, originator, parts, status: '', submittedAt: now, statusAt: now };
      messages.push(m);
      // A long message gets one message_info per part (providers.md 1.3).
      return ids.map((id) => `<message_info><phone>${phone}</phone><sms_id>${id}</sms_id></message_info>`).join('');
    });
    const head = `<result>OK</result><code></code><description>queued ${phones.length} messages</description>`;
    return xml(form.want_sms_ids === '1' ? `${head}<message_infos>${infos.join('')}</message_infos>` : head);
  };

  const status = (form: Record<string, string>): string => {
    const ids = (form.sms_id ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) return error(433, 'sms_id param is missing');
    const fields = (id: string) => {
      const m = messages.find((x) => x.smsId === id);
      if (!m) return `<error>${NO_SUCH}</error><sms_id>${id}</sms_id>`;
      return (
        `<submition_date>${formatMsk(m.submittedAt)}</submition_date><send_date>${formatMsk(m.submittedAt)}</send_date>` +
        `<last_status_change_date>${formatMsk(m.statusAt)}</last_status_change_date>` +
        `<status>${esc(m.status)}</status><error></error><sms_id>${id}</sms_id>`
      );
    };
    // One id: fields directly under <reply>; several: one <sms> per id (providers.md 1.4).
    return xml(ids.length === 1 ? fields(ids[0]) : ids.map((id) => `<sms>${fields(id)}</sms>`).join(''));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const form = Object.fromEntries([
        ...u.searchParams,
        ...new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      ]);
      received.push({ method: req.method ?? '', path: u.pathname, headers: req.headers, form, at: new Date() });
      const reply = (status: number, body: string, type = 'text/xml') => {
        res.writeHead(status, { 'content-type': `${type}; charset=utf-8` });
        res.end(body);
      };
      const m = mode;
      if (m === 'hang') return; // the socket stays open until the client gives up or close()
      if (m === 'http500') return reply(500, '<html><body>Internal Server Error</body></html>', 'text/html');
      if (m === 'garbage') return reply(200, '<html><body>Welcome</body></html>', 'text/html');
      if (m === 'error1000') return reply(200, error(1000, 'temporary error, please retry'));
      if (m.startsWith('error:')) return reply(200, error(Number(m.slice(6)), `error ${m.slice(6)}`));
      const answer = () => reply(200, handle(form));
      if (m.startsWith('slow:')) setTimeout(answer, Number(m.slice(5)));
      else answer();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const digits = (phone?: string) => phone?.replace(/\D/g, '');
  const lastMessage = (phone?: string) => {
    const p = digits(phone);
    return [...messages].reverse().find((m) => p === undefined || m.phone === p);
  };

  return {
    url: `http://127.0.0.1:${port}/multi.php`,
    received,
    messages,
    sends: () => received.filter((r) => !r.form.operation),
    setMode: (m) => {
      mode = m;
    },
    lastMessage,
    lastCode: (phone) => /\d{4,10}/.exec(lastMessage(phone)?.text ?? '')?.[0],
    setStatus(smsId, s, at = new Date()) {
      const m = messages.find((x) => x.smsId === smsId);
      if (!m) throw new Error(`fake SMS Traffic: no message ${smsId}`);
      m.status = s;
      m.statusAt = at;
    },
    async sendDeliveryReport(targetUrl, smsId, s, date = new Date()) {
      const at = typeof date === 'string' ? date : formatMsk(date);
      const m = messages.find((x) => x.smsId === smsId);
      if (m) {
        m.status = s;
        if (date instanceof Date) m.statusAt = date;
      }
      const res = await fetch(targetUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Java/1.7.0_17' },
        body: new URLSearchParams({ sms_id: smsId, status: s, delivery_date: at }).toString(),
      });
      return { status: res.status, body: await res.text() };
    },
    reset() {
      received.length = 0;
      messages.length = 0;
      mode = 'ok';
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // includes hung requests
        server.close(() => resolve());
      }),
  };
}
