import { startFakeSmsTraffic } from '../test/fakes/smstraffic.js';
import { spokenCodes, startFakeTwilio } from '../test/fakes/twilio.js';
import { startFakeUcaller } from '../test/fakes/ucaller.js';
import type { Rng } from './random.js';
import type { Channel, SimOptions, Strategy } from './options.js';

// The telephone network of a run: the loopback fakes of SMS Traffic (SMS), uCaller (flash
// call) and Twilio (voice) that the tests use, speaking the real protocols to the service.
// The fakes accept every send; for each one this module decides, with the phone's seeded
// stream, whether it arrives, and after the channel's delay either hands the code to the
// phone or reports the failure the way the provider would (an SMS Traffic delivery report,
// uCaller's getInfo call_status 0, a Twilio status callback), so `auto` moves on by failure.

/** The simulated phone behind one number. */
export interface Handset {
  strategy: Strategy;
  /** Provider decisions for this number, drawn in send order. */
  net: Rng;
  /** Accepted sends, in order. */
  sends: Channel[];
  /** A code reached the phone; true when the user noticed it (for voice: picked up). */
  receive(channel: Channel, code: string): boolean;
}

export interface Network {
  /** Provider settings for the service's environment. */
  env: Record<string, string>;
  /** Sends to numbers no handset owns (should stay 0). */
  stray: number;
  /** Reports or callbacks the service did not accept (should stay 0). */
  reportErrors: number;
  close(): Promise<void>;
}

const digitsOf = (phone: string) => phone.replace(/\D/g, '');

export async function startNetwork(o: SimOptions, phones: Map<string, Handset>, smsReportUrl: string): Promise<Network> {
  const sms = await startFakeSmsTraffic();
  const ucaller = await startFakeUcaller();
  const twilio = await startFakeTwilio();
  const timers = new Set<NodeJS.Timeout>();
  const seen = { sms: 0, flash: 0, voice: 0 };
  const net: Network = {
    stray: 0,
    reportErrors: 0,
    env: {
      SMS_PROVIDER: 'smstraffic',
      SMSTRAFFIC_URL: sms.url,
      SMSTRAFFIC_RESERVE_URL: sms.url,
      SMSTRAFFIC_LOGIN: 'acme',
      SMSTRAFFIC_PASSWORD: 'secret',
      SMSTRAFFIC_ORIGINATOR: 'otpgate',
      FLASH_CALL_PROVIDER: 'ucaller',
      UCALLER_URL: ucaller.url,
      UCALLER_SERVICE_ID: ucaller.serviceId,
      UCALLER_KEY: ucaller.key,
      VOICE_PROVIDER: 'twilio',
      TWILIO_API_URL: twilio.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: twilio.from,
    },
    close: async () => {
      clearInterval(watcher);
      for (const t of timers) clearTimeout(t);
      await Promise.all([sms.close(), ucaller.close(), twilio.close()]);
    },
  };

  const later = (seconds: number, fn: () => Promise<unknown> | void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      Promise.resolve()
        .then(fn)
        .catch(() => net.reportErrors++);
    }, Math.round(seconds * 1000));
    timers.add(t);
  };
  /** The handset of a number and whether this send fails, or undefined for a stray send. */
  const accept = (phone: string, channel: Channel) => {
    const handset = phones.get(digitsOf(phone));
    if (!handset) return void net.stray++;
    handset.sends.push(channel);
    return { handset, fails: handset.net() < o.provider[channel].fail };
  };
  const expectStatus = (what: string) => (r: { status: number } | undefined) => {
    if (!r || r.status >= 300) throw new Error(`${what}: ${r?.status}`);
  };

  // The fakes keep what they accepted in arrays; new entries are picked up every few ms.
  const watch = () => {
    for (; seen.sms < sms.messages.length; seen.sms++) {
      const m = sms.messages[seen.sms];
      const a = accept(m.phone, 'sms');
      if (!a) continue;
      const code = /\d{4,10}/.exec(m.text)?.[0] ?? '';
      later(o.provider.sms.delay, async () => {
        if (!a.fails) a.handset.receive('sms', code);
        const report = a.fails ? 'Non Delivered' : 'Delivered';
        expectStatus('SMS Traffic report')(await sms.sendDeliveryReport(smsReportUrl, m.smsId, report));
      });
    }
    for (; seen.flash < ucaller.calls.length; seen.flash++) {
      const call = ucaller.calls[seen.flash];
      const a = accept(call.phone, 'flash_call');
      if (!a) continue;
      // The service learns the outcome by polling getInfo (STATUS_POLL_INTERVAL_SECONDS).
      later(o.provider.flash_call.delay, () => {
        call.callStatus = a.fails ? 0 : 1;
        if (!a.fails) a.handset.receive('flash_call', call.code);
      });
    }
    for (; seen.voice < twilio.calls.length; seen.voice++) {
      const call = twilio.calls[seen.voice];
      const a = accept(call.to, 'voice');
      if (!a) continue;
      later(o.provider.voice.delay, async () => {
        const picked = !a.fails && a.handset.receive('voice', spokenCodes(call.twiml)[0] ?? '');
        expectStatus('Twilio status callback')(await twilio.endCall(call.sid, a.fails ? 'failed' : picked ? 'completed' : 'no-answer'));
      });
    }
  };
  const watcher = setInterval(watch, 20);
  return net;
}

