import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { AppError } from './errors.js';

// Phone numbers are parsed once, at the edge, into E.164; everything inside uses that form.

export interface Phone {
  e164: string;
  /** ISO 3166 alpha-2 of the number (+7 is shared by RU and KZ: this tells them apart). */
  country: string | undefined;
  /** Destination prefix for the pumping guard: country code + first 3 national digits. */
  prefix: string;
}

const MOBILE_CAPABLE = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

export function parsePhone(input: string, defaultCountry: string): Phone {
  // Strict input: digits, spaces, + ( ) - . only; libphonenumber would otherwise find a
  // number inside arbitrary text.
  if (typeof input !== 'string' || input.length > 32 || !/^\+?[\d\s().-]+$/.test(input)) {
    throw new AppError('invalid_phone_number', 'Expected a phone number in E.164 or national format');
  }
  const parsed = parsePhoneNumberFromString(input, defaultCountry as CountryCode);
  if (!parsed || !parsed.isValid()) {
    throw new AppError('invalid_phone_number', 'The phone number is not valid');
  }
  const type = parsed.getType();
  if (!type || !MOBILE_CAPABLE.has(type)) {
    throw new AppError('invalid_phone_number', 'The phone number cannot receive codes (not a mobile number)');
  }
  return {
    e164: parsed.number,
    country: parsed.country,
    prefix: `+${parsed.countryCallingCode}${parsed.nationalNumber.slice(0, 3)}`,
  };
}

/** +7916***4567: enough to recognise a number in logs, not enough to call it. */
export function maskPhone(e164: string): string {
  if (e164.length < 9) return '***';
  return `${e164.slice(0, 5)}***${e164.slice(-4)}`;
}
