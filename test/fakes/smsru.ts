import { randomInt } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A loopback SMS.ru built from providers.md ("Day-one review", R.4): form POSTs (or GET) to
// /sms/send, /sms/status and /code/call with `api_id`; `json=1` replies with a top-level
// status/status_code and, for /sms/send, one entry per number; HTTP 200 even for errors. Ids
// look like "202626-1000002". Delivery callbacks are form POSTs of `data[N]` records
// `sms_status\n<sms_id>\n<status_code>\n<unix_time>`, to be answered `100`.

export type SmsRuMode = 'ok' | 'hang' | 'http500' | `slow:${number}` | `error:${number}`;

export interface SmsRuRequest {
  method: string;
  path: string;
  form: Record<string, string>;
}

export interface SmsRuMessage {
  smsId: string;
  to: string;
  msg: string;
  from?: string;
  ip?: string;
  /** Delivery status code (100 queued … 103 delivered). */
  status: number;
}

export interface SmsRuCall {
  callId: string;
  phone: string;
  /** The last 4 digits of the number that rings: SMS.ru's choice. */
  code: string;
  ip?: string;
}

export interface FakeSmsRu {
  url: string;
  apiId: string;
  mode: SmsRuMode;
  /** Per-number refusals on /sms/send (e.g. 207 no route), with or without an sms_id. */
  numberErrors: Map<string, { code: number; withSmsId?: boolean }>;
  received: SmsRuRequest[];
  messages: SmsRuMessage[];
  calls: SmsRuCall[];
  setStatus(smsId: string, status: number): void;
  /** Posts a callback with these records (each `sms_status` etc. lines) the way SMS.ru does. */
  sendCallback(url: string, records: string[]): Promise<{ status: number; body: string; type: string | null }>;
  reset(): void;
  close(): Promise<void>;
}

const TEXTS: Record<number, string> = {
  200: 'Неправильный api_id',
  201: 'Не хватает средств на лицевом счету',
  202: 'Неправильно указан номер телефона получателя, либо на него нет маршрута',
  207: 'На этот номер нет маршрута для доставки сообщений',
  220: 'Сервис временно недоступен, попробуйте чуть позже',
  221: 'Необходимо зарегистрировать буквенного отправителя',
  231: 'Превышен лимит одинаковых сообщений на этот номер в минуту',
  500: 'Ошибка на сервере. Повторите запрос.',
};

export async function startFakeSmsRu(opts: { apiId?: string } = {}): Promise<FakeSmsRu> {
  const sockets = new Set<Socket>();
  let seq = 1000000;
  const nextId = () => `202626-${seq++}`;
  const fake: FakeSmsRu = {
    url: '',
    apiId: opts.apiId ?? 'AAAA1111-BBBB-2222-CCCC-333344445555',
    mode: 'ok',
    numberErrors: new Map(),
    received: [],
    messages: [],
    calls: [],
    setStatus(smsId, status) {
      const m = this.messages.find((x) => x.smsId === smsId);
      if (!m) throw new Error(`no message ${smsId}`);
      m.status = status;
    },
    async sendCallback(url, records) {
      const form = new URLSearchParams(records.map((r, i) => [`data[${i}]`, r]));
      const res = await fetch(url, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
    },
    reset() {
      this.mode = 'ok';
      this.numberErrors.clear();
      this.received.length = 0;
      this.messages.length = 0;
      this.calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const json = (res: ServerResponse, body: unknown, status = 200) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, code: number) => json(res, { status: 'ERROR', status_code: code, status_text: TEXTS[code] ?? 'Ошибка' });

  const send = (res: ServerResponse, form: Record<string, string>) => {
    if (!form.msg) return error(res, 203);
    const sms: Record<string, unknown> = {};
    for (const to of (form.to ?? '').split(',').filter(Boolean)) {
      const refusal = fake.numberErrors.get(to);
      if (!/^[1-9]\d{9,14}$/.test(to)) sms[to] = { status: 'ERROR', status_code: 202, status_text: TEXTS[202] };
      else if (refusal) {
        sms[to] = { status: 'ERROR', status_code: refusal.code, status_text: TEXTS[refusal.code] ?? 'Ошибка', ...(refusal.withSmsId ? { sms_id: nextId() } : {}) };
      } else {
        const smsId = nextId();
        fake.messages.push({ smsId, to, msg: form.msg, from: form.from, ip: form.ip, status: 100 });
        sms[to] = { status: 'OK', status_code: 100, sms_id: smsId };
      }
    }
    if (Object.keys(sms).length === 0) return error(res, 202);
    json(res, { status: 'OK', status_code: 100, sms, balance: 4122.56 });
  };

  const status = (res: ServerResponse, form: Record<string, string>) => {
    const sms: Record<string, unknown> = {};
    for (const id of (form.sms_id ?? '').split(',').filter(Boolean)) {
      const m = fake.messages.find((x) => x.smsId === id);
      sms[id] = m
        ? { status: 'OK', status_code: m.status, cost: 0.5, status_text: 'Статус' }
        : { status: 'ERROR', status_code: -1, status_text: 'Сообщение не найдено' };
    }
    json(res, { status: 'OK', status_code: 100, sms });
  };

  const call = (res: ServerResponse, form: Record<string, string>) => {
    if (!/^[1-9]\d{9,14}$/.test(form.phone ?? '')) return error(res, 202);
    const code = String(randomInt(0, 10000)).padStart(4, '0');
    const callId = nextId();
    fake.calls.push({ callId, phone: form.phone, code, ip: form.ip });
    json(res, { status: 'OK', code, call_id: callId, cost: 0.4, balance: 4122.56 });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const form = { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) };
      fake.received.push({ method: req.method ?? '', path: url.pathname, form });
      const mode = fake.mode;
      if (mode === 'hang') return;
      if (mode.startsWith('slow:')) await new Promise((r) => setTimeout(r, Number(mode.slice(5))));
      if (mode === 'http500') {
        res.writeHead(500, { 'content-type': 'text/html' });
        return res.end('<html>500</html>');
      }
      if (form.api_id !== fake.apiId) return error(res, 200);
      if (mode.startsWith('error:')) return error(res, Number(mode.slice(6)));
      if (url.pathname === '/sms/send') return send(res, form);
      if (url.pathname === '/sms/status') return status(res, form);
      if (url.pathname === '/code/call') return call(res, form);
      return error(res, 211);
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
