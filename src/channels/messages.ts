import type { Locale } from '../config.js';

// Every text a user sees or hears, per locale, in one place: add a language by adding a key
// here (and to LOCALES in config.ts).

/** SMS texts, one per locale (docs/api.md, `locale`). Each fits one SMS part with a 10-digit code. */
export const smsText: Record<Locale, (code: string) => string> = {
  ru: (code) => `Код подтверждения: ${code}. Никому его не сообщайте.`,
  en: (code) => `Your verification code: ${code}. Do not share it.`,
  pt: (code) => `Seu código de verificação: ${code}. Não o compartilhe.`,
};

/** Phrases for robots that speak: an outbound voice call and the flash-call call-back. */
export const voiceText: Record<
  Locale,
  {
    /** Twilio <Say> language. */
    language: string;
    /** Why an outbound voice call rings. */
    outbound: string;
    /** Why the user was called (they called our flash-call number back). */
    callback: string;
    /** Precedes the digits. */
    codeIs: string;
    /** Said when the caller has no active code. */
    noCode: string;
  }
> = {
  ru: {
    language: 'ru-RU',
    outbound: 'Здравствуйте! Это звонок с кодом подтверждения.',
    callback: 'Здравствуйте! Мы звонили вам, чтобы подтвердить ваш номер телефона.',
    codeIs: 'Ваш код:',
    noCode: 'Здравствуйте! Для вашего номера нет активного кода. До свидания.',
  },
  en: {
    language: 'en-US',
    outbound: 'Hello! This is a call with your verification code.',
    callback: 'Hello! We called you to verify your phone number.',
    codeIs: 'Your code is:',
    noCode: 'Hello! There is no active code for your number. Goodbye.',
  },
  pt: {
    language: 'pt-BR',
    outbound: 'Olá! Esta é uma chamada com o seu código de verificação.',
    callback: 'Olá! Ligamos para você para verificar o seu número de telefone.',
    codeIs: 'Seu código é:',
    noCode: 'Olá! Não há código ativo para o seu número. Até logo.',
  },
};

/** "1, 2, 3, 4": digits one by one, so TTS engines don't read a number. */
export const spokenDigits = (code: string) => code.split('').join(', ');
