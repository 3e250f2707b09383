"""Reports the endpoint fuzz test's count of generated requests at the end of the run."""


def pytest_terminal_summary(terminalreporter):
    from tests.security import fuzzing

    if fuzzing.REQUESTS_TRIED["requests"]:
        terminalreporter.write_line(
            f"endpoint fuzz (HYPOTHESIS_PROFILE={fuzzing.PROFILE}): {fuzzing.REQUESTS_TRIED['requests']} generated "
            f"requests over {fuzzing.REQUESTS_TRIED['patterns']} URL patterns (a 5xx fails the test)"
        )
