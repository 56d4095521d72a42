/**
 * Numbers as people read them: `grouped(1234567.891)` is "1,234,567.891", what `toLocaleString('en-US')` writes
 * (thousands grouped, at most three decimals, rounded half away from zero from the number's shortest decimal
 * form). Written out because the first toLocaleString of a process loads ICU's number formatting, about 50 ms
 * of start-up for any command that prints a count (issue #15); numbers in exponent form (|n| ≥ 1e21 or below
 * 1e-6) still go through it. numbers.test.ts compares the two on many values.
 */
export function grouped(n: number): string {
  if (!Number.isFinite(n)) return n.toLocaleString('en-US');
  const s = String(Math.abs(n));
  if (s.includes('e')) return n.toLocaleString('en-US');
  const dot = s.indexOf('.');
  let int = dot < 0 ? s : s.slice(0, dot);
  let frac = dot < 0 ? '' : s.slice(dot + 1);
  if (frac.length > 3) {
    // half away from zero at the third decimal, carried through the digits
    const up = frac.charCodeAt(3) >= 53; // '5'
    frac = frac.slice(0, 3);
    if (up) {
      const digits = (int + frac).split('');
      let i = digits.length - 1;
      while (i >= 0 && digits[i] === '9') digits[i--] = '0';
      if (i < 0) digits.unshift('1');
      else digits[i] = String.fromCharCode(digits[i]!.charCodeAt(0) + 1);
      int = digits.slice(0, digits.length - 3).join('');
      frac = digits.slice(digits.length - 3).join('');
    }
  }
  frac = frac.replace(/0+$/, '');
  let g = '';
  for (let i = int.length; i > 0; i -= 3) g = (i > 3 ? ',' : '') + int.slice(Math.max(0, i - 3), i) + g;
  // a negative number, or −0 (toLocaleString writes "-0" for both −0 and a negative that rounds to 0)
  const negative = n < 0 || Object.is(n, -0);
  return `${negative ? '-' : ''}${g}${frac ? `.${frac}` : ''}`;
}
