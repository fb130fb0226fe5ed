import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it came over the wire: still gzip-encoded if the server encoded it. */
  body: Buffer;
}

/**
 * One HTTP request with node:http, which (unlike fetch) neither adds
 * `Accept-Encoding` nor decodes the body: for checking what a compressing
 * server actually sent.
 */
export function rawRequest(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(5_000, () => req.destroy(new Error(`no answer from ${method} ${url} in 5 s`)));
    req.on('error', reject);
    req.end();
  });
}
