// Differential-test harness: runs @cloud-copilot/iam-simulate (AGPL, an independent evaluator) as an
// external test-time process. Never bundled or imported by the Python package.
// Protocol: one JSON object per stdin line -> one JSON object per stdout line, same order.
//   in:  {"id", "principal", "action", "resource", "accountId", "context",
//         "identity": [doc], "boundary": doc|null, "scps": [doc], "rcps": [doc], "resourcePolicy": doc|null}
//   out: {"id", "result": "Allowed"|"ExplicitlyDenied"|"ImplicitlyDenied"} or {"id", "error": "..."}
'use strict';
const readline = require('readline');
let sim;
try {
  sim = require('@cloud-copilot/iam-simulate');
} catch (e) {
  process.stdout.write(JSON.stringify({ fatal: 'cannot load @cloud-copilot/iam-simulate: ' + e.message }) + '\n');
  process.exit(3);
}
const rl = readline.createInterface({ input: process.stdin, terminal: false });
const out = [];
function flush() {
  if (out.length) {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  }
}
rl.on('line', (line) => {
  if (!line.trim()) return;
  let c;
  try {
    c = JSON.parse(line);
  } catch (e) {
    out.push(JSON.stringify({ error: 'bad json: ' + e.message }));
    return;
  }
  try {
    const simulation = {
      request: {
        principal: c.principal === '*' ? sim.anonymousPrincipal : c.principal,
        action: c.action,
        resource: { resource: c.resource, accountId: c.accountId },
        contextVariables: c.context || {},
      },
      identityPolicies: (c.identity || []).map((p, i) => ({ name: 'identity' + i, policy: p })),
      serviceControlPolicies: (c.scps && c.scps.length)
        ? [{ orgIdentifier: 'ou-1', policies: c.scps.map((p, i) => ({ name: 'scp' + i, policy: p })) }]
        : [],
      resourceControlPolicies: (c.rcps && c.rcps.length)
        ? [{ orgIdentifier: 'ou-1', policies: c.rcps.map((p, i) => ({ name: 'rcp' + i, policy: p })) }]
        : [],
      resourcePolicy: c.resourcePolicy || undefined,
      permissionBoundaryPolicies: c.boundary ? [{ name: 'boundary', policy: c.boundary }] : undefined,
    };
    const r = sim.runUnsafeSimulation(simulation, {});
    out.push(JSON.stringify({ id: c.id, result: typeof r === "string" ? r : r.result }));
  } catch (e) {
    out.push(JSON.stringify({ id: c.id, error: String(e && e.message ? e.message : e) }));
  }
  if (out.length >= 256) flush();
});
rl.on('close', () => flush());
