/**
 * A private aws-ses-v2-local (the SES v2 emulator) for the local runtime and for any test suite that sends e-mail.
 *
 * aws-ses-v2-local keeps its mailbox in a module-level array, so two servers in one process would
 * share (and clear) one store. The harness therefore runs it as a child process (its own store),
 * and puts a small recording proxy in front of it: the emulator keeps only the parsed message
 * (subject, text, html, attachments) and drops the raw MIME, while the proxy keeps the exact bytes of
 * every `Content.Raw` sent, so tests can also parse the message as a mail client would.
 *
 *   const ses = await startSesLocal();
 *   ... new Mailer({ ses: ses.client, ... }) or new SESv2Client({ endpoint: ses.endpoint, ... })
 *   const messages = await ses.fetchMessages();   // GET /store emails (+ raw when sent as Raw)
 *   await ses.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { awsClientConfig } from '../../functions/lib/aws-clients.ts';

/** One e-mail as aws-ses-v2-local stores it (GET /store), plus the raw MIME when it was sent as Raw. */
export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  /** Parsed by the emulator with mailparser; `content` is base64. */
  attachments: Array<{ filename?: string; contentType: string; content: string; size: number; [k: string]: unknown }>;
  /** Seconds since epoch (the emulator's own wall clock). */
  at: number;
  /** The exact RFC 5322 message the client sent (Content.Raw only). */
  raw?: Buffer;
}

export interface SesLocal {
  /** Endpoint for SESv2Client (the recording proxy in front of the emulator). */
  endpoint: string;
  /** A client for that endpoint with dummy credentials. */
  client: SESv2Client;
  fetchMessages(): Promise<StoredEmail[]>;
  clear(): Promise<void>;
  /**
   * Fault injection for tests: SendEmail requests fail as `mode` says until `restore()` (or for the
   * next `times` requests), except those to the addresses in `exceptTo`. The emulator is untouched.
   * - `refuse` (default): HTTP 503 before the emulator sees the e-mail (SES unavailable);
   * - `accept-then-503`: the emulator stores the e-mail, the client gets a 503 (the reply is lost);
   * - `hang`: no answer at all (the client's request timeout must end it); nothing stored;
   * - `accept-then-hang`: stored, and no answer;
   * - `reset`: the connection is reset before the emulator sees the e-mail;
   * - `accept-then-reset`: stored, then the connection is reset.
   * `refused()` counts the requests the fault took; `onFault` is told of each as it happens.
   */
  outage(options?: { exceptTo?: string[]; mode?: SesFault; times?: number; onFault?: (to: string[]) => void }): { restore(): void; refused(): number };
  /** The emulator's web mailbox. */
  mailboxUrl: string;
  stop(): Promise<void>;
}

export type SesFault = 'refuse' | 'accept-then-503' | 'hang' | 'accept-then-hang' | 'reset' | 'accept-then-reset';

const require = createRequire(import.meta.url);

function emulatorCli(): string {
  const pkg = require.resolve('aws-ses-v2-local/package.json');
  return path.join(path.dirname(pkg), 'dist', 'cli.js');
}

async function startEmulator(requestedPort: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [emulatorCli(), '--host', '127.0.0.1', '--port', String(requestedPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SMTP_TRANSPORT: '' },
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /server running at \S*?:(\d+)/.exec(output);
      if (m) {
        child.stdout?.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('exit', (code) => reject(new Error(`aws-ses-v2-local exited (${code}) before listening: ${output}`)));
    child.once('error', reject);
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return { child, port };
}

/** `mailboxPort`: where the emulator's web mailbox listens (0 = a free port, as tests want). */
/** `requestTimeoutMs`: the client's request timeout (tests of a hung SES shorten it). */
export async function startSesLocal(options: { mailboxPort?: number; requestTimeoutMs?: number } = {}): Promise<SesLocal> {
  const { child, port: emulatorPort } = await startEmulator(options.mailboxPort ?? 0);
  const rawById = new Map<string, Buffer>();

  let fault: { exceptTo: string[]; refused: number; mode: SesFault; left: number; onFault?: ((to: string[]) => void) | undefined } | null = null;
  const hung = new Set<http.ServerResponse>();

  /** The fault this SendEmail request meets, if any (and counts it). */
  const faultFor = (req: http.IncomingMessage, body: Buffer): SesFault | null => {
    if (!fault || fault.left <= 0 || req.method !== 'POST' || !req.url?.startsWith('/v2/email/outbound-emails')) return null;
    let to: string[] = [];
    try {
      to = (JSON.parse(body.toString('utf8')) as { Destination?: { ToAddresses?: string[] } }).Destination?.ToAddresses ?? [];
    } catch {
      // Not JSON: it meets the fault like any other send.
    }
    if (to.some((address) => fault!.exceptTo.some((kept) => address.toLowerCase().includes(kept.toLowerCase())))) return null;
    fault.refused++;
    fault.left--;
    fault.onFault?.(to);
    return fault.mode;
  };
  const unavailable = (res: http.ServerResponse) => {
    res.writeHead(503, { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceUnavailable' });
    res.end(JSON.stringify({ message: 'Service unavailable (injected outage)' }));
  };

  // Recording proxy: forwards everything; remembers Content.Raw of each successful SendEmail.
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const injected = faultFor(req, body);
      if (injected === 'refuse') return unavailable(res);
      if (injected === 'reset') return req.socket.destroy();
      if (injected === 'hang') {
        hung.add(res);
        return;
      }
      const upstream = http.request(
        { host: '127.0.0.1', port: emulatorPort, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          const upChunks: Buffer[] = [];
          up.on('data', (c: Buffer) => upChunks.push(c));
          up.on('end', () => {
            const upBody = Buffer.concat(upChunks);
            if (req.method === 'POST' && req.url?.startsWith('/v2/email/outbound-emails') && up.statusCode === 200) {
              try {
                const sent = JSON.parse(body.toString('utf8')) as { Content?: { Raw?: { Data?: string } } };
                const answer = JSON.parse(upBody.toString('utf8')) as { MessageId?: string };
                if (sent.Content?.Raw?.Data && answer.MessageId) {
                  rawById.set(answer.MessageId, Buffer.from(sent.Content.Raw.Data, 'base64'));
                }
              } catch {
                // Not JSON: nothing to record.
              }
            }
            if (injected === 'accept-then-503') return unavailable(res);
            if (injected === 'accept-then-hang') return void hung.add(res);
            if (injected === 'accept-then-reset') return req.socket.destroy();
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(upBody);
          });
        },
      );
      upstream.on('error', (error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`ses proxy: ${error.message}`);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const client = new SESv2Client({
    endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // As in AWS: one attempt per SendEmail, a bounded wait (functions/lib/aws-clients.ts).
    ...awsClientConfig('ses', endpoint, { requestTimeoutMs: options.requestTimeoutMs }),
  });

  return {
    endpoint,
    client,
    mailboxUrl: `http://127.0.0.1:${emulatorPort}/`,
    async fetchMessages() {
      const res = await fetch(`${endpoint}/store`);
      if (!res.ok) throw new Error(`GET /store: ${res.status}`);
      const store = (await res.json()) as { emails: StoredEmail[] };
      return store.emails.map((email) => {
        const raw = rawById.get(email.messageId);
        return raw ? { ...email, raw } : email;
      });
    },
    outage(outageOptions = {}) {
      const current = { exceptTo: outageOptions.exceptTo ?? [], refused: 0, mode: outageOptions.mode ?? 'refuse', left: outageOptions.times ?? Infinity, onFault: outageOptions.onFault };
      fault = current;
      return {
        restore: () => {
          if (fault === current) fault = null;
          for (const res of hung) res.socket?.destroy();
          hung.clear();
        },
        refused: () => current.refused,
      };
    },
    async clear() {
      const res = await fetch(`${endpoint}/clear-store`, { method: 'POST' });
      if (!res.ok) throw new Error(`POST /clear-store: ${res.status}`);
      rawById.clear();
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      });
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
    },
  };
}
