// Drives VS Code itself (code-server in headless Chromium) through a
// debug session with the packaged wasmdbg extension, as a user would:
// keys and the command palette, and checks read from the page.
//
//   node tests/vscode-e2e/run.js --code-server PATH --vsix PATH \
//        --wasmdbg PATH [--chromium /usr/bin/chromium] [--screenshot FILE]
//
// tests/vscode-e2e/run.sh runs it with the pieces install.sh installs;
// README.md there says what is checked.
'use strict';
const assert = require('assert');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const { chromium } = require('playwright-core');

const root = path.resolve(__dirname, '..', '..');

function options() {
  const opts = { chromium: '/usr/bin/chromium' };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-(.)/g, (_, c) => c.toUpperCase());
    if (argv[i + 1] === undefined) throw new Error(`${argv[i]} needs a value`);
    opts[key] = path.resolve(argv[i + 1]);
  }
  for (const need of ['codeServer', 'vsix', 'wasmdbg']) {
    if (!opts[need]) throw new Error(`--${need.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is needed`);
  }
  return opts;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, ms) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch (_) {
      // Not listening yet.
    }
    if (Date.now() > end) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// The folder VS Code opens: the test program's source and binary (as
// tests/guests has them), a recording of its panic, and launch.json.
function workspace(dir, wasmdbg) {
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(path.join(ws, 'app', 'src'), { recursive: true });
  fs.mkdirSync(path.join(ws, '.vscode'));
  fs.copyFileSync(path.join(root, 'tests/guests/app/src/main.rs'), path.join(ws, 'app/src/main.rs'));
  fs.copyFileSync(path.join(root, 'tests/guests/app-p1.wasm'), path.join(ws, 'app.wasm'));
  // The recording's panic is printed by the recorded run: not an error.
  try {
    execFileSync(wasmdbg, ['record', '-o', path.join(ws, 'panic.trace'), path.join(ws, 'app.wasm'), 'panic'], {
      stdio: 'pipe',
    });
  } catch (e) {
    if (!fs.existsSync(path.join(ws, 'panic.trace'))) throw e;
  }
  const common = {
    type: 'wasmdbg',
    request: 'launch',
    program: '${workspaceFolder}/app.wasm',
    args: ['panic'],
    directories: ['${workspaceFolder}'],
  };
  fs.writeFileSync(
    path.join(ws, '.vscode/launch.json'),
    JSON.stringify(
      {
        version: '0.2.0',
        configurations: [
          { ...common, name: 'Run app' },
          {
            type: 'wasmdbg',
            request: 'launch',
            name: 'Replay the panic',
            program: '${workspaceFolder}/app.wasm',
            replay: '${workspaceFolder}/panic.trace',
            directories: ['${workspaceFolder}'],
          },
        ],
      },
      null,
      2,
    ),
  );
  return ws;
}

function userSettings(userData, wasmdbg) {
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User/settings.json'),
    JSON.stringify(
      {
        'wasmdbg.path': wasmdbg,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'debug.console.closeOnEnd': false,
        'chat.disableAIFeatures': true,
        'window.commandCenter': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
      },
      null,
      2,
    ),
  );
}

async function main() {
  const opts = options();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmdbg-vscode-'));
  const userData = path.join(dir, 'user');
  const extensions = path.join(dir, 'extensions');
  console.log(`files in ${dir} (removed when every check passed)`);
  const ws = workspace(dir, opts.wasmdbg);
  userSettings(userData, opts.wasmdbg);
  const installed = execFileSync(
    opts.codeServer,
    ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', opts.vsix],
    { encoding: 'utf8' },
  );
  assert.match(installed, /was successfully installed/, installed);

  const port = await freePort();
  const server = spawn(
    opts.codeServer,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ws,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } },
  );
  let serverLog = '';
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  const browser = await chromium.launch({
    executablePath: opts.chromium,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60000);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    console.log(`code-server on 127.0.0.1:${port}`);
    await session(page, dir, opts.screenshot).catch(async (e) => {
      await page.screenshot({ path: path.join(dir, 'failed.png') });
      throw e;
    });
  } catch (e) {
    console.error(serverLog.slice(-4000));
    throw e;
  } finally {
    await browser.close();
    server.kill();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

// Types `text` into the open quick input and picks the row it names.
async function pick(page, text) {
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input');
  await page.keyboard.type(text);
  await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${text}"]`);
  await page.keyboard.press('Enter');
}

// A command by name from the command palette (F1).
async function command(page, name) {
  await page.keyboard.press('F1');
  await pick(page, name);
}

async function statusLine(page) {
  return page.locator('#status\\.editor\\.selection').innerText();
}

// Quick Open (Ctrl+P) until the file's tab is there: the first keys can
// come before the workbench listens.
async function openFile(page, name) {
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    try {
      await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input', { timeout: 5000 });
      await page.keyboard.type(name);
      await page.waitForSelector(`.quick-input-list .monaco-list-row[aria-label*="${name}"]`, { timeout: 5000 });
      await page.keyboard.press('Enter');
      await until(`${name} open`, () => text(page, '.tabs-container'), (t) => t.replace(/\s/g, '').includes(name));
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

// Ctrl+G to `line`, until the status bar says the cursor is there.
async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  await page.waitForSelector('.quick-input-widget:not([style*="display: none"]) input');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await atLine(page, line);
}

async function text(page, selector) {
  return page.locator(selector).first().innerText();
}

// Polls `read` until `test` holds for what it returns (30 s), failing with
// the last value read.
async function until(what, read, test) {
  const end = Date.now() + 30000;
  let last;
  for (;;) {
    try {
      last = await read();
      if (test(last)) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: never, last seen: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const atLine = (page, line) =>
  until(`the cursor at line ${line}`, () => statusLine(page), (s) => s.startsWith(`Ln ${line},`));

// An error dialog (a launch VS Code refused) ends the test with its text.
async function noDialog(page) {
  const dialog = page.locator('.monaco-dialog-box');
  if (await dialog.count()) throw new Error(`VS Code shows a dialog: ${await dialog.first().innerText()}`);
}

async function session(page, dir, screenshot) {
  await until('the explorer', () => text(page, '.explorer-folders-view'), (t) => t.includes('app.wasm'));
  // The secondary side bar (chat's place) is empty: hidden, for the
  // screenshot.
  const aside = page.locator('.part.auxiliarybar');
  if (await aside.isVisible()) await command(page, 'View: Toggle Secondary Side Bar Visibility');
  await openFile(page, 'main.rs');
  await page.keyboard.press('Control+Shift+D');

  // 1. F5 on the program, which panics: the editor shows the program's
  // line with the panic's message, not libc's `abort` below it.
  await page.keyboard.press('F5');
  await page.waitForSelector('.exception-widget', { timeout: 60000 });
  await noDialog(page);
  const exception = await text(page, '.exception-widget');
  assert.match(exception, /panicked at src\/main\.rs:67:9: account 7 is overdrawn by 40/, exception);
  await atLine(page, 67);
  assert.match((await text(page, '.tabs-container')).replace(/\s/g, ''), /main\.rs/);
  const stack = await until('the call stack', () => text(page, '.debug-call-stack'), (t) => t.includes('app::settle'));
  assert.match(stack, /^Show \d+ More: not found on disk\napp::settle/, stack);
  const body = await page.locator('body').innerText();
  assert.ok(!body.includes('could not be opened'), 'an editor could not be opened');
  const variables = await until('the variables', () => text(page, '.debug-variables'), (t) => t.includes('account'));
  assert.match(variables, /^account =\nAccount \{id: 7, balance: -40\}\nbalance =\n-40$/m, variables);
  if (screenshot) await page.screenshot({ path: screenshot });
  console.log('ok: F5 stops at the panic on main.rs:67 with its message and `account`');

  // Step Back, as reverse-next from the frame the editor shows: out of the
  // library to the program's call into it (the frames above are gone),
  // then to the start of line 67, then to line 66.
  const callStackState = () => text(page, '.pane-header:has-text("Call Stack")');
  await page.click('.debug-toolbar .codicon-debug-step-back');
  await until('back in settle', () => text(page, '.debug-call-stack'), (t) => t.startsWith('app::settle'));
  await until('the call', callStackState, (t) => t.includes('Run back to the call'));
  await atLine(page, 67);
  await page.click('.debug-toolbar .codicon-debug-step-back');
  await until('a step back', callStackState, (t) => t.includes('Paused') && !t.includes('Run back'));
  await atLine(page, 67);
  await page.click('.debug-toolbar .codicon-debug-step-back');
  await atLine(page, 66);
  console.log('ok: Step Back goes to the call in settle at 67:9, the start of line 67, then line 66');
  await page.keyboard.press('Shift+F5');
  await page.waitForSelector('.debug-toolbar', { state: 'hidden' });

  // 2. The recording of the same run: a breakpoint, its variables, a
  // step and a step back, a logpoint.
  await goToLine(page, 65);
  await page.keyboard.press('F9');
  await command(page, 'Debug: Select and Start Debugging');
  await pick(page, 'Replay the panic');
  await page.waitForSelector('.debug-toolbar', { timeout: 60000 });
  await noDialog(page);
  await atLine(page, 65);
  await until('the variables', () => text(page, '.debug-variables'), (t) => /account/.test(t));
  console.log('ok: the replay stops at the breakpoint on line 65');
  await page.keyboard.press('F10');
  await atLine(page, 66);
  await page.click('.debug-toolbar .codicon-debug-step-back');
  await atLine(page, 65);
  console.log('ok: Step Over then Step Back: 66, then 65 again');
  await goToLine(page, 67);
  await command(page, 'Debug: Add Logpoint...');
  await page.waitForSelector('.breakpoint-widget .monaco-editor.focused');
  await page.keyboard.type('overdrawn by {balance}');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.breakpoint-widget', { state: 'hidden' });
  await page.keyboard.press('F5');
  const console_ = await until('the logpoint', () => text(page, '.repl'), (t) => t.includes('overdrawn by -40'));
  await page.waitForSelector('.exception-widget', { timeout: 60000 });
  await atLine(page, 67);
  console.log('ok: the logpoint prints in the debug console, then the replay stops at the panic');
  return console_;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
