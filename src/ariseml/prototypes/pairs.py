"""What separates classes that a model confuses: said beside an answer torn between two of them.

The numbers are those of the classes' own structures (``build``; conventional cells from spglib).
"""

from __future__ import annotations

SIMILAR_PAIRS: dict[frozenset[str], str] = {
    frozenset({"fcc_Cu", "bct_In"}): "bct In is fcc stretched 7.5 % along one cube axis (face-centred c/a 1.075)",
    frozenset({"bcc_W", "alpha_Pa"}): "α-Pa is bcc squeezed 18 % along one cube axis (c/a 0.82)",
    frozenset({"sc_Po", "beta_Po"}): "β-Po is simple cubic sheared along a body diagonal (rhombohedral angle 98.2°, "
                                     "not 90°)",
    frozenset({"sc_Po", "alpha_As"}): "α-As (A7) is simple cubic with alternate (111) planes paired up: three "
                                      "short and three long bonds instead of six equal ones",
    frozenset({"hcp_Mg", "dhcp_La"}): "the same close-packed layers, stacked AB (hcp) or ABAC (dhcp)",
    frozenset({"hcp_Mg", "alpha_Sm"}): "the same close-packed layers, stacked AB (hcp) or in the 9-layer Sm "
                                       "sequence ABABCBCAC",
    frozenset({"dhcp_La", "alpha_Sm"}): "the same close-packed layers, stacked ABAC (dhcp) or in the 9-layer Sm "
                                        "sequence ABABCBCAC",
    frozenset({"fcc_Cu", "hcp_Mg"}): "the same close-packed layers, stacked ABC (fcc) or AB (hcp)",
    frozenset({"hex_graphite_C", "rh_graphite_C"}): "the same graphene layers, stacked AB (hexagonal) or ABC "
                                                    "(rhombohedral)",
    frozenset({"B81_NiAs", "B31_MnP"}): "MnP is NiAs distorted to orthorhombic symmetry (its metal atoms pair up "
                                        "into zigzag chains)",
    frozenset({"Cu2CdGeS4", "Cu2ZnSiS4"}): "both order four cations on a wurtzite lattice, in the wurtz-stannite "
                                           "(Pmn2₁) or the wurtz-kesterite (Pc) pattern",
}
"""Unordered pairs of class ids and what tells them apart."""


def difference(first: str, second: str) -> str | None:
    """What separates the two classes, when they are a known similar pair."""
    return SIMILAR_PAIRS.get(frozenset({first, second}))
