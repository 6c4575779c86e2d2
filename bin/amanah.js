#!/usr/bin/env node
// The package bin: Node >= 22.18 runs the TypeScript sources directly by type stripping. Through npm
// (`npx amanah`, `npm run amanah --`) the pinned Node 24 (devDependency "node") runs it whatever Node the system
// has; run directly by an older Node, it stops with one line instead of a syntax error from a .ts file. The check
// is here, not in package.json's "engines": npm checks engines against the Node that runs npm itself, so a
// system Node 20 printed five EBADENGINE lines on every `npx amanah` for a program that ran on Node 24 anyway.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`amanah needs Node 22.18 or later (this is ${process.version}); run it through npm (npx amanah …, npm run amanah -- …), which uses the pinned Node 24`);
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
if (process.argv[2] !== 'serve') process.exit(process.exitCode);
