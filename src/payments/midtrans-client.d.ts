// The part of midtrans-client (which ships no types) that amanah uses: Snap transactions and the status API.
declare module 'midtrans-client' {
  interface ApiConfig {
    getSnapApiBaseUrl(): string;
    getCoreApiBaseUrl(): string;
  }
  export class Snap {
    constructor(options: { isProduction: boolean; serverKey: string; clientKey?: string });
    apiConfig: ApiConfig;
    httpClient: { http_client: { defaults: { timeout?: number } } };
    createTransaction(parameter: Record<string, unknown>): Promise<{ token: string; redirect_url: string }>;
    transaction: { status(orderId: string): Promise<Record<string, unknown>> };
  }
  export class MidtransError extends Error {
    httpStatusCode: number | string | null;
    ApiResponse: unknown;
  }
  const midtrans: { Snap: typeof Snap; MidtransError: typeof MidtransError };
  export default midtrans;
}
