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

// A Rust panic replayed: Step Back from libc's `abort` leaves the library
// to settle's call into it (where the REPL's reverse-finish from the frame
// above settle's lands, 0x1cb0), then goes back as reverse-next does (the
// start of line 67, then line 66); reverseContinue with a function
// breakpoint stops at its last hit before, as reverse-continue does.
async function stepBackAndReverseContinueInRust() {
  await withClient(async (dc) => {
    const main = path.join(root, 'tests/guests/app/src/main.rs');
    await Promise.all([
      dc.configurationSequence(),
      dc.launch({ program: 'tests/guests/app-p1.wasm', args: ['panic'], cwd: root, directories: ['tests/guests'] }),
      dc.waitForEvent('stopped').then((e) => assert.strictEqual(e.body.reason, 'exception')),
    ]);
    const top = async () => {
      const f = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
      return `${f.name} ${f.instructionPointerReference} ${f.line}`;
    };
    for (const [expected, line] of [['app::settle 0x1cb0 67', 67], ['app::settle 0x1c15 67', 67], ['app::settle 0x1bf9 66', 66]]) {
      await Promise.all([
        dc.send('stepBack', { threadId: 1 }),
        dc.assertStoppedLocation('step', { path: main, line }),
      ]);
      assert.strictEqual(await top(), expected);
    }
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'app::audit' }] });
    const [, stopped] = await Promise.all([
      dc.send('reverseContinue', { threadId: 1 }),
      dc.waitForEvent('stopped'),
    ]);
    assert.strictEqual(stopped.body.reason, 'breakpoint');
    // `break app::audit` + `reverse-continue` at the panic: 0x19fd, line 56.
    assert.strictEqual(await top(), 'app::audit 0x19fd 56');
  });
}

// A data breakpoint going back: in the replay of reverse.wat's trap,
// reverseContinue stops right after the last write of the global `calls`
// (the fifth call of `bump` set it to 5), then the one before (4), where
// the REPL's `watch calls` with `reverse-continue` stops.
async function reverseDataBreakpoint() {
  await withClient(async (dc) => {
    await Promise.all([
      dc.configurationSequence(),
      dc.launch({ program: 'wat/reverse.wat', cwd: root }),
      dc.waitForEvent('stopped').then((e) => assert.strictEqual(e.body.reason, 'exception')),
    ]);
    const info = await dc.dataBreakpointInfoRequest({ name: 'calls' });
    assert.strictEqual(info.body.dataId, 'calls');
    const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: 'calls' }] });
    assert.strictEqual(set.body.breakpoints[0].verified, true);
    for (const expected of ['5', '4']) {
      const [, stopped] = await Promise.all([
        dc.send('reverseContinue', { threadId: 1 }),
        dc.waitForEvent('stopped'),
      ]);
      assert.strictEqual(stopped.body.reason, 'data breakpoint');
      const trace = await dc.stackTraceRequest({ threadId: 1 });
      const top = trace.body.stackFrames[0];
      assert.strictEqual(top.name, 'bump');
      const calls = await dc.evaluateRequest({ expression: 'calls', frameId: top.id, context: 'watch' });
      assert.strictEqual(calls.body.result, expected);
    }
  });
}

// The debug console's completions, and the lines that hold code for the
// editor's gutter (breakpointLocations), at a breakpoint in shapes.c.
async function completionsAndBreakpointLocations() {
  await withClient(async (dc) => {
    await dc.hitBreakpoint(
      { program: 'tests/guests/dwarf/shapes-O0.wasm', cwd: root, directories: ['tests/guests/dwarf'] },
      { path: shapes, line: 33 },
    );
    const trace = await dc.stackTraceRequest({ threadId: 1 });
    const frameId = trace.body.stackFrames[0].id;
    const complete = async (text) => {
      const r = await dc.send('completions', { text, column: text.length + 1, frameId });
      return r.body.targets.map((t) => `${t.label} ${t.type} ${t.length}`);
    };
    assert.deepStrictEqual(await complete('info br'), ['breakpoints keyword 2']);
    assert.deepStrictEqual(await complete('break are'), ['area2 function 3']);
    assert.ok((await complete('p su')).includes('sum variable 2'));
    const found = await dc.send('breakpointLocations', { source: { path: shapes }, line: 25, endLine: 33 });
    assert.deepStrictEqual(found.body.breakpoints.map((b) => b.line), [28, 29, 30, 31, 32, 33]);
  });
}

// A component's frames in two core modules: the C program's (module 0)
// and the WASI adapter's `run` (module 1), each reference naming its
// module in the high 32 bits; `modules` lists every core module with its
// DWARF state.
async function componentFramesInTwoCoreModules() {
  await withClient(async (dc) => {
    const initialized = dc.waitForEvent('initialized');
    await dc.launch({ program: 'tests/guests/ratio-c.wasm', args: ['ratio', '7', '5'], cwd: root });
    await initialized;
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'ratio' }] });
    const stopped = dc.waitForEvent('stopped');
    await dc.configurationDoneRequest();
    assert.strictEqual((await stopped).body.reason, 'breakpoint');
    const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.strictEqual(frames[0].instructionPointerReference, '0x46e');
    assert.strictEqual(frames[0].moduleId, 0);
    const run = frames[frames.length - 1];
    assert.strictEqual(run.moduleId, 1);
    assert.strictEqual(run.instructionPointerReference, '0x10000207d');
    const modules = (await dc.send('modules', {})).body.modules;
    assert.deepStrictEqual(
      modules.map((m) => `${m.id} ${m.name} ${m.symbolStatus}`),
      [
        '0 main DWARF',
        '1 wit-component:adapter:wasi_snapshot_preview1 no DWARF',
        '2 wit-component-shim-module no DWARF',
        '3 wit-component-fixup no DWARF',
      ],
    );
  });
}

(async () => {
  for (const test of [
    breakpointFramesVariablesAndExit,
    trapIsAnException,
    logpointsAndHitConditions,
    stepBackInTheReplayOfAFailure,
    reverseDataBreakpoint,
    stepBackAndReverseContinueInRust,
    completionsAndBreakpointLocations,
    componentFramesInTwoCoreModules,
  ]) {
    await test();
    console.log(`ok ${test.name}`);
  }
})().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
