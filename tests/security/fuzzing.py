"""How much the generated-input tests try: few examples under `make test`, many under
HYPOTHESIS_PROFILE=ci (the profiles are registered in the root conftest.py)."""

import os

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
IS_CI = PROFILE == "ci"

# Examples per URL pattern in the endpoint fuzz test (about 180 patterns: CI tries well over 2,000 requests).
EXAMPLES_PER_PATTERN = 16 if IS_CI else 2
# Examples of the form-limit tests (each one a form validation and, when accepted, an engine run).
FORM_EXAMPLES = 400 if IS_CI else 40

# Filled in by test_fuzz_endpoints and printed at the end of the run (tests/security/conftest.py).
REQUESTS_TRIED = {"requests": 0, "patterns": 0}
