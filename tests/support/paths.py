"""Where the repository, the bundled data and the test data are, for every test folder."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUNDLED_DATA = REPO / "data"
TEST_DATA = REPO / "tests" / "data"
