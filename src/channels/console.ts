import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { DeliveryChannel } from '../config.js';
import { smsText, spokenDigits, voiceText } from './messages.js';
import type { ChannelProvider, DeliveryRequest, DeliveryResult } from './types.js';

// Development stand-in for a real provider: delivers nothing and writes one JSON log line per
// delivery with the code, marked as development output (docs/development.md). Production
// refuses it at start-up, so the code never reaches a production log. Each delivery is also
// emitted on `consoleDeliveries`, which the virtual phone (/dev/phone) shows.

export interface ConsoleDelivery {
  verificationId: string;
  channel: DeliveryChannel;
  /** E.164 of the phone "reached". */
  to: string;
  code: string;
  locale: DeliveryRequest['locale'];
  /** What the phone shows or the robot says. */
  message: string;
  /** Flash calls: the number that "rang", whose last 4 digits are the code. */
  caller?: string;
  sender?: string;
}

/** Every console delivery of the process, as it happens (no listener: nothing is kept). */
export const consoleDeliveries = new EventEmitter<{ delivery: [ConsoleDelivery] }>();

/** The number a console flash call "rings from": a fixed prefix and the code as its last digits. */
export const consoleCaller = (code: string) => `+7495000${code}`;

export class ConsoleProvider implements ChannelProvider {
  readonly name = 'console';

  constructor(
    readonly channel: DeliveryChannel,
    private readonly log: FastifyBaseLogger,
  ) {}

  async send(req: DeliveryRequest): Promise<DeliveryResult> {
    const code = req.code ?? '';
    const message =
      this.channel === 'sms'
        ? smsText[req.locale](code)
        : this.channel === 'voice'
          ? `${voiceText[req.locale].codeIs} ${spokenDigits(code)}`
          : `flash call from ${consoleCaller(code)}: the last 4 digits are the code`;
    this.log.info(
      { dev: true, devOutput: 'console-provider', verificationId: req.verificationId, channel: this.channel, code, message },
      'DEVELOPMENT OUTPUT: console provider delivery (nothing was sent)',
    );
    consoleDeliveries.emit('delivery', {
      verificationId: req.verificationId,
      channel: this.channel,
      to: req.to,
      code,
      locale: req.locale,
      message,
      ...(this.channel === 'flash_call' ? { caller: consoleCaller(code) } : {}),
      ...(req.sender ? { sender: req.sender } : {}),
    });
    return { providerRef: `console-${randomUUID()}`, status: 'sent' };
  }
}
