"""examples/paper_maps.py on the published samples, coarse: it runs, prints its comparison and draws the figure."""

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "paper_maps.py"


def run_example(arise_data, tmp_path, *arguments: str) -> str:
    result = subprocess.run([sys.executable, str(EXAMPLE), *arguments,
                             "--samples", "20", "--reference", str(arise_data), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_pearl_boundary_beside_the_authors_profiles(arise_data, tmp_path):
    output = run_example(arise_data, tmp_path, "pearl", "--stride", "8", "--model", "realistic")
    fcc = next(line for line in output.splitlines() if line.startswith("fcc_Cu"))
    assert "authors 0.00 at z = 44 Å" in fcc  # their boundary plane, on their grid
    ours = float(fcc.split("at z = ")[2].split(" Å")[0])
    assert 36 <= ours <= 52  # ours mid-sample too
    assert (tmp_path / "pearl.png").stat().st_size > 20_000


def test_four_grains_beside_the_authors_clusters(arise_data, tmp_path):
    output = run_example(arise_data, tmp_path, "four-grains", "--stride", "10", "--model", "paper")
    found = [line.split("most probably ")[1].split(" in ")[0] for line in output.splitlines()
             if line.startswith("authors' cluster")]
    assert sorted(found) == ["bcc_W", "diamond_C", "fcc_Cu", "hcp_Mg"]  # each of their grains is ours
