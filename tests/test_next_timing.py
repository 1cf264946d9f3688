"""When you read what you save (reader.ml.next_timing) and the small logistic model
(reader.ml.logistic) behind `reader next`."""

from __future__ import annotations

import numpy as np

from reader.ml.logistic import fit_logistic
from reader.ml.next_rank import score_next
from reader.ml.next_timing import DelayModel, delays_from_history, read_soon


def test_delay_cdf_is_a_distribution_that_follows_the_reads() -> None:
    quick = DelayModel(np.full(200, 1.0))  # everything read the day after saving
    slow = DelayModel(np.full(200, 90.0))
    days = np.array([0, 0.5, 2, 10, 60, 200, 2000])
    for model in (quick, slow):
        values = model.cdf(days)
        assert values[0] == 0 and np.all(np.diff(values) >= 0) and values[-1] > 0.97
    assert quick.cdf(np.array([3.0]))[0] > 0.8 > slow.cdf(np.array([3.0]))[0]
    assert quick.median_days() < 3 < 40 < slow.median_days() < 200


def test_without_reads_the_prior_claims_no_rush() -> None:
    prior = DelayModel(np.zeros(0))
    # spread evenly in log-days up to a year: about half within two or three weeks
    assert 5 < prior.median_days() < 40


def test_long_delays_not_observable_yet_are_made_up_for() -> None:
    # Half the library was saved a week ago (its slow reads cannot have happened yet).
    ages = np.concatenate([np.full(100, 7.0), np.full(100, 400.0)])
    delays = np.array([1.0] * 20 + [100.0] * 10)  # the old half shows slow reads too
    naive = DelayModel(delays)
    corrected = delays_from_history(ages, delays)
    assert corrected.cdf(np.array([10.0]))[0] < naive.cdf(np.array([10.0]))[0]


def test_read_soon_falls_with_the_wait_and_rises_with_the_fit() -> None:
    model = DelayModel(np.array([0.5, 1, 1, 2, 3, 5, 30, 60]))
    ages = np.array([1.0, 30.0, 300.0])
    p = read_soon(model, ages, np.full(3, 0.8))
    assert p[0] > p[1] > p[2] >= 0
    assert read_soon(model, ages[:1], np.array([0.9]))[0] > read_soon(
        model, ages[:1], np.array([0.3]))[0]
    assert read_soon(model, ages, np.zeros(3)).tolist() == [0, 0, 0]


def test_logistic_learns_a_direction_and_predicts_probabilities() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 40))
    truth = 1 / (1 + np.exp(-2.5 * x[:, 0]))
    y = (rng.random(600) < truth).astype(float)
    model = fit_logistic(x, y)
    p = model.predict(x)
    assert np.all((p > 0) & (p < 1))
    assert np.corrcoef(p, truth)[0, 1] > 0.8
    # weights matter: giving the positives no weight leaves nothing to call likely
    w = np.where(y == 1, 1e-3, 1.0)
    assert fit_logistic(x, y, w).predict(x).mean() < p.mean()


def unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_what_you_passed_over_counts_against_its_like() -> None:
    rng = np.random.default_rng(1)
    dim = 16
    liked, skipped = unit(rng.normal(size=dim)), unit(rng.normal(size=dim))

    def around(centre, n):
        return unit(centre + 0.3 * rng.normal(size=(n, dim)))

    reads = around(liked, 30)
    passed = around(skipped, 30)
    # Both candidates are equally far from the reads' mean; only the history of what was
    # passed over tells them apart.
    cands = unit(np.vstack([liked + skipped, liked + skipped, skipped, liked]))
    ages = np.full(30, 50.0)
    scores = score_next(cands, reads, ages, saved_ages_days=np.full(4, 3.0),
                        read_delays_days=np.full(30, 2.0), passed_vecs=passed,
                        passed_ages_days=np.full(30, 100.0), timing=False)
    assert scores.fit[3] > scores.fit[0] > scores.fit[2]
    plain = score_next(cands, reads, ages, saved_ages_days=np.full(4, 3.0),
                       read_delays_days=np.full(30, 2.0), timing=False, learn=False)
    assert plain.fit[2] < plain.fit[3]


def test_many_features_are_reduced_to_their_leading_directions() -> None:
    rng = np.random.default_rng(2)
    # 300 features, most of the variance in a few directions, as with embeddings
    basis = np.linalg.qr(rng.normal(size=(300, 300)))[0]
    scales = np.concatenate([np.full(8, 3.0), np.full(292, 0.3)])
    z = rng.normal(size=(800, 300)) * scales
    x = z @ basis.T
    truth = 1 / (1 + np.exp(-1.0 * z[:, 1]))
    y = (rng.random(800) < truth).astype(float)
    model = fit_logistic(x, y)
    assert model.coef.shape == (300,)
    assert np.corrcoef(model.predict(x), truth)[0, 1] > 0.8
