// A real SMTP server on loopback (smtp-server) that parses what it receives (mailparser), for the portal tests.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface Mailbox {
  url: string;
  received: ParsedMail[];
  /** The next message (not yet taken) that `wanted` accepts; others (receipts the outbox sends) are skipped. */
  next(wanted?: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  /** Messages received that `wanted` accepts. */
  count(wanted: (mail: ParsedMail) => boolean): number;
  close(): Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  const received: ParsedMail[] = [];
  let taken = 0;
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        received.push(mail);
        for (const wake of waiters.splice(0)) wake();
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    async next(wanted = () => true, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (taken < received.length) {
          const mail = received[taken++]!;
          if (wanted(mail)) return mail;
        }
        if (Date.now() > deadline) throw new Error('no message arrived');
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 200); });
      }
    },
    count: (wanted) => received.filter(wanted).length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether a message carries a magic link (not a receipt from the outbox). */
export const isMagicLink = (mail: ParsedMail): boolean => /\/me\/link\//.test(mail.text ?? '');

/** The magic link in a message's text. */
export function linkIn(mail: ParsedMail): string {
  const match = /(https?:\/\/\S+\/me\/link\/[0-9]+\.[A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
  if (!match) throw new Error(`no link in: ${mail.text}`);
  return match[1]!;
}
