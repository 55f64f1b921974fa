"""Maps of a scan: units, a fixed information scale, no warnings."""

import warnings

from ariseml import spm
from bicrystal import iron_bicrystal


def test_a_rod_scan_maps_without_warnings(tmp_path, classifier):
    settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="rod", axis=0)
    dataset = spm.scan(iron_bicrystal(), settings, classifier, tmp_path, jobs=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a single box across the rod once made matplotlib warn
        spm.plot_maps(dataset, tmp_path / "maps.png", spm.top_classes(dataset, 2))
    assert (tmp_path / "maps.png").stat().st_size > 1000


def test_maps_have_length_units_and_the_same_information_scale_every_time(tmp_path, small_scan):
    import matplotlib

    matplotlib.use("Agg")
    dataset = small_scan(tmp_path)
    information = spm.plot_plane(dataset, "mutual_information", unit="Å")
    assert (information.get_xlabel(), information.get_ylabel()) == ("x (Å)", "y (Å)")
    assert information.get_images()[0].get_clim() == (0, spm.INFORMATION_MAX)  # not the map's own range
    probability = spm.plot_plane(dataset, "bcc_W", unit="pixels", ax=information.figure.add_subplot(2, 1, 2))
    assert probability.get_images()[0].get_clim() == (0, 1) and probability.get_xlabel() == "x (pixels)"
