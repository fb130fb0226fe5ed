const euros = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });

/** 950 → "€9.50". */
export function formatEuros(cents: number): string {
  return euros.format(cents / 100);
}
