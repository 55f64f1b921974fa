import math

import numpy as np
import pytest
import torch

from ariseml.models.bayesian_mlp import BayesianMLP, EnsembleMLP, hidden_widths
from ariseml.errors import InputError
from ariseml.models.monte_carlo import (_dropped_inputs, _first_layer, dropout_masks, monte_carlo_predict,
                                         native_bfloat16)
from ariseml.models.uncertainty import mutual_information, predictive_entropy


def test_entropy_and_mutual_information_follow_equations_4_and_5():
    confident_disagreement = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])  # T=2 passes, 1 input, 2 classes
    assert mutual_information(confident_disagreement)[0] == pytest.approx(math.log(2))
    agreeing_but_unsure = np.array([[[0.5, 0.5]], [[0.5, 0.5]]])
    assert mutual_information(agreeing_but_unsure)[0] == pytest.approx(0.0)
    assert predictive_entropy(agreeing_but_unsure.mean(axis=0))[0] == pytest.approx(math.log(2))
    rng = np.random.default_rng(0)
    samples = rng.dirichlet(np.ones(108), size=(50, 7))
    information = mutual_information(samples)
    assert np.all(information >= 0) and np.all(information <= predictive_entropy(samples.mean(axis=0)))


def test_parameter_count_of_table_1():
    count = lambda model: sum(p.numel() for p in model.parameters())  # noqa: E731
    assert count(BayesianMLP(316, 108)) == 371_820  # the paper's quippy input length
    assert count(BayesianMLP(315, 108)) == 371_564  # DScribe's power spectrum


def test_monte_carlo_prediction_shapes_reproducibility_and_hidden_layers():
    torch.manual_seed(0)
    model = BayesianMLP(315, 108)
    inputs = np.random.default_rng(1).random((5, 315))
    first = monte_carlo_predict(model, inputs, samples=200, keep_hidden=True, seed=3)
    again = monte_carlo_predict(model, inputs, samples=200, keep_hidden=True, seed=3)
    chunked = monte_carlo_predict(model, inputs, samples=200, seed=3, max_rows=300)
    assert first.probabilities.shape == (5, 108)
    assert np.allclose(first.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first.probabilities, again.probabilities)  # a seed reproduces the draws
    assert np.allclose(first.probabilities, chunked.probabilities, atol=1e-6)  # chunking changes nothing
    alone = monte_carlo_predict(model, inputs[2:3], samples=200, seed=3)
    assert np.allclose(alone.probabilities, first.probabilities[2:3], atol=1e-6)  # nor do the other inputs
    assert [h.shape for h in first.hidden] == [(5, 256), (5, 512), (5, 256)]
    for after, before in zip(first.hidden, first.hidden_before_relu):
        assert before.shape == after.shape and (before < 0).any()
        assert np.all(after >= np.maximum(before, 0) - 1e-5)  # the mean of a ReLU is at least the ReLU of the mean
    assert np.all(first.mutual_information > 0)
    single = monte_carlo_predict(model, inputs, samples=1, keep_hidden=True)
    assert np.allclose(single.mutual_information, 0.0, atol=1e-6)
    for after, before in zip(single.hidden, single.hidden_before_relu):  # one pass: after = ReLU(before)
        assert np.array_equal(after, np.maximum(before, 0))
    assert not model.training
    with pytest.raises(ValueError, match=">= 1"):
        monte_carlo_predict(model, inputs, samples=0)


def test_first_layer_from_the_dropped_inputs_equals_the_masked_product():
    torch.manual_seed(0)
    model = BayesianMLP(315, 108)
    batch = torch.rand(300, 315)  # gathered once; the two below are summed per input
    masks = dropout_masks(model, 50, torch.Generator().manual_seed(2))
    masks[0][0] = 1.0 / (1.0 - model.input_dropout.p)  # a pass that drops nothing
    masks[0][1, :, :40] = 0.0  # and one that drops many
    direct = model.hidden[0](batch.unsqueeze(0) * masks[0])
    dropped = _dropped_inputs(masks[0])
    assert torch.allclose(_first_layer(model, batch, dropped), direct, atol=1e-5)
    assert torch.allclose(_first_layer(model, batch[:2], dropped), direct[:, :2], atol=1e-5)


def test_settled_inputs_stop_early_near_the_full_run_and_the_others_match_it():
    torch.manual_seed(0)
    model = BayesianMLP(315, 108)
    with torch.no_grad():
        model.output.bias[0] = 10.0  # small inputs: class 0, surely
    inputs = np.random.default_rng(1).random((6, 315))
    inputs[:3] *= 1000.0  # large inputs vary more from pass to pass (top probabilities about 0.5)
    full = monte_carlo_predict(model, inputs, samples=300, seed=4)
    early = monte_carlo_predict(model, inputs, samples=300, seed=4, settle=0.01, stage_samples=20)
    # stages of 20, 40, 60, ... 300 passes; n agreeing passes leave √3 / n √(1 - n / 300): 0.0112 at 120
    assert set(early.passes) <= set(range(140, 301, 20)) and (full.passes == 300).all()
    assert early.passes[3:].max() == 140 and early.passes[:3].min() > 200  # the uncertain ones need more
    assert np.abs(early.probabilities - full.probabilities).max() < 0.03  # three standard errors
    strict = monte_carlo_predict(model, inputs, samples=300, seed=4, settle=1e-3, stage_samples=20)
    assert (strict.passes == 300).all()  # none settles: exactly the full run's passes
    assert np.allclose(strict.probabilities, full.probabilities, atol=1e-6)
    assert np.allclose(strict.mutual_information, full.mutual_information, atol=1e-6)
    alone = monte_carlo_predict(model, inputs[4:5], samples=300, seed=4, settle=0.01, stage_samples=20)
    assert np.allclose(alone.probabilities[0], early.probabilities[4], atol=1e-6)  # whatever else is in the batch


def test_a_near_tie_keeps_its_passes_until_decided():
    torch.manual_seed(3)
    model = BayesianMLP(315, 2)
    with torch.no_grad():
        model.output.weight.zero_()
        model.output.bias.copy_(torch.tensor([0.0, 0.02]))  # every pass: 0.495 against 0.505
        model.output.weight[1, 0] = 0.05  # ... give or take a little, pass to pass
    inputs = np.random.default_rng(1).random((4, 315))
    tied = monte_carlo_predict(model, inputs, samples=200, seed=1, settle=0.07, stage_samples=25)
    full = monte_carlo_predict(model, inputs, samples=200, seed=1)
    assert (tied.passes > 100).all()  # each probability settled after 25 passes, the order of the two much later
    assert np.array_equal(tied.probabilities.argmax(axis=1), full.probabilities.argmax(axis=1))


def test_an_ensemble_settles_on_the_passes_of_all_its_members_together():
    torch.manual_seed(0)
    ensemble = EnsembleMLP([BayesianMLP(315, 108) for _ in range(5)])
    with torch.no_grad():
        for member in ensemble.members:
            member.output.bias[0] = 10.0  # small inputs: class 0, surely
    inputs = np.random.default_rng(1).random((6, 315))
    inputs[:3] *= 1000.0  # the members disagree on these
    full = monte_carlo_predict(ensemble, inputs, samples=100, seed=4)
    early = monte_carlo_predict(ensemble, inputs, samples=100, seed=4, settle=0.07, stage_samples=25)
    # stages of 5 passes per member; 25 agreeing passes in all leave √3 / 25 √(1 - 25 / 100) = 0.060
    assert list(early.passes) == [100, 100, 100, 25, 25, 25]  # the first three: near ties, never decided
    assert np.allclose(early.probabilities[:3], full.probabilities[:3], atol=1e-6)
    assert np.abs(early.probabilities - full.probabilities).max() < 0.07
    strict = monte_carlo_predict(ensemble, inputs, samples=100, seed=4, settle=0.01, stage_samples=25)
    assert (strict.passes == 100).all() and np.allclose(strict.probabilities, full.probabilities, atol=1e-6)


def test_bfloat16_passes_stay_close_to_float32_ones():
    torch.manual_seed(0)
    model = BayesianMLP(315, 108)
    inputs = np.random.default_rng(1).random((40, 315)) * 30.0
    full = monte_carlo_predict(model, inputs, samples=50, seed=2, keep_hidden=True)
    fast = monte_carlo_predict(model, inputs, samples=50, seed=2, keep_hidden=True, precision="bfloat16")
    assert np.abs(fast.probabilities - full.probabilities).max() < 0.02
    assert np.abs(fast.mutual_information - full.mutual_information).max() < 0.02
    assert fast.hidden[2].dtype == np.float32  # averaged in float32: bfloat16's 3 digits per pass, not per mean
    assert np.abs(fast.hidden[0] - full.hidden[0]).max() < 0.01 * np.abs(full.hidden[0]).max()
    automatic = monte_carlo_predict(model, inputs, samples=50, seed=2, precision="auto")
    assert np.array_equal(automatic.probabilities,
                          (fast if native_bfloat16(torch.device("cpu")) else full).probabilities)
    with pytest.raises(InputError, match="unknown precision 'half'"):
        monte_carlo_predict(model, inputs, samples=5, precision="half")


def test_an_ensemble_shares_the_passes_out_and_counts_its_members_disagreement():
    torch.manual_seed(0)
    first, second = BayesianMLP(315, 108), BayesianMLP(315, 108)
    inputs = np.random.default_rng(1).random((4, 315))
    ensemble = monte_carlo_predict(EnsembleMLP([first, second]), inputs, samples=201, keep_hidden=True, seed=3)
    alone = [monte_carlo_predict(first, inputs, samples=101, keep_hidden=True, seed=3),
             monte_carlo_predict(second, inputs, samples=100, keep_hidden=True, seed=4)]
    assert np.allclose(ensemble.probabilities, (alone[0].probabilities + alone[1].probabilities) / 2, atol=1e-6)
    assert np.array_equal(ensemble.passes, np.full(4, 201))
    assert hidden_widths(EnsembleMLP([first, second])) == [512, 1024, 512] == [h.shape[1] for h in ensemble.hidden]
    assert np.allclose(ensemble.hidden[0], np.concatenate([a.hidden[0] for a in alone], axis=1))
    # two networks that disagree: the ensemble's mutual information exceeds either member's own
    assert np.all(ensemble.mutual_information > np.maximum(*(a.mutual_information for a in alone)))
    with pytest.raises(ValueError, match="at least one"):
        EnsembleMLP([])
