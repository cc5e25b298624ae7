import { randomInt } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// A loopback uCaller built from providers.md ("Day-one review", R.1): POST {base}/initCall and
// {base}/getInfo with `Authorization: Bearer <key>.<service_id>`, JSON bodies, replies in the
// current documented shape: `code` as a (zero-padded) string, `phone` masked ("7900***1010"),
// `ucaller_id` an integer; errors `{status:false, error:<Russian text>, code:"<n>"}` with the
// documented error codes (as strings, as real replies carry them).

export type UcallerMode =
  | 'ok'
  | 'hang'
  | 'http500'
  /** uCaller rings from a number that does not end in our code and answers its own digits. */
  | 'provider-picks-code'
  | `slow:${number}`
  /** status:false with this documented error code (its documented text). */
  | `error:${number}`;

/** Documented error codes and their texts (providers.md R.1 table). */
export const UCALLER_ERRORS: Record<number, string> = {
  0: 'Ваш IP адрес заблокирован',
  1: 'Неверный запрос',
  2: 'Обязательный параметр не передан или неверен',
  3: 'Неверный номер телефона',
  4: 'Сервис отключён в настройках',
  5: 'Ошибка при инициализации звонка',
  9: 'Страна запрещена настройками географии сервиса',
  10: 'ID не существует или принадлежит не вам',
  18: 'Превышен лимит звонков на номер 79161234567: 4 в минуту или 30 в день',
  19: 'Подождите 15 секунд перед повторным звонком на этот номер',
  20: 'Голосовые звонки недоступны для этой страны',
  401: 'Ошибка авторизации',
  429: 'Слишком много запросов в секунду',
  500: 'Внутренняя ошибка, повторите позже',
  1001: 'Аккаунт заблокирован',
  1002: 'Недостаточно средств на балансе',
  1005: 'Номер телефона нужно сначала подтвердить в личном кабинете',
};

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
  /** getInfo's call_status: -1 still calling, 0 could not get through, 1 call placed. */
  callStatus: -1 | 0 | 1;
}

export interface FakeUcaller {
  /** Base URL to use as UCALLER_URL (…/v1.0). */
  url: string;
  serviceId: string;
  key: string;
  mode: UcallerMode;
  /** Force the digits the next call will ring with (then random again). */
  nextProviderCode?: string;
  /** call_status new calls start with (default -1, still calling). */
  initialCallStatus: -1 | 0 | 1;
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

/** "79161234567" → "7916***4567", as uCaller masks numbers in its replies. */
const masked = (digits: string) => `${digits.slice(0, 4)}***${digits.slice(-4)}`;

export async function startFakeUcaller(opts: FakeUcallerOptions = {}): Promise<FakeUcaller> {
  const sockets = new Set<Socket>();
  const byUnique = new Map<string, UcallerCallRecord>();
  const byId = new Map<number, UcallerCallRecord>();
  let nextId = 103000;

  const fake: FakeUcaller = {
    url: '',
    serviceId: opts.serviceId ?? '123456',
    key: opts.key ?? 'k'.repeat(16) + '0123456789abcdef',
    mode: opts.mode ?? 'ok',
    initialCallStatus: -1,
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
      byId.clear();
      this.mode = opts.mode ?? 'ok';
      this.nextProviderCode = undefined;
      this.initialCallStatus = -1;
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
  // Real replies carry the code as a numeric string (providers.md R.1).
  const fail = (res: ServerResponse, code: number, httpStatus = 200) =>
    send(res, httpStatus, { status: false, error: UCALLER_ERRORS[code] ?? 'Ошибка', code: String(code) });

  const initCall = (res: ServerResponse, body: any) => {
    const phone =
      typeof body.phone === 'number' && Number.isSafeInteger(body.phone) ? String(body.phone)
      : typeof body.phone === 'string' ? body.phone
      : '';
    if (!/^[1-9]\d{9,14}$/.test(phone)) return fail(res, 3);
    const sent = body.code;
    // uCaller takes 4 digits; a JSON number would lose a leading zero, so we insist on strings.
    const validCode = sent === undefined || (typeof sent === 'string' && /^\d{4}$/.test(sent));
    if (!validCode) return fail(res, 2);
    if (body.unique !== undefined && (typeof body.unique !== 'string' || body.unique.length > 64)) return fail(res, 2);

    // Same `unique` again: no new call, the first call's answer with exists:true.
    let call = typeof body.unique === 'string' ? byUnique.get(body.unique) : undefined;
    const exists = call !== undefined;
    if (!call) {
      const forced = fake.nextProviderCode;
      fake.nextProviderCode = undefined;
      const picked = forced ?? String(randomInt(0, 10000)).padStart(4, '0');
      const code = sent === undefined || fake.mode === 'provider-picks-code' ? picked : String(sent);
      call = {
        ucallerId: nextId++,
        phone,
        code,
        cli: `+7495${String(randomInt(0, 1000)).padStart(3, '0')}${code}`,
        voice: body.voice === true,
        unique: body.unique,
        sentCode: sent,
        callStatus: fake.initialCallStatus,
      };
      fake.calls.push(call);
      byId.set(call.ucallerId, call);
      if (call.unique) byUnique.set(call.unique, call);
    }
    send(res, 200, {
      status: true,
      ucaller_id: call.ucallerId,
      phone: masked(call.phone),
      code: call.code,
      client: typeof body.client === 'string' ? body.client : 'nickname',
      ...(call.unique ? { unique_request_id: call.unique } : {}),
      ...(exists ? { exists: true } : {}),
    });
  };

  const getInfo = (res: ServerResponse, uid: unknown) => {
    const call = byId.get(Number(uid));
    if (!call) return fail(res, 10);
    send(res, 200, {
      status: true,
      ucaller_id: call.ucallerId,
      init_time: 1556617525,
      call_status: call.callStatus,
      client: 'nickname',
      phone: masked(call.phone),
      code: call.code,
      country_code: 'RU',
      phone_info: [{ operator: 'МТС', region: 'Республика Татарстан', mnp: 'Мегафон' }],
      cost: 0.3,
      balance: 568.12,
    });
  };

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
      const url = new URL(req.url ?? '/', 'http://x');
      const method = /\/v1\.0\/(initCall|getInfo)$/.exec(url.pathname)?.[1];
      if (!method) return fail(res, 405, 404);
      if (req.headers.authorization !== `Bearer ${fake.key}.${fake.serviceId}`) {
        return fail(res, 401, opts.authFailureStatus ?? 200);
      }
      if (method === 'getInfo') return getInfo(res, url.searchParams.get('uid') ?? body?.uid);
      if (req.method !== 'POST' || !body || typeof body !== 'object') return fail(res, 1);
      if (mode.startsWith('error:')) return fail(res, Number(mode.slice(6)));
      return initCall(res, body);
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
