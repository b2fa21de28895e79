import { FIRST_NAMES, LAST_NAMES, STREETS } from './company.ts';
import type { Random } from './random.ts';

// Fake personal data in realistic shapes, so redaction has something real to find.
// Domains are reserved (.example / example.com) and phone numbers use the 555-01xx fiction range.

export function orderId(random: Random): string {
  return `NW-${random.int(100000, 999999)}`;
}

export function personName(random: Random): { first: string; last: string } {
  return { first: random.pick(FIRST_NAMES), last: random.pick(LAST_NAMES) };
}

export function emailAddress(random: Random): string {
  const { first, last } = personName(random);
  const domain = random.pick(['example.com', 'example.net', 'example.org', 'mail.example', 'inbox.example']);
  const local = random.pick([
    `${first}.${last}`,
    `${first}${last}${random.int(1, 99)}`,
    `${first[0] ?? 'x'}${last}`,
    `${first}_${random.int(1970, 2005)}`,
  ]);
  return `${local.toLowerCase()}@${domain}`;
}

export function phoneNumber(random: Random): string {
  const area = random.pick(['503', '720', '512', '312', '617', '212', '415', '206', '305', '404']);
  const line = `01${random.int(0, 9)}${random.int(0, 9)}`;
  return random.pick([`(${area}) 555-${line}`, `${area}-555-${line}`, `+1 ${area} 555 ${line}`, `${area}555${line}`, `${area}.555.${line}`]);
}

export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let index = 0; index < payload.length; index++) {
    // Double every second digit counting from the right of the full number (the check digit is position 0).
    let digit = Number(payload[payload.length - 1 - index]);
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(number: string): boolean {
  const digits = number.replace(/\D/g, '');
  if (digits.length < 12) return false;
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits[digits.length - 1]);
}

/** A 16-digit card-like number; Luhn-valid with the given probability, otherwise a mistyped one. */
export function cardNumber(random: Random, validProbability = 0.6): string {
  let payload = random.pick(['4', '5', '4', '6011']);
  while (payload.length < 15) payload += String(random.int(0, 9));
  const check = luhnCheckDigit(payload);
  const last = random.chance(validProbability) ? check : (check + random.int(1, 9)) % 10;
  const digits = payload + String(last);
  const groups = digits.match(/.{4}/g) ?? [digits];
  return random.pick([groups.join(' '), groups.join('-'), digits]);
}

export function streetAddress(random: Random): string {
  return `${random.int(10, 9899)} ${random.pick(STREETS)}`;
}

export function dollarAmount(random: Random): string {
  return `$${random.int(19, 1899)}.${String(random.int(0, 99)).padStart(2, '0')}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function calendarDate(random: Random): string {
  return random.chance(0.7) ? `${random.pick(MONTHS)} ${random.int(1, 28)}` : `${random.int(1, 12)}/${random.int(1, 28)}`;
}
