"""Unsupervised exploration of the network's hidden layers (ARISE Fig. 2d-g, 3d, 4b-c).

Representations are a hidden layer's activations averaged over the Monte-Carlo
passes, for structures or for the boxes of a scan (``arise spm --hidden-layer K``).
They are clustered with HDBSCAN (the ``hdbscan`` package, as in the paper, since its
soft clustering is what Fig. 4c uses), embedded in 2-D with UMAP, and compared
by cosine similarity.

``points`` (what is explored), ``analysis`` (clusters, embedding, similarity, species
distances), ``figures`` (every figure colours a cluster alike), ``files``, ``run``
(:func:`explore`, from points to a folder of results).
"""

from ariseml.explore.analysis import cluster, cosine_similarity, embed, species_distances, sweep
from ariseml.explore.figures import cluster_colours
from ariseml.explore.points import Representations, from_spm, from_structures
from ariseml.explore.run import ExploreSettings, explore

__all__ = ["ExploreSettings", "Representations", "cluster", "cluster_colours", "cosine_similarity", "embed",
           "explore", "from_spm", "from_structures", "species_distances", "sweep"]
