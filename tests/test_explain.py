"""What the diffraction ConvNet looks at: the attentive response maps and the class template as files."""

from __future__ import annotations

import numpy as np

from ariseml.classifier import load_classifier
from ariseml.descriptors.diffraction import diffraction_fingerprint
from ariseml.explain import write_explanation
from ariseml.prototypes import get_prototype


def test_an_explanation_holds_the_most_active_filters_of_each_layer_asked_for(tmp_path):
    classifier = load_classifier("diffraction")
    image = diffraction_fingerprint(get_prototype("bcc_W").unit_cell())
    paths = write_explanation(classifier, image, layers=(2, 5), top=3, out=tmp_path / "new" / "folder")
    assert [p.name for p in paths] == ["fingerprint.png", "response_maps.png", "template.png", "response_maps.npz"]
    arrays = np.load(paths[-1])
    assert sorted(arrays.files) == ["fingerprint", "layer2_activations", "layer2_filters", "layer2_maps",
                                    "layer5_activations", "layer5_filters", "layer5_maps", "template"]
    assert arrays["layer5_maps"].shape == (3, *image.shape) and np.array_equal(arrays["fingerprint"], image)
    activations = arrays["layer2_activations"]
    assert len(set(arrays["layer2_filters"])) == 3 and np.all(np.diff(activations) <= 0)  # the top three, in order
    assert 0 <= arrays["template"].min() and arrays["template"].max() <= 1
    assert not list(tmp_path.rglob("*.part*"))
