// The part of pg-copy-streams 7 the import uses (the package ships no types): COPY ... FROM STDIN as a
// writable stream handed to a node-postgres client's query().
declare module 'pg-copy-streams' {
  import type { Writable } from 'node:stream';
  import type { Connection } from 'pg';

  export interface CopyFromStream extends Writable {
    /** Rows the server reports as copied, once the stream has finished. */
    rowCount: number;
    submit(connection: Connection): void;
  }

  export function from(text: string): CopyFromStream;
}
