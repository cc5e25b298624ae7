import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { expect } from 'vitest';
import type { DeliveryRequest } from '../../src/channels/types.js';
import { AppError } from '../../src/errors.js';

// Shared by the channel adapter tests.

export const PHONE = '+79161234567';

/** A logger whose JSON lines land in `lines` (to assert what adapters log, and what not). */
export function capturingLog() {
  const lines: string[] = [];
  const log = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) }) as unknown as FastifyBaseLogger;
  return { log, lines };
}

export const deliveryRequest = (over: Partial<DeliveryRequest> = {}): DeliveryRequest => ({
  verificationId: 'vf_test',
  attemptId: 'at_test',
  to: PHONE,
  code: '123456',
  locale: 'ru',
  ...over,
});

/** The AppError a promise rejects with (fails the test if it resolves or throws another). */
export async function appErrorOf(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
