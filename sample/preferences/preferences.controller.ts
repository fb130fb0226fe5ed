import { Body, Controller, Post, Redirect } from '@nestjs/common';
// A real app imports this from 'nest-sessions'.
import { Session } from '../../lib/index.js';
import { THEMES, type Prefs, type Theme } from '../app-session.js';
import { localPath } from '../common/local-path.js';

/**
 * The theme lives in the named `prefs` session: a CookieStore session with its
 * own cookie and a year-long expiry. Signing out destroys the default session
 * only, so the theme stays. This route never touches the default session.
 */
@Controller('preferences')
export class PreferencesController {
  @Post('theme')
  @Redirect('/', 303)
  setTheme(@Body('theme') theme: unknown, @Body('returnTo') returnTo: unknown, @Session('prefs') prefs: Session<Prefs>) {
    if (THEMES.includes(theme as Theme)) prefs.set('theme', theme as Theme);
    return { url: localPath(returnTo) }; // back to the page the toggle was on
  }
}
