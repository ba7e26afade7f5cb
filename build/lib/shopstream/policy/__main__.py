"""Entry point of the policy pack, run by the engine through the language host's RunPlugin
(`python -m pulumi.policy <engine address> <this directory>`), which serves the pack over gRPC.

The repository is importable through the venv's editable install, like the Pulumi program itself.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyPack

from shopstream.policy import pack_config
from shopstream.policy.policies import POLICIES

if __name__ == "__main__":
    PolicyPack(
        name=pack_config.PACK_NAME,
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=list(POLICIES),
    )
