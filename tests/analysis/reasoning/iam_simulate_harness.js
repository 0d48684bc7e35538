// Differential-test harness: runs @cloud-copilot/iam-simulate (AGPL, an independent evaluator) as an
// external test-time process. Never bundled or imported by the Python package.
// Protocol: one JSON object per stdin line -> one JSON object per stdout line, same order.
//   in:  {"id", "principal", "action", "resource", "accountId", "context",
//         "identity": [doc], "boundary": doc|null, "scps": [doc], "rcps": [doc], "resourcePolicy": doc|null}
//   out: {"id", "result": "Allowed"|"ExplicitlyDenied"|"ImplicitlyDenied"} or {"id", "error": "..."}
'use strict';
const readline = require('readline');
let sim, core, reqmod, ctxmod, dkc, policyLib;
try {
  sim = require('@cloud-copilot/iam-simulate');
  const path = require('path');
  const base = path.dirname(require.resolve('@cloud-copilot/iam-simulate'));
  core = require(path.join(base, 'core_engine', 'CoreSimulatorEngine.js'));
  reqmod = require(path.join(base, 'request', 'request.js'));
  ctxmod = require(path.join(base, 'requestContext.js'));
  dkc = require(path.join(base, 'context_keys', 'discoveryContextKeyConstraints.js'));
  policyLib = require('@cloud-copilot/iam-policy');
} catch (e) {
  process.stdout.write(JSON.stringify({ fatal: 'cannot load @cloud-copilot/iam-simulate: ' + e.message }) + '\n');
  process.exit(3);
}
const RCP_FULL_ACCESS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
};
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
      // RCPFullAWSAccess is implicit in AWS (and added by runSimulation), so add it here too
      resourceControlPolicies: (c.rcps && c.rcps.length)
        ? [{ orgIdentifier: 'ou-1', policies: [{ name: 'RCPFullAWSAccess', policy: RCP_FULL_ACCESS }].concat(
            c.rcps.map((p, i) => ({ name: 'rcp' + i, policy: p }))) }]
        : [],
      resourcePolicy: c.resourcePolicy || undefined,
      permissionBoundaryPolicies: c.boundary ? [{ name: 'boundary', policy: c.boundary }] : undefined,
    };
    // The same path as runUnsafeSimulation (no input validation, Strict mode), except that every policy
    // is loaded with a name (runUnsafeSimulation loads the resource policy without one and then crashes).
    const load = (p, name) => policyLib.loadPolicy(p, { name });
    const orgs = (list) => list.map((o) => ({ orgIdentifier: o.orgIdentifier, policies: o.policies.map((x) => load(x.policy, x.name)) }));
    const request = new reqmod.AwsRequestImpl(
      simulation.request.principal,
      { resource: simulation.request.resource.resource, accountId: simulation.request.resource.accountId },
      simulation.request.action,
      new ctxmod.RequestContextImpl(simulation.request.contextVariables)
    );
    const analysis = core.authorize({
      request,
      sessionPolicy: undefined,
      identityPolicies: simulation.identityPolicies.map((p) => load(p.policy, p.name)),
      serviceControlPolicies: orgs(simulation.serviceControlPolicies),
      resourceControlPolicies: orgs(simulation.resourceControlPolicies),
      resourcePolicy: simulation.resourcePolicy ? load(simulation.resourcePolicy, 'resource') : undefined,
      permissionBoundaries: simulation.permissionBoundaryPolicies
        ? simulation.permissionBoundaryPolicies.map((p) => load(p.policy, p.name))
        : undefined,
      vpcEndpointPolicies: undefined,
      simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new dkc.DiscoveryContextKeyConstraints([]) },
      serviceSettings: { s3: { blockPublicAccess: undefined } },
    });
    const res = analysis.result; out.push(JSON.stringify({ id: c.id, result: typeof res === "string" ? res : res.result }));
  } catch (e) {
    out.push(JSON.stringify({ id: c.id, error: String(e && e.message ? e.message : e) }));
  }
  if (out.length >= 256 || (c && c.flush)) flush();
});
rl.on('close', () => flush());
