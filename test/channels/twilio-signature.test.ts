import { describe, expect, it } from 'vitest';
import { twilioSignature, validTwilioSignature } from '../../src/channels/twilio-signature.js';

// Twilio's published example signatures (auth token 12345), the vectors of twilio-python's
// request-validator tests, also used by twilio-php and twilio-csharp.

const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675309',
  Digits: '1234',
  From: '+14158675309',
  To: '+18005551212',
};

describe('X-Twilio-Signature', () => {
  it('matches the published example signature', () => {
    expect(twilioSignature(TOKEN, URL_, PARAMS)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(validTwilioSignature(TOKEN, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', URL_, PARAMS)).toBe(true);
  });

  it('sorts byte-wise and takes every value of a repeated name', () => {
    const params = { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234'] };
    expect(twilioSignature(TOKEN, URL_, params)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  });

  it('accepts a signature over the URL with or without the default port', () => {
    expect(twilioSignature(TOKEN, 'https://mycompany.com:443/myapp.php?foo=1&bar=2', PARAMS)).toBe('kvajT1Ptam85bY51eRf/AJRuM3w=');
    expect(validTwilioSignature(TOKEN, 'kvajT1Ptam85bY51eRf/AJRuM3w=', URL_, PARAMS)).toBe(true);
    expect(validTwilioSignature(TOKEN, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'https://mycompany.com:443/myapp.php?foo=1&bar=2', PARAMS)).toBe(true);
    expect(twilioSignature(TOKEN, 'http://mycompany.com:80/myapp.php?foo=1&bar=2', PARAMS)).toBe('0ZXoZLH/DfblKGATFgpif+LLRf4=');
  });

  it('refuses a missing, wrong or other-token signature, another URL or changed parameters', () => {
    const good = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
    expect(validTwilioSignature(TOKEN, undefined, URL_, PARAMS)).toBe(false);
    expect(validTwilioSignature(TOKEN, '', URL_, PARAMS)).toBe(false);
    expect(validTwilioSignature(TOKEN, good.replace('R', 'Q'), URL_, PARAMS)).toBe(false);
    expect(validTwilioSignature('54321', good, URL_, PARAMS)).toBe(false);
    expect(validTwilioSignature(TOKEN, good, 'https://mycompany.com/myapp.php?foo=1&bar=3', PARAMS)).toBe(false);
    expect(validTwilioSignature(TOKEN, good, URL_, { ...PARAMS, Digits: '1235' })).toBe(false);
  });
});
