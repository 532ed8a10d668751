// Whether keys look like a barcode rather than something a person types into a field: used to
// keep a scanner's burst out of text fields however its keys were timed, and to question a
// quantity that is really a scanned number. Shape only; the device's parser decides what a scan is.

const GS = "\u001d";

/** GS1 mod-10 check digit over all digits but the last. */
export function gs1CheckOk(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  const body = digits.slice(0, -1);
  for (let i = 0; i < body.length; i += 1) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(digits.length - 1) - 48;
}

/** `body` with its GS1 check digit appended. */
export function withCheck(body: string): string {
  for (let d = 0; d <= 9; d += 1) {
    if (gs1CheckOk(body + String(d))) return body + String(d);
  }
  return body;
}

/** Lengths of plain-digit codes with a check digit: EAN-8, UPC-A, EAN-13, GTIN-14, SSCC. */
const CODE_LENGTHS = new Set([8, 12, 13, 14, 18]);

/**
 * True for what a scanner sends and a person does not type into a field: anything with a GS
 * separator or an AIM symbology identifier (`]C1`), a GS1 element string in its bracketed form
 * (`(01)…`) or starting with AI 00/01/02 and a valid key, and plain digits of a barcode's length
 * with a valid check digit.
 */
export function looksLikeBarcode(text: string): boolean {
  const t = text.trim();
  if (t.includes(GS) || /^\][A-Za-z][0-9A-Za-z]/.test(t) || /^\(\d{2,4}\)/.test(t)) return true;
  if (/^\d+$/.test(t) && CODE_LENGTHS.has(t.length) && gs1CheckOk(t)) return true;
  if (/^0[12]\d{14}/.test(t) && gs1CheckOk(t.slice(2, 16))) return true;
  if (/^00\d{18}/.test(t) && gs1CheckOk(t.slice(2, 20))) return true;
  return false;
}

/** True for an unambiguous scanner rendering: a GS separator or a symbology identifier. */
export function scannerOnly(text: string): boolean {
  const t = text.trim();
  return t.includes(GS) || /^\][A-Za-z][0-9A-Za-z]/.test(t);
}
