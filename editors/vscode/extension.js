// Starts `wasmdbg dap` for debug sessions of type `wasmdbg`: the adapter
// speaks the Debug Adapter Protocol on its stdin and stdout.
'use strict';
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('wasmdbg', {
      createDebugAdapterDescriptor() {
        const path = vscode.workspace.getConfiguration('wasmdbg').get('path') || 'wasmdbg';
        return new vscode.DebugAdapterExecutable(path, ['dap']);
      },
    }),
  );
}

function deactivate() {}

module.exports = { activate, deactivate };
