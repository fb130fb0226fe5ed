/** One response, with the page text and where a redirect points. */
export interface Page {
  status: number;
  location: string | null;
  text: string;
  setCookies: string[];
}

/**
 * A black-box client for server-rendered pages: keeps cookies as a browser
 * does for one site, posts urlencoded forms, and can follow redirects (a
 * 303 becomes a GET). Real HTTP through fetch.
 */
export class FormClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    /** Sent with every request, as a browser sends its User-Agent. */
    private readonly headers: Record<string, string> = {},
  ) {}

  get(path: string): Promise<Page> {
    return this.send('GET', path);
  }

  post(path: string, fields: Record<string, string> = {}): Promise<Page> {
    return this.send('POST', path, new URLSearchParams(fields).toString());
  }

  /** Posts, then follows redirects like a browser; resolves the final page. */
  async submit(path: string, fields: Record<string, string> = {}): Promise<Page & { url: string }> {
    let page = await this.post(path, fields);
    let url = path;
    for (let hops = 0; page.location && hops < 5; hops++) {
      url = new URL(page.location, this.baseUrl).pathname;
      page = await this.get(url);
    }
    return { ...page, url };
  }

  private async send(method: string, path: string, body?: string): Promise<Page> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(this.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: {
        ...this.headers,
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) this.remember(line);
    return { status: response.status, location: response.headers.get('location'), text: await response.text(), setCookies };
  }

  private remember(line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const expired = attributes.some((a) => /^max-age=(0|-)/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()));
    if (value === '' || expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** The alerts the shared flash partial rendered, as `{ level: text }`. */
export function flashes(html: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of html.matchAll(/data-flash="(\w+)"><span class="alert-title">[^<]*<\/span>\s*([^<]*)</g)) {
    found[match[1]!] = decode(match[2]!.trim());
  }
  return found;
}

function decode(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}
