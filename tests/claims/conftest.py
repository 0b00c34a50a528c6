"""The claims suite (``make claims``): see claimkit.py. Ends with the list of claims it guards and verdicts."""
import matplotlib
import pytest

matplotlib.use("Agg")


def pytest_configure(config):
    config.addinivalue_line("markers", "claim(notebook, cell, quote): the notebook sentence a test backs")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    for mark in item.iter_markers("claim"):  # user_properties travel back from xdist workers
        report.user_properties.append(("claim", (mark.kwargs["notebook"], mark.kwargs["cell"], mark.kwargs["quote"])))


def pytest_terminal_summary(terminalreporter):
    verdicts = {}
    for verdict in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(verdict, []):
            if verdict == "passed" and report.when != "call":
                continue
            for key, value in getattr(report, "user_properties", []):
                if key == "claim":
                    worst = verdicts.get(tuple(value), "passed")
                    verdicts[tuple(value)] = verdict if worst == "passed" else worst
    if verdicts:
        terminalreporter.section(f"{len(verdicts)} claims guarded")
        for (notebook, cell, quote), verdict in sorted(verdicts.items()):
            terminalreporter.write_line(f"{verdict.upper():6} {notebook} [{cell}]: {quote}")
