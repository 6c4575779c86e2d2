// Proves that `npm start` passes SIGTERM and SIGINT on to the server: stopping the npm process stops the server
// gracefully (it logs "stopped" and exits 0, and frees its data folder) instead of leaving it serving, orphaned,
// as a container runtime or a terminal's Ctrl-C would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const npmFound = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to npm start stops the server gracefully`, { skip: !npmFound && 'npm is not on PATH', timeout: 180_000 }, async () => {
    const dataDirectory = mkdtempSync(join(tmpdir(), 'amanah-npm-'));
    const environment: Record<string, string | undefined> = {
      ...process.env, AMANAH_DATA_DIR: dataDirectory, PORT: String(await freePort()), HOST: '127.0.0.1',
      LOG_LEVEL: 'info', AMANAH_SEED_DEMO: 'false', DATABASE_URL: undefined,
    };
    const npm = spawn('npm', ['start'], { cwd: REPOSITORY, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    npm.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    try {
      let serverPid: number | undefined;
      for (let attempt = 0; attempt < 600 && serverPid === undefined; attempt += 1) {
        const listening = /"pid":([0-9]+)[^\n]*Server listening/.exec(output);
        if (listening) serverPid = Number(listening[1]);
        else await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(serverPid !== undefined, output);
      assert.notEqual(serverPid, npm.pid);
      npm.kill(signal);
      const [code] = await once(npm, 'exit') as [number | null];
      for (let attempt = 0; attempt < 100 && alive(serverPid); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(alive(serverPid), false, 'the server outlived npm');
      // The server's last lines can still be in the pipe when it has exited (CI once read the output before its
      // "stopped" line arrived): the pipes end once every process writing to them has closed them.
      await Promise.all([npm.stdout, npm.stderr].map((stream) => (stream.readableEnded ? undefined : once(stream, 'end'))));
      assert.match(output, /"msg":"stopped"/);
      assert.equal(code, 0, output);
      assert.equal(existsSync(join(dataDirectory, 'amanah.lock')), false);
    } finally {
      npm.kill('SIGKILL');
      rmSync(dataDirectory, { recursive: true, force: true });
    }
  });
}
