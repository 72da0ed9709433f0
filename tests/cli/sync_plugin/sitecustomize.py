"""Loaded by Python at start-up when this folder is on PYTHONPATH: the pseudo-terminal tests put it there so
`python -m weavesync` talks to the file-backed fake tracker instead of GitHub. Test code only."""

import weavesync_test_tracker

weavesync_test_tracker.install()
