"""Shared pytest configuration."""

import os

from hypothesis import settings

# Property tests are reproducible by default: the same examples on every run and machine.
# Set HYPOTHESIS_PROFILE to another registered profile to explore more widely.
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
