import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { DeliveryChannel } from '../config.js';
import { smsText, spokenDigits, voiceText } from './messages.js';
import type { ChannelProvider, DeliveryRequest, DeliveryResult } from './types.js';

// Development stand-in for a real provider: delivers nothing and writes one JSON log line per
// delivery with the code, marked as development output (docs/development.md). Production
// refuses it at start-up, so the code never reaches a production log.

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
          : `flash call from a number ending in ${code}`;
    this.log.info(
      { dev: true, devOutput: 'console-provider', verificationId: req.verificationId, channel: this.channel, code, message },
      'DEVELOPMENT OUTPUT: console provider delivery (nothing was sent)',
    );
    return { providerRef: `console-${randomUUID()}`, status: 'sent' };
  }
}
