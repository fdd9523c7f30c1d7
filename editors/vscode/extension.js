// The VS Code side of Voronka: starts `voronka lsp` for .funnel files. All
// language features (diagnostics, hover, definitions, completion, formatting,
// rename) come from the server; highlighting from syntaxes/funnel.tmLanguage.json.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration('voronka');
  const command = config.get('path') || 'voronka';
  const env = Object.assign({}, process.env);
  const stdlib = config.get('stdlib');
  if (stdlib) env.VORONKA_STDLIB = stdlib;
  return { command, args: ['lsp'], transport: TransportKind.stdio, options: { env } };
}

async function start(context) {
  client = new LanguageClient(
    'voronka',
    'Voronka',
    serverOptions(),
    {
      documentSelector: [{ scheme: 'file', language: 'funnel' }, { scheme: 'untitled', language: 'funnel' }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.funnel') },
    },
  );
  try {
    await client.start();
  } catch (err) {
    const path = vscode.workspace.getConfiguration('voronka').get('path');
    vscode.window.showErrorMessage(
      `Voronka: cannot start \`${path} lsp\` (${err.message}). Set "voronka.path" to the voronka binary.`);
  }
}

async function activate(context) {
  context.subscriptions.push(vscode.commands.registerCommand('voronka.restartServer', async () => {
    if (client) await client.stop();
    await start(context);
  }));
  await start(context);
}

async function deactivate() {
  if (client) await client.stop();
}

module.exports = { activate, deactivate };
