import { CATALOG, type Product } from './catalog.js';

export interface CartLine {
  product: Product;
  quantity: number;
  subtotalCents: number;
}

export interface CartSummary {
  lines: CartLine[];
  count: number;
  totalCents: number;
}

/** The session keeps one SKU per item added; the page shows one line per product. */
export function summarizeCart(items: readonly string[]): CartSummary {
  const lines = CATALOG.map((product) => {
    const quantity = items.filter((sku) => sku === product.sku).length;
    return { product, quantity, subtotalCents: quantity * product.priceCents };
  }).filter((line) => line.quantity > 0);
  return {
    lines,
    count: lines.reduce((sum, line) => sum + line.quantity, 0),
    totalCents: lines.reduce((sum, line) => sum + line.subtotalCents, 0),
  };
}
