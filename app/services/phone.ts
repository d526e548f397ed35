// A user's phone number for SMS: international form (E.164, "+" and the
// country code), checked against libphonenumber's numbering plans.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { msg, type Message } from '#app/i18n/message';

/**
 * The number in E.164 ("+447946095800"), null for an empty input, or the
 * field's message. Spaces, dashes, dots and brackets are allowed as typed.
 */
export function parsePhone(input: string): { phone: string | null } | { error: Message } {
  const typed = input.trim();
  if (!typed) return { phone: null };
  if (typed.length > 40 || !/^\+[\d\s().-]+$/.test(typed)) return { error: msg('sms.phone.international', { value: typed }) };
  const parsed = parsePhoneNumberFromString(typed);
  if (!parsed || !parsed.isValid()) return { error: msg('sms.phone.invalid', { value: typed }) };
  return { phone: parsed.number };
}
