// Drives `wasmdbg dap` with VS Code's own DAP test client, DebugClient
// from @vscode/debugadapter-testsupport: a client nobody here wrote.
// Run from the project root after `cargo build`:
//   npm --prefix tests/dap-node ci && node tests/dap-node/test.js target/debug/wasmdbg
'use strict';
const assert = require('assert');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const root = path.resolve(__dirname, '..', '..');
const wasmdbg = path.resolve(root, process.argv[2] || 'target/debug/wasmdbg');
const shapes = path.join(root, 'tests/guests/dwarf/shapes.c');

async function withClient(f) {
  const dc = new DebugClient(wasmdbg, 'dap', 'wasmdbg', { cwd: root });
  dc.defaultTimeout = 60000;
  await dc.start();
  try {
    await f(dc);
  } finally {
    await dc.stop();
  }
}

async function breakpointFramesVariablesAndExit() {
  await withClient(async (dc) => {
    await dc.hitBreakpoint(
      { program: 'tests/guests/dwarf/shapes-O0.wasm', cwd: root, directories: ['tests/guests/dwarf'] },
      { path: shapes, line: 29 },
    );
    const trace = await dc.stackTraceRequest({ threadId: 1 });
    const top = trace.body.stackFrames[0];
    assert.strictEqual(top.name, 'area2');
    assert.strictEqual(top.source.path, shapes);
    const scopes = await dc.scopesRequest({ frameId: top.id });
    assert.deepStrictEqual(scopes.body.scopes.map((s) => s.name), ['Locals', 'Wasm locals', 'Operand stack', 'Globals']);
    const locals = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
    const s = locals.body.variables.find((v) => v.name === 's');
    const shape = await dc.variablesRequest({ variablesReference: s.variablesReference });
    const scale = shape.body.variables.find((v) => v.name === 'scale');
    assert.strictEqual(scale.value, '1.5');
    // Waiting for the stop only after the response would miss a stop that
    // arrives with it.
    await Promise.all([
      dc.nextRequest({ threadId: 1 }),
      dc.assertStoppedLocation('step', { path: shapes, line: 30 }),
    ]);
    await Promise.all([
      dc.continueRequest({ threadId: 1 }),
      dc.assertOutput('stdout', 'triangle 12 9.00 30 1099511627776 hello 6 1\n'),
      dc.waitForEvent('exited').then((e) => assert.strictEqual(e.body.exitCode, 0)),
      dc.waitForEvent('terminated'),
    ]);
  });
}

async function trapIsAnException() {
  await withClient(async (dc) => {
    await Promise.all([
      dc.configurationSequence(),
      dc.launch({ program: 'tests/guests/ratio-p1.wasm', args: ['ratio', '7', '0'], cwd: root, directories: ['tests/guests'] }),
      dc.assertStoppedLocation('exception', { path: path.join(root, 'tests/guests/c/ratio.c'), line: 21 }),
    ]);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.strictEqual(info.body.exceptionId, 'trap');
    assert.strictEqual(info.body.description, 'Program stopped: trap: integer divide by zero');
    await Promise.all([
      dc.continueRequest({ threadId: 1 }),
      dc.waitForEvent('exited').then((e) => assert.strictEqual(e.body.exitCode, 134)),
    ]);
  });
}

// Logpoints print to the debug console and the program goes on (a value
// that cannot be read shows why); a hit condition stops line 31 only from
// its third hit (i == 2).
async function logpointsAndHitConditions() {
  await withClient(async (dc) => {
    let set;
    await Promise.all([
      dc.waitForEvent('initialized')
        .then(() => dc.setBreakpointsRequest({
          source: { path: shapes },
          breakpoints: [
            { line: 31, hitCondition: '>= 3' },
            { line: 33, logMessage: 'i={i} sum={sum} bad={nosuch}' },
          ],
        }))
        .then((r) => { set = r; })
        .then(() => dc.configurationDoneRequest()),
      dc.launch({ program: 'tests/guests/dwarf/shapes-O0.wasm', cwd: root, directories: ['tests/guests/dwarf'] }),
      dc.assertOutput(
        'console',
        'i=0 sum=0 bad=<error: no variable named "nosuch" in scope>\n'
          + 'i=1 sum=0 bad=<error: no variable named "nosuch" in scope>\n',
      ),
      dc.assertStoppedLocation('breakpoint', { path: shapes, line: 31 }),
    ]);
    assert.deepStrictEqual(set.body.breakpoints.map((b) => b.verified), [true, true]);
    const trace = await dc.stackTraceRequest({ threadId: 1 });
    const i = await dc.evaluateRequest({ expression: 'i', frameId: trace.body.stackFrames[0].id, context: 'watch' });
    assert.strictEqual(i.body.result, '2');
    await Promise.all([
      dc.continueRequest({ threadId: 1 }),
      dc.waitForEvent('exited').then((e) => assert.strictEqual(e.body.exitCode, 0)),
    ]);
  });
}

// The replay of a failure goes back: stepBack by line lands where the
// REPL's reverse-next does.
async function stepBackInTheReplayOfAFailure() {
  await withClient(async (dc) => {
    const ratio = path.join(root, 'tests/guests/c/ratio.c');
    await Promise.all([
      dc.configurationSequence(),
      dc.launch({ program: 'tests/guests/ratio-p1.wasm', args: ['ratio', '7', '0'], cwd: root, directories: ['tests/guests'] }),
      dc.assertStoppedLocation('exception', { path: ratio, line: 21 }),
    ]);
    // From the middle of line 21 (the division), back to its start, as
    // the REPL's reverse-next lands; then to line 20.
    await Promise.all([
      dc.send('stepBack', { threadId: 1 }),
      dc.assertStoppedLocation('step', { path: ratio, line: 21 }),
    ]);
    const trace = await dc.stackTraceRequest({ threadId: 1 });
    assert.strictEqual(trace.body.stackFrames[0].instructionPointerReference, '0x488');
    await Promise.all([
      dc.send('stepBack', { threadId: 1 }),
      dc.assertStoppedLocation('step', { path: ratio, line: 20 }),
    ]);
  });
}

(async () => {
  for (const test of [
    breakpointFramesVariablesAndExit,
    trapIsAnException,
    logpointsAndHitConditions,
    stepBackInTheReplayOfAFailure,
  ]) {
    await test();
    console.log(`ok ${test.name}`);
  }
})().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
