"""The fuzz layer's closing lines, from schemathesis's JUnit report and its console output.

Usage: python summary.py JUNIT_XML CONSOLE_LOG
One JUnit test case per API operation (and one for the stateful sequences): each is "passed" when
no check failed on any request sent to it. Prints what was tested and, last, the pytest-like
"fuzz: N passed, M failed" line that scripts/test.sh adds to the grand total. Exits 1 when
anything failed or the report is missing.
"""
import re
import sys
import xml.etree.ElementTree as ElementTree


def main(junit_path, console_path):
    try:
        root = ElementTree.parse(junit_path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        print("fuzz: no JUnit report (%s)" % error)
        print("fuzz: 0 passed, 1 failed")
        return 1
    passed, failed = [], []
    for case in root.iter("testcase"):
        bad = case.find("failure") is not None or case.find("error") is not None
        (failed if bad else passed).append(case.get("name"))
    with open(console_path, encoding="utf-8", errors="replace") as console:
        text = console.read()
    requests = re.search(r"Test cases:\s*\n?\s*(\d+) generated", text)
    seed = re.search(r"^Seed: (\d+)", text, re.M)
    operations = sum(1 for name in passed + failed if name != "Stateful tests")
    print("fuzz: %s requests generated (seed %s) for %s operations, and the stateful sequences"
          % (requests.group(1) if requests else "?", seed.group(1) if seed else "?", operations))
    for name in failed:
        print("fuzz: FAILED %s" % name)
    if not passed and not failed:
        print("fuzz: the report lists no operation")
        failed.append("(none tested)")
    print("fuzz: %d passed, %d failed" % (len(passed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
