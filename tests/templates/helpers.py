"""Helpers for the policy-template tests."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any


def minimal_template(**overrides: Any) -> dict[str, Any]:
    """A valid application template; override any field."""
    data: dict[str, Any] = {
        "id": "acme.reports-read",
        "version": "1.0.0",
        "audience": "application",
        "title": "Read the reports bucket",
        "description": "Read objects of the reports bucket.",
        "justification": "GetObject only, on one bucket's objects.",
        "services": ["s3"],
        "parameters": {"bucket_name": {"type": "bucket_name", "description": "the bucket"}},
        "statements": [
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": "arn:{{AWS::Partition}}:s3:::{{bucket_name}}/*",
            }
        ],
    }
    data.update(overrides)
    return data


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()
