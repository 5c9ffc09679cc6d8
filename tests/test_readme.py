"""Generated documentation: README.rst from the readme/ fragments, a complete
French catalog."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(script):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_rst_is_generated_from_the_fragments():
    run_check("gen_readme.py")


def test_french_catalog_is_complete():
    """Every entry of fr.po is translated (scripts/i18n.py refreshes the .pot)."""
    run_check("i18n.py")
