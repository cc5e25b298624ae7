import { AppError } from '../errors.js';
import type { NotThere, Refusal } from '../store/types.js';

// The store's refusals as the API's errors.

export const seconds = (ms: number) => Math.max(Math.ceil(ms / 1000), 1);

export const notFound = () => new AppError('verification_not_found', 'No such verification');

export const notPending = (status: string) =>
  new AppError('verification_not_pending', `The verification is ${status}`, { verificationStatus: status });

export const notThere = (r: NotThere) => (r.reason === 'not_pending' ? notPending(r.status) : notFound());

export function refusalError(r: Refusal): AppError {
  if (r.reason === 'max_sends_reached') {
    return new AppError('max_sends_reached', 'No sends are left for this verification');
  }
  const wait = seconds(r.retryAfterMs);
  return r.reason === 'resend_too_soon'
    ? new AppError('resend_too_soon', `Wait ${wait} s before sending another code to this number`, {}, wait)
    : new AppError('rate_limited', 'Too many codes sent to this phone number', {}, wait);
}

/** A store step after the guard took budgets: if it fails, the budgets are given back. */
export async function releasingOnError<T>(step: Promise<T>, undo: () => Promise<void>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    await undo().catch(() => undefined);
    throw err;
  }
}
