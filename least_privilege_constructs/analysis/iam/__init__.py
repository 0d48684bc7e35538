"""IAM semantics, once: the facts and matching rules every analysis shares."""
