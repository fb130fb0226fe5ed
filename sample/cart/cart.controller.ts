import { Body, Controller, Get, Post, Redirect } from '@nestjs/common';
// A real app imports these from 'nest-sessions'.
import { Flash, Session, type FlashBag } from '../../lib/index.js';
import type { AppFlash, AppSession } from '../app-session.js';
import { formatEuros } from '../common/money.js';
import { Page } from '../layout/page.decorator.js';
import { summarizeCart } from './cart-summary.js';
import { CATALOG, findProduct } from './catalog.js';

/** Sessions are small: a cart past this many items is refused with a warning. */
const MAX_ITEMS = 30;

/** A cart kept in the session. Anyone may fill it; signing in keeps it (regenerate keeps the data). */
@Controller('cart')
export class CartController {
  @Get()
  @Page('cart')
  show(@Session() session: Session<AppSession>) {
    return { title: 'Cart', products: CATALOG, cart: summarizeCart(session.get('cart.items', [])) };
  }

  @Post('add')
  @Redirect('/cart', 303)
  add(@Body('sku') sku: unknown, @Session() session: Session<AppSession>, @Flash() flash: FlashBag<AppFlash>) {
    const product = findProduct(sku);
    if (!product) return flash.set('danger', 'That product is not in the shop.');
    if (session.get('cart.items', []).length >= MAX_ITEMS) return flash.set('warning', `Your cart is full (${MAX_ITEMS} items).`);
    session.push('cart.items', product.sku); // creates cart.items on the first push
    session.set('cart.updatedAt', Date.now());
    flash.set('success', `${product.name} added to your cart.`);
  }

  @Post('remove')
  @Redirect('/cart', 303)
  remove(@Body('sku') sku: unknown, @Session() session: Session<AppSession>, @Flash() flash: FlashBag<AppFlash>) {
    const items = session.get('cart.items', []);
    const index = items.lastIndexOf(String(sku));
    if (index === -1) return;
    items.splice(index, 1); // get() returned a copy: set() is what saves it
    session.set('cart.items', items);
    session.set('cart.updatedAt', Date.now());
    flash.set('success', `One ${findProduct(sku)?.name ?? 'item'} removed.`);
  }

  @Post('checkout')
  @Redirect('/cart', 303)
  checkout(@Session() session: Session<AppSession>, @Flash() flash: FlashBag<AppFlash>) {
    const cart = summarizeCart(session.get('cart.items', []));
    if (cart.count === 0) return flash.set('warning', 'Your cart is empty.');
    if (!session.has('user.name')) {
      session.set('returnTo', '/cart');
      flash.set('warning', 'Sign in to check out. Your cart stays with you.');
      return { url: '/sign-in' };
    }
    session.delete('cart');
    flash.set('success', `Order placed: ${cart.count} item${cart.count === 1 ? '' : 's'}, ${formatEuros(cart.totalCents)}. It is a sample: nothing is charged or shipped.`);
  }
}
