"""Figures of what the diffraction ConvNet looks at (Ziletti et al. 2018, Fig. 5), for ``arise explain``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ariseml.classifier import DiffractionClassifier
from ariseml.io import atomic_path, save_png
from ariseml.models.convnet import attentive_response_maps, class_template

CHANNELS = (("x (R)", "Reds"), ("y (G)", "Greens"), ("z (B)", "Blues"))


def write_explanation(classifier: DiffractionClassifier, image: np.ndarray, layers: Sequence[int], top: int,
                      out: Path) -> list[Path]:
    """Write fingerprint.png, response_maps.png, template.png and response_maps.npz for one fingerprint."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    responses = attentive_response_maps(classifier.model_, image, tuple(layers), top)
    template = class_template(classifier.model_, image)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "fingerprint.png", out / "response_maps.png", out / "template.png", out / "response_maps.npz"]

    figure, axis = plt.subplots(figsize=(3.2, 3.2))
    axis.imshow(image, origin="lower")
    axis.set_title("diffraction fingerprint", fontsize=9)
    axis.axis("off")
    save_png(figure, paths[0])
    plt.close(figure)

    rows = len(responses) * len(CHANNELS)
    figure, axes = plt.subplots(rows, top + 1, figsize=(1.5 * (top + 1), 1.5 * rows), squeeze=False,
                                layout="constrained")
    for block, response in enumerate(responses):
        for channel, (name, colours) in enumerate(CHANNELS):
            row = axes[block * len(CHANNELS) + channel]
            row[0].imshow(image[..., channel], origin="lower", cmap=colours, vmin=0, vmax=1)
            row[0].set_title(f"input {name}", fontsize=7)
            for column in range(top):
                if column < len(response.filters):
                    row[column + 1].imshow(response.maps[column][..., channel], origin="lower", cmap=colours,
                                           vmin=0, vmax=1)
                    row[column + 1].set_title(f"layer {response.layer}, filter {response.filters[column]}",
                                              fontsize=7)
            for axis in row:
                axis.axis("off")
    figure.suptitle("attentive response maps (guided back-propagation of the most activated filters)", fontsize=9)
    save_png(figure, paths[1])
    plt.close(figure)

    figure, axes = plt.subplots(1, 3, figsize=(6.6, 2.4))
    for channel, (name, colours) in enumerate(CHANNELS):
        axes[channel].imshow(template[..., channel], origin="lower", cmap=colours, vmin=0, vmax=1)
        axes[channel].set_title(f"sum of last-layer filters, {name}", fontsize=7)
        axes[channel].axis("off")
    save_png(figure, paths[2])
    plt.close(figure)

    arrays = {"fingerprint": image, "template": template}
    for response in responses:
        arrays[f"layer{response.layer}_maps"] = response.maps
        arrays[f"layer{response.layer}_filters"] = np.array(response.filters)
        arrays[f"layer{response.layer}_activations"] = np.array(response.activations)
    with atomic_path(paths[3], suffix=".part.npz") as temporary:
        np.savez_compressed(temporary, **arrays)
    return paths
