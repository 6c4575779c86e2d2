// The part of pg-copy-streams 7 that amanah uses (the package ships no types). Declared as interfaces so that
// another file may declare other parts of the module (COPY FROM) and the declarations merge.
declare module 'pg-copy-streams' {
  import type { Readable, ReadableOptions } from 'node:stream';
  import type { Connection, Submittable } from 'pg';

  /** COPY … TO STDOUT as a readable stream of the server's bytes; submitted with client.query(). */
  export interface CopyToStreamQuery extends Readable, Submittable {
    submit(connection: Connection): void;
    /** The row count from the server's "COPY n" completion, set once the stream has ended. */
    readonly rowCount: number;
  }

  export function to(text: string, options?: ReadableOptions): CopyToStreamQuery;
}
