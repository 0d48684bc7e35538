"""The rules of the least-privilege nag pack: one rule a file, each a small pure function over one synthesized
resource (see :mod:`.base`). The pack maps ids, levels and messages to them in
:mod:`least_privilege_constructs.nag.rule_set`."""
