// The one seam through which the portal sends mail: sendMagicLink. Until the transactional outbox of src/email
// lands (issue 15, another room), it speaks SMTP itself through nodemailer with SMTP_URL; the day the outbox is
// there, this function hands the message to it instead and nothing else in the portal changes.
//
// A magic link is not worth an outbox's guarantees in one respect: it is asked for by a person waiting at the
// screen, and one lost to a crash is asked for again; a resend after a crash would be a second valid link,
// harmless. So it is sent at once, after the link's row is committed, and a failure is logged (without the
// address) rather than retried.
import nodemailer, { type Transporter } from 'nodemailer';
import type { PortalConfig } from './settings.ts';
import type { PortalLocale } from './i18n.ts';
import { portalText } from './i18n.ts';

/** How long one SMTP conversation may take; a stuck server must not hold sockets for ever. */
const SMTP_TIMEOUT_MS = 10_000;

export interface MagicLinkMessage {
  to: string;
  link: string;
  locale: PortalLocale;
  ttlMinutes: number;
}

export interface Mailer {
  sendMagicLink(message: MagicLinkMessage): Promise<void>;
  close(): void;
}

/** The text of the message, in the donor's language (pure: the tests read it back from the SMTP server). */
export function magicLinkText(message: MagicLinkMessage): { subject: string; text: string } {
  const t = portalText(message.locale);
  return {
    subject: t.mailSubject,
    text: `${t.mailIntro}\n\n${message.link}\n\n${t.mailExpiry.replace('{minutes}', String(message.ttlMinutes))}\n${t.mailIgnore}\n`,
  };
}

/** A mailer on SMTP_URL, or undefined without it (then no link can be mailed, and the log says so once per request). */
export function createMailer(config: PortalConfig): Mailer | undefined {
  if (config.smtpUrl === undefined) return undefined;
  const transport: Transporter = nodemailer.createTransport({
    url: config.smtpUrl, connectionTimeout: SMTP_TIMEOUT_MS, greetingTimeout: SMTP_TIMEOUT_MS, socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    async sendMagicLink(message) {
      const { subject, text } = magicLinkText(message);
      await transport.sendMail({ from: config.mailFrom, to: message.to, subject, text });
    },
    close() { transport.close(); },
  };
}
