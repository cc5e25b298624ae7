import { startStack } from './stack.js';

// `npm run example:signup`: otpgate with console providers on :3000 and the sign-up example on
// :3100. OTPGATE_URL and OTPGATE_API_KEY point it at an otpgate you run yourself instead;
// SIGNUP_SENDER is the SMS sender name (default "Originator").

const stack = await startStack({
  otpgateUrl: process.env.OTPGATE_URL,
  apiKey: process.env.OTPGATE_API_KEY,
  otpgatePort: Number(process.env.OTPGATE_PORT ?? 3000),
  signupPort: Number(process.env.SIGNUP_PORT ?? 3100),
  sender: process.env.SIGNUP_SENDER,
  env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', RESEND_COOLDOWN_SECONDS: process.env.RESEND_COOLDOWN_SECONDS },
});

process.stdout.write(
  [
    '',
    `  Sign-up example:  ${stack.signupUrl.replace('127.0.0.1', 'localhost')}`,
    ...(process.env.OTPGATE_URL ? [] : [`  Virtual phone:    ${stack.otpgateUrl.replace('127.0.0.1', 'localhost')}/dev/phone  (the codes arrive here)`]),
    `  otpgate API docs: ${stack.otpgateUrl.replace('127.0.0.1', 'localhost')}/docs`,
    '',
  ].join('\n') + '\n',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stack.close().then(() => process.exit(0)));
}
