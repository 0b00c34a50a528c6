"""Data sets and preparation helpers."""
import numpy as np

from nnedu import data


def test_spiral_matches_cs231n_construction():
    X, y = data.spiral(100, 3, seed=0)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[:100], np.linspace(0, 1, 100))
    np.testing.assert_array_equal(data.spiral(seed=0)[0], X)
    assert not np.array_equal(data.spiral(seed=1)[0], X)


def test_digits_bundled_and_scaled():
    X, y = data.digits()
    assert X.shape == (1797, 64) and X.min() == 0 and X.max() == 1 and set(y) == set(range(10))
    X5, y5 = data.digits(classes=[5, 6, 7, 8, 9])
    assert set(y5) == {5, 6, 7, 8, 9} and len(y5) < 1797


def test_split_is_stratified_and_disjoint():
    X, y = data.digits()
    Xtr, ytr, Xva, yva, Xte, yte = data.train_val_test(X, y, val=0.2, test=0.2, seed=0)
    assert len(ytr) + len(yva) + len(yte) == 1797
    assert abs(len(yte) - 0.2 * 1797) <= 1 and abs(len(yva) - 0.2 * 1797) <= 1
    np.testing.assert_allclose(np.bincount(yte) / len(yte), np.bincount(y) / len(y), atol=0.01)
    rows = {r.tobytes() for r in Xtr}
    assert not any(r.tobytes() in rows for r in Xte if np.any(r))  # held-out rows are not training rows


def test_standardizer_fits_on_training_data_only():
    rng = np.random.default_rng(0)
    Xtr, Xte = rng.normal(5, 2, (100, 3)), rng.normal(0, 1, (10, 3))
    s = data.Standardizer().fit(Xtr)
    np.testing.assert_allclose(s.transform(Xtr).mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(s.transform(Xte), (Xte - Xtr.mean(0)) / Xtr.std(0))
    const = np.c_[np.ones(5), np.arange(5.0)]
    assert np.all(np.isfinite(data.Standardizer().fit_transform(const)))


def test_one_hot_minibatches_and_kfold():
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    X, y = np.arange(10.0)[:, None], np.arange(10)
    batches = list(data.minibatches(X, y, 4, rng=0))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in batches]).tolist()) == list(range(10))
    folds = data.kfold(10, k=5, seed=0)
    assert len(folds) == 5
    assert sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(10))
    assert all(len(np.intersect1d(t, v)) == 0 for t, v in folds)


def test_split_and_train_val_test_hold_out_the_same_test_part():
    X, y = data.digits()
    parts = data.split(X, y, test=0.25, seed=3)
    three = data.train_val_test(X, y, val=0.15, test=0.25, seed=3)
    assert len(parts) == 4 and len(three) == 6
    np.testing.assert_array_equal(parts[2], three[4])
    np.testing.assert_array_equal(parts[3], three[5])
    np.testing.assert_array_equal(np.sort(np.r_[three[1], three[3]]), np.sort(parts[1]))
