// Request and response examples of the OpenAPI document. The start example is what Swagger UI's
// "Try it out" sends as it is, so it must pass validation (a test sends it).

export const START_EXAMPLE = {
  to: '+79161234567',
  channel: 'sms',
  locale: 'en',
  metadata: { userId: 'u_1024' },
  clientIp: '203.0.113.7',
};

export const CHECK_EXAMPLE = { to: '+79161234567', code: '123456' };

export const RESEND_EXAMPLE = { channel: 'voice' };

export const VERIFICATION_EXAMPLE = {
  id: 'vf_3hT9xK2mQ8pL4nR7sW1vY6zA',
  to: '+79161234567',
  channel: 'sms',
  status: 'pending',
  locale: 'en',
  codeLength: 6,
  createdAt: '2026-11-22T10:00:00.000Z',
  expiresAt: '2026-11-22T10:10:00.000Z',
  checksRemaining: 5,
  sendsRemaining: 4,
  resendAvailableAt: '2026-11-22T10:00:30.000Z',
  attempts: [{ channel: 'sms', provider: 'smstraffic', status: 'sent', providerRef: '1000472891', at: '2026-11-22T10:00:00.120Z' }],
  metadata: { userId: 'u_1024' },
};

export const CHECK_RESULT_EXAMPLE = { id: VERIFICATION_EXAMPLE.id, status: 'approved', valid: true, checksRemaining: 4 };
