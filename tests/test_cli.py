"""The command line."""

import subprocess
import sys

from optics.cli import main


def test_report_runs(capsys):
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    # 200 mm / 50 mm tube-to-scan ratio: a 4x beam expansion (reference post, part 1).
    assert "|A| = 4" in out
    assert "imaged at plane 'back_aperture'" in out


def test_console_entry_point_module():
    out = subprocess.run([sys.executable, "-m", "optics", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "optics" in out.stdout
