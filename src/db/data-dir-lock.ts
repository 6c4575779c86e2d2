// One process owns a PGlite data folder. PGlite has no lock of its own: two processes that open one folder each
// run their own PostgreSQL over the same files, and each overwrites what the other wrote (a token the server
// never knows, an import gone after a restart, a corrupted catalogue). So opening a folder takes
// `<folder>/amanah.lock`, created with O_EXCL, holding the owner's pid and its start time.
//
// Why a pid file and not proper-lockfile (the well-kept package for this): proper-lockfile decides that a lock
// is stale by its mtime, which its owner refreshes on a timer; a crashed owner's lock stays taken for the stale
// period (10 s by default), and a busy event loop that misses refreshes loses a lock it still holds. A pid with
// its start time is exact on one machine: the owner is alive or it is not, at once, with no timer, and the
// message can name the pid. The start time (field 22 of /proc/<pid>/stat) tells a live owner from a new process
// that was given a dead owner's pid. Another host's pid cannot be checked (a container recreated on the same
// volume has a new hostname, and a network file system can be shared by machines), so for a lock written on
// another host the owner's heartbeat decides: the owner touches the file every LOCK_REFRESH_MS, and such a lock
// untouched for LOCK_STALE_MS is taken over; on one host the pid alone decides, at once.
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const LOCK_FILE_NAME = 'amanah.lock';
/** How often the owner touches its lock, for processes on other hosts (a timer that never keeps the process up). */
export const LOCK_REFRESH_MS = 10_000;
/** A lock written on another host and not touched for this long is a dead owner's. */
export const LOCK_STALE_MS = 60_000;

interface Owner {
  readonly pid: number;
  /** Clock ticks since boot at which the process started (Linux), or null where it cannot be read. */
  readonly startTicks: number | null;
  readonly host: string;
  readonly command: string;
}

/** The folder is owned by another live process; the message names it, and the caller adds what to do. */
export class DataDirectoryLockedError extends Error {
  readonly owner: Owner;
  readonly directory: string;
  constructor(directory: string, owner: Owner) {
    const who = owner.host === hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.host}`;
    super(`${directory} is owned by a running amanah (${who}: ${owner.command})`);
    this.name = 'DataDirectoryLockedError';
    this.owner = owner;
    this.directory = directory;
  }
}

/** The folder cannot be created or written (read-only, /proc, a file in the way): one line, at once. */
export class DataDirectoryError extends Error {
  constructor(directory: string, cause: unknown) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.message : String(cause));
    super(`AMANAH_DATA_DIR ${directory} cannot be used as the PGlite data folder (${reason}): ` +
      'give a folder this user can create and write');
    this.name = 'DataDirectoryError';
  }
}

/**
 * mkdir -p, one level at a time. Not mkdirSync's `recursive`: on a path under /proc it loops forever at full
 * CPU (Node 24: mkdir answers ENOENT, the parent exists, and it tries again), which is how AMANAH_DATA_DIR=/proc/nope
 * used to hang with no output. One level at a time, each failure is final.
 */
function makeDirectory(directory: string): void {
  const path = resolve(directory);
  const parent = dirname(path);
  if (parent !== path) {
    try {
      if (!statSync(parent).isDirectory()) throw Object.assign(new Error(`${parent} is not a folder`), { code: 'ENOTDIR' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      makeDirectory(parent);
    }
  }
  try {
    mkdirSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(path).isDirectory()) throw error;
  }
}

function startTicks(pid: number | 'self'): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isSafeInteger(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function isAlive(owner: Owner, path: string): boolean {
  if (owner.host !== hostname()) {
    const touched = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    return touched !== undefined && Date.now() - touched < LOCK_STALE_MS;
  }
  if (!Number.isSafeInteger(owner.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user; it is alive.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const ticks = startTicks(owner.pid);
  return owner.startTicks === null || ticks === null || ticks === owner.startTicks;
}

function readOwner(path: string): Owner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Owner>;
    if (typeof parsed.pid !== 'number') return undefined;
    return { pid: parsed.pid, startTicks: parsed.startTicks ?? null, host: parsed.host ?? hostname(), command: parsed.command ?? '?' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A torn or foreign file: treat it as a dead owner's, so it never blocks the folder for good.
    return { pid: 0, startTicks: null, host: hostname(), command: 'unreadable lock file' };
  }
}

function tryCreate(path: string, me: Owner): boolean {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(descriptor, JSON.stringify(me));
  } finally {
    closeSync(descriptor);
  }
  return true;
}

/**
 * Moves a dead owner's lock aside, so that of two processes taking over at once only one does: a rename is
 * atomic, and a process that moved a lock that turns out to be live (a racer's fresh one) puts it back.
 */
function removeStale(path: string, stale: Owner): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readOwner(aside);
  if (moved !== undefined && (moved.pid !== stale.pid || moved.startTicks !== stale.startTicks)) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone took the folder meanwhile; the next attempt reads their lock.
    }
  }
  unlinkSync(aside);
}

/** Throws DataDirectoryLockedError when a live process owns `directory`; takes nothing (a check before work). */
export function assertDataDirectoryFree(directory: string): void {
  const path = join(directory, LOCK_FILE_NAME);
  const owner = readOwner(path);
  if (owner !== undefined && isAlive(owner, path)) throw new DataDirectoryLockedError(directory, owner);
}

/** Takes `directory` for this process, creating it; returns the function that gives it back. */
export function lockDataDirectory(directory: string): () => void {
  const path = join(directory, LOCK_FILE_NAME);
  const me: Owner = { pid: process.pid, startTicks: startTicks('self'), host: hostname(), command: process.argv.slice(2).join(' ') || 'node' };
  try {
    makeDirectory(directory);
    // Three attempts: a stale lock is removed between them; more contention than that is a live owner.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (tryCreate(path, me)) return releaser(path, me);
      const owner = readOwner(path);
      if (owner === undefined) continue;
      if (isAlive(owner, path)) throw new DataDirectoryLockedError(directory, owner);
      removeStale(path, owner);
    }
  } catch (error) {
    if (error instanceof DataDirectoryLockedError) throw error;
    throw new DataDirectoryError(directory, error);
  }
  throw new DataDirectoryLockedError(directory, readOwner(path) ?? me);
}

function releaser(path: string, me: Owner): () => void {
  let released = false;
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // The folder went away or turned read-only: the next owner decides by the pid or the age.
    }
  }, LOCK_REFRESH_MS);
  heartbeat.unref();
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    process.off('exit', release);
    const owner = readOwner(path);
    if (owner?.pid === me.pid && owner.startTicks === me.startTicks) {
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing to give back.
      }
    }
  };
  // A process that exits without closing (process.exit after an error) still frees the folder; a crash or
  // kill -9 leaves the file, which the next owner finds dead and takes over.
  process.on('exit', release);
  return release;
}
