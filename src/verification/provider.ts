// The payment provider's status endpoint, asked over HTTP: `GET {providerUrl}/payments/{reference}` answers
// `{ "status": "paid" | "failed" | "pending", "amount": "150000.50", "currency": "IDR" }`. The amount is a decimal
// string in major units, as amanah's own API carries money: a JSON number is refused as malformed, because a
// float cannot be trusted to carry an amount exactly.
//
// Node's global fetch (undici) is used with the caller's AbortSignal, which covers the connection, the headers
// and the body: when the item's deadline passes, the request is aborted and its socket closed.

export type ProviderStatus = 'paid' | 'failed' | 'pending';

export interface ProviderAnswer {
  readonly status: ProviderStatus;
  /** Present when the provider sent them (always for "paid"). */
  readonly amount: string | undefined;
  readonly currency: string | undefined;
}

/** Why the provider could not be asked, or answered something that is not an answer: retried later. */
export class ProviderError extends Error {
  readonly kind: 'unreachable' | 'http_status' | 'malformed';
  constructor(kind: ProviderError['kind'], message: string) {
    super(message);
    this.name = 'ProviderError';
    this.kind = kind;
  }
}

export function isProviderError(value: unknown): value is ProviderError {
  return value instanceof ProviderError;
}

/** A status answer is a few dozen bytes; anything past this is not one, and is not read into memory. */
export const PROVIDER_RESPONSE_BYTES_MAX = 64 * 1024; // 64 KiB
const STATUSES: readonly string[] = ['paid', 'failed', 'pending'];

export function paymentUrl(providerUrl: string, reference: string): string {
  return `${providerUrl}/payments/${encodeURIComponent(reference)}`;
}

/** Asks the provider for one payment's status. Throws ProviderError, or the signal's reason when aborted. */
export async function askProvider(providerUrl: string, reference: string, signal: AbortSignal): Promise<ProviderAnswer> {
  let response: Response;
  try {
    response = await fetch(paymentUrl(providerUrl, reference), { headers: { accept: 'application/json' }, signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ProviderError('unreachable', `provider unreachable: ${cause?.code ?? cause?.message ?? String(error)}`);
  }
  if (response.status === 404) {
    await response.body?.cancel();
    throw new ProviderError('http_status', 'provider does not know this reference (HTTP 404)');
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new ProviderError('http_status', `provider answered HTTP ${response.status}`);
  }
  return parseAnswer(await readBounded(response, signal));
}

async function readBounded(response: Response, signal: AbortSignal): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > PROVIDER_RESPONSE_BYTES_MAX) {
        await reader.cancel();
        throw new ProviderError('malformed', `provider answer is larger than ${PROVIDER_RESPONSE_BYTES_MAX} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (isProviderError(error)) throw error;
    throw new ProviderError('unreachable', `provider answer cut off: ${(error as Error).message}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseAnswer(text: string): ProviderAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ProviderError('malformed', 'provider answer is not JSON');
  }
  if (typeof body !== 'object' || body === null) throw new ProviderError('malformed', 'provider answer is not a JSON object');
  const { status, amount, currency } = body as Record<string, unknown>;
  if (typeof status !== 'string' || !STATUSES.includes(status)) {
    throw new ProviderError('malformed', `provider status must be paid, failed or pending, got ${JSON.stringify(status)?.slice(0, 40)}`);
  }
  if (amount !== undefined && typeof amount !== 'string') throw new ProviderError('malformed', 'provider amount must be a decimal string');
  if (currency !== undefined && typeof currency !== 'string') throw new ProviderError('malformed', 'provider currency must be a string');
  if (status === 'paid' && (amount === undefined || currency === undefined)) {
    throw new ProviderError('malformed', 'a paid answer must carry amount and currency');
  }
  return { status: status as ProviderStatus, amount, currency };
}
