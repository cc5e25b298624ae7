import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.js';
import { parsePhone } from '../phone.js';
import type { StoredVerification } from '../store/types.js';
import type { VerificationEvent } from './events.js';
import type { Delivery } from './delivery.js';
import { issueCode } from './issue-code.js';
import type { EngineDeps } from './engine.js';

// The auto channel: AUTO_WORKFLOW's steps one after the other, moving on when a step's send
// fails, is reported undelivered, or is not confirmed in time. Every step is a paid send and
// passes the same budgets as a start; a step a budget refuses ends the workflow's sending and
// the verification keeps its code until it expires.

type Reason = NonNullable<VerificationEvent['reason']>;

export class AutoWorkflow {
  constructor(
    private readonly d: EngineDeps,
    private readonly delivery: Delivery,
  ) {}

  /** The first step of a fresh auto verification: timer first, then the send. */
  async begin(s: StoredVerification, code: string | undefined, log: FastifyBaseLogger, clientIp?: string): Promise<StoredVerification> {
    // Timer first: if this process dies mid-send, the workflow still moves on.
    await this.schedule(s.record.id, s.record.step);
    const after = await this.delivery.deliver(s, 0, code, log, { clientIp });
    if (after.record.status === 'pending' && after.record.attempts[0].status === 'failed') {
      return (await this.advance(s.record.id, s.record.step, 'failed', log)) ?? after;
    }
    return after;
  }

  /** A resend takes over the step's clock: the next step waits its full time from now. */
  async restartClock(s: StoredVerification) {
    await this.d.scheduler.cancel(s.record.id);
    await this.schedule(s.record.id, s.record.step);
  }

  private async schedule(id: string, step: number) {
    const wf = this.d.config.AUTO_WORKFLOW;
    if (step >= wf.length - 1) return; // the last step just runs out its code's life
    await this.d.scheduler.schedule(id, step, wf[step].seconds * 1000);
  }

  /** The next step whose channel is on, after `step`. */
  private nextStep(step: number) {
    const wf = this.d.config.AUTO_WORKFLOW;
    let next = step + 1;
    while (next < wf.length && !this.d.providers[wf[next].channel]) next++;
    return next;
  }

  /** Moves an auto verification on from `fromStep`, once, whoever calls (timer, report, failure). */
  async advance(id: string, fromStep: number, reason: Reason, log: FastifyBaseLogger = this.d.log): Promise<StoredVerification | undefined> {
    const { config, store } = this.d;
    let step = fromStep;
    let why = reason;
    for (;;) {
      const read = await store.read(id, this.d.now());
      if (!read) return undefined;
      if (read.expired) this.d.events.emit('verification.expired', read, this.d.now());
      const rec = read.record;
      if (rec.status !== 'pending' || rec.step !== step || rec.testNumber) return read;
      const next = this.nextStep(step);
      if (next >= config.AUTO_WORKFLOW.length) return this.exhausted(read);
      const channel = config.AUTO_WORKFLOW[next].channel;
      const provider = this.d.providers[channel]!;
      const now = this.d.now();
      let undo: () => Promise<void>;
      try {
        undo = await this.d.guard.beforeSend({ phone: parsePhone(rec.to, config.DEFAULT_COUNTRY), ipTag: rec.ipTag, now, log });
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        log.info({ verificationId: id, step: next, code: err.code }, 'auto workflow stopped: a budget refused the next step');
        return this.exhausted(read);
      }
      const issued = issueCode(provider, rec.baseCodeLength);
      // Timer first, as in begin(): a process that dies once the step is recorded leaves the
      // workflow a timer to move on with. Should the step not begin, the timer finds it stale.
      await this.schedule(id, next).catch(async (err) => {
        await undo().catch(() => undefined);
        throw err;
      });
      const begun = await store
        .beginSend(id, '', { mode: 'advance', fromStep: step, toStep: next, channel, provider: provider.name, unlimited: false }, now)
        .catch(async (err) => {
          await undo().catch(() => undefined);
          throw err;
        });
      if (!begun.ok) {
        await undo();
        if (begun.reason === 'rate_limited' || begun.reason === 'resend_too_soon') {
          log.info({ verificationId: id, step: next }, 'auto workflow stopped: the phone send limit refused the next step');
          return this.exhausted(read);
        }
        return undefined; // another instance or timer moved it on first, or it ended
      }
      const moved = { record: begun.record, metadata: begun.metadata };
      log.info({ verificationId: id, step: next, channel }, 'auto workflow moved to the next step');
      const channelChange = { from: config.AUTO_WORKFLOW[step].channel, reason: why };
      const after = await this.delivery.deliver(moved, begun.attemptIndex, issued.code, log, { channelChange });
      if (after.record.status !== 'pending' || after.record.attempts[begun.attemptIndex].status !== 'failed') return after;
      step = next; // this step failed at once: on to the one after it
      why = 'failed';
    }
  }

  /**
   * Nothing (more) may be sent: a verification whose sends all failed ends as failed (no
   * channel could deliver); one with a code keeps it until it expires.
   */
  private async exhausted(s: StoredVerification) {
    const last = s.record.attempts.length - 1;
    if (s.record.attempts[last].status !== 'failed' || s.record.current >= 0) return s;
    const a = await this.d.store.applyDelivery(s.record.id, last, { status: 'failed', failVerification: true }, this.d.now());
    if (a?.failed) this.d.events.emit('verification.failed', a, this.d.now());
    return a ?? s;
  }
}
