"""The shopstream policy pack (Pulumi CrossGuard, Python): per-resource guardrails on planned inputs.

Run it with `pulumi preview|up --policy-pack shopstream/policy [--policy-pack-config FILE]`; FILE is the JSON
from
`shopstream.policy.pack_config.config_for(production=...)`.  A mandatory violation fails the command; Pulumi
documents exit code 5 for that, but v3.274.1 still exits with 1 (its exit-code mapping has a TODO for
policy errors), so callers should look for the Policies section of the output, not for 5.

The pack only sees each resource's (post-check) inputs, never the operation, so the limits on how much
an `up` may delete or replace live in `shopstream.guardrails` instead.  The rules themselves are pure
functions (`shopstream.policy.addresses`, `shopstream.policy.scopes`) so they are testable without the engine;
`shopstream.policy.policies` wires them into pulumi_policy and `__main__.py` serves the pack.
"""
