"""The least-privilege rules (``LP-*``): one rule a file, each a small pure function over one synthesized
resource (see :mod:`.base`), with ids, levels and messages in :mod:`.rule_set`. The same functions run in
``cdk synth`` (the cdk-nag pack, :mod:`least_privilege_constructs.nag.pack`) and in ``lpc gate``
(:mod:`.assembly_run`)."""
