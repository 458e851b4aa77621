import { request, type RequestOptions } from 'node:http';

export interface TextAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One plain HTTP request (no body) with every option node:http takes, such as a Host header fetch would not send; resolves with the whole answer as text. */
export function requestText(options: RequestOptions): Promise<TextAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
