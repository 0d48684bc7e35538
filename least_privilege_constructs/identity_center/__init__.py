"""IAM Identity Center permission sets that carry the organization's permissions boundary."""
