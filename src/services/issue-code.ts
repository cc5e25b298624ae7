import type { ChannelProvider } from '../channels/types.js';
import { generateCode } from '../codes.js';
import type { Config } from '../config.js';
import type { DeliveryChannel } from '../model.js';

// Issuing a code for one attempt, the same way for a start, a resend and a workflow step.

export interface IssuedCode {
  /** undefined when the provider picks the code itself (it reports it back). */
  code?: string;
  length: number;
}

export function issueCode(provider: ChannelProvider, requestedLength: number, testCode?: string): IssuedCode {
  if (testCode) return { code: testCode, length: testCode.length };
  // Flash-call codes are the caller number's last 4 digits; some providers fix the length.
  const length = provider.codeLength ?? (provider.channel === 'flash_call' ? 4 : requestedLength);
  if (provider.choosesCode) return { length };
  let code = generateCode(length);
  while (provider.forbidsZeroCode && /^0+$/.test(code)) code = generateCode(length);
  return { code, length };
}

/** 4-digit flash-call codes are weaker: they never live longer than FLASH_CALL_TTL_SECONDS. */
export function codeTtlMs(config: Pick<Config, 'FLASH_CALL_TTL_SECONDS'>, channel: DeliveryChannel, requestedMs: number) {
  return channel === 'flash_call' ? Math.min(requestedMs, config.FLASH_CALL_TTL_SECONDS * 1000) : requestedMs;
}
