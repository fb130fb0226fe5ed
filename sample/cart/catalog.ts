/** The shop's four products. Prices in cents. */
export interface Product {
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  /** Colour of the product's tile. */
  colour: string;
}

export const CATALOG: readonly Product[] = [
  { sku: 'beans', name: 'House espresso beans', description: '250 g of dark chocolate and cherry.', priceCents: 950, colour: '#9a6b4f' },
  { sku: 'mug', name: 'Stoneware mug', description: '300 ml, glazed by hand, keeps it warm.', priceCents: 1400, colour: '#4f7cac' },
  { sku: 'filters', name: 'Paper filters', description: '100 unbleached filters for pour-over.', priceCents: 450, colour: '#c49a6c' },
  { sku: 'kettle', name: 'Pour-over kettle', description: 'Gooseneck spout, one litre, any hob.', priceCents: 3900, colour: '#3f8f7a' },
];

export function findProduct(sku: unknown): Product | undefined {
  return CATALOG.find((product) => product.sku === sku);
}
