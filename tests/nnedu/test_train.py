"""fit(): learning on real data, early stopping, reproducibility, divergence, random restarts."""
import numpy as np
import pytest

import nnedu
from nnedu import data


def test_spiral_reaches_98_percent_training_accuracy():
    X, y = data.spiral(n_per_class=100, n_classes=3)
    model = nnedu.MLP([2, 100, 3], activation="relu", seed=0)
    nnedu.fit(model, X, y, epochs=300, batch_size=32, lr=0.1, momentum=0.9, progress=False)
    assert nnedu.accuracy(model, X, y) >= 0.98


def test_digits_reach_97_percent_test_accuracy():
    X, y = data.digits()
    X_tr, y_tr, X_te, y_te = data.split(X, y, test=0.25, seed=0)   # stratified 75/25, random_state=0
    scaler = data.Standardizer().fit(X_tr)
    model = nnedu.MLP([64, 100, 10], activation="tanh", l2=1e-3, seed=0)
    nnedu.fit(model, scaler.transform(X_tr), y_tr, epochs=40, batch_size=32, lr=0.05, progress=False)
    assert nnedu.accuracy(model, scaler.transform(X_te), y_te) >= 0.97


def test_history_records_every_epoch():
    X, y = data.moons(100)
    h = nnedu.fit(nnedu.MLP([2, 10, 2]), X[:80], y[:80], X[80:], y[80:], epochs=7, progress=False)
    assert len(h.train_loss) == len(h.val_loss) == len(h.train_acc) == len(h.val_acc) == 7
    assert h.stopped_epoch == 7 and 1 <= h.best_epoch <= 7 and h.epochs == list(range(1, 8))
    assert h.train_loss[-1] < h.train_loss[0]


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y = data.digits()
    X_tr, y_tr, X_val, y_val = X[:60], y[:60], X[1000:1400], y[1000:1400]   # tiny training set: overfits
    model = nnedu.MLP([64, 200, 10], activation="relu", seed=0)
    h = nnedu.fit(model, X_tr, y_tr, X_val, y_val, epochs=500, batch_size=16, lr=0.1, patience=10, progress=False)
    assert h.stopped_epoch < 500 and h.stopped_epoch == h.best_epoch + 10
    assert h.restored_best
    best = int(np.argmin(h.val_loss))
    assert h.best_epoch == best + 1
    assert model.evaluate(X_val, y_val)[0] == pytest.approx(h.val_loss[best])


def test_same_seed_reproduces_the_run_exactly():
    X, y = data.spiral(50)
    runs = []
    for _ in range(2):
        m = nnedu.MLP([2, 20, 3], activation="relu", dropout=0.2, seed=4)
        h = nnedu.fit(m, X, y, epochs=5, seed=4, progress=False)
        runs.append((h.train_loss, m.params["W1"].copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    m = nnedu.MLP([2, 20, 3], activation="relu", dropout=0.2, seed=4)
    assert nnedu.fit(m, X, y, epochs=5, seed=5, progress=False).train_loss != runs[0][0]


def test_divergence_raises_a_clear_error():
    X, y = data.spiral(50)
    with pytest.raises(nnedu.DivergenceError, match=r"in epoch \d+: lower the learning rate \(lr=1000000.0\)"):
        nnedu.fit(nnedu.MLP([2, 50, 3], activation="relu"), X * 100, y, epochs=50, lr=1e6, progress=False)


def test_train_step_and_train_epoch_agree_on_divergence():
    from nnedu.train import train_epoch, train_step
    X, y = nnedu.data.spiral(n_per_class=20)
    for run in (lambda m, opt: train_step(m, opt, X, y),
                lambda m, opt: train_epoch(m, opt, X, y, 8, np.random.default_rng(0))):
        model = nnedu.MLP([2, 10, 3], activation="relu", seed=0)
        model.params["W2"][0, 0] = np.inf                     # the scores, and with them the loss, are not finite
        before = model.get_params()
        with np.errstate(invalid="ignore", over="ignore"):
            with pytest.raises(nnedu.DivergenceError, match="the loss became"):
                run(model, nnedu.SGD(lr=0.1))
        assert all(np.array_equal(model.params[k], v) for k, v in before.items())   # no update was made
    model = nnedu.MLP([2, 10, 3], seed=0)
    loss = train_step(model, nnedu.SGD(lr=0.1), X, y)
    assert np.isclose(loss, nnedu.MLP([2, 10, 3], seed=0).loss(X, y)[0])         # the loss before the step


def test_momentum_speeds_up_training():
    X, y = data.spiral(50)
    plain = nnedu.fit(nnedu.MLP([2, 50, 3], activation="relu"), X, y, epochs=30, lr=0.05, progress=False)
    mom = nnedu.fit(nnedu.MLP([2, 50, 3], activation="relu"), X, y, epochs=30, lr=0.05, momentum=0.9,
                    progress=False)
    assert mom.train_loss[-1] < plain.train_loss[-1]


def test_random_restarts_keep_the_lowest_training_error():
    X, y = data.spiral(40)
    best, results = nnedu.random_restarts(lambda s: nnedu.MLP([2, 4, 3], activation="tanh", seed=s), X, y,
                                          seeds=range(4), epochs=30, lr=0.5, progress=False)
    errors = [r["train_error"] for r in results]
    assert [r["seed"] for r in results] == [0, 1, 2, 3]
    assert 1 - nnedu.accuracy(best, X, y) == pytest.approx(min(errors))
    assert len(set(errors)) > 1                       # the seeds really lead to different solutions


def test_float32_training_works():
    X, y = data.moons(200)
    m = nnedu.MLP([2, 30, 2], activation="relu", dtype=np.float32)
    nnedu.fit(m, X, y, epochs=50, lr=0.3, progress=False)
    assert m.params["W1"].dtype == np.float32 and nnedu.accuracy(m, X, y) > 0.9


def test_callbacks_are_called_after_each_epoch_is_recorded():
    X, y = data.moons(60)
    seen = []

    def cb(model, history, epoch):
        assert isinstance(model, nnedu.MLP) and len(history.train_loss) == epoch == history.stopped_epoch
        seen.append((epoch, history.val_loss[-1]))
    h = nnedu.fit(nnedu.MLP([2, 8, 2]), X[:40], y[:40], X[40:], y[40:], epochs=4, callbacks=[cb], progress=False)
    assert seen == list(zip([1, 2, 3, 4], h.val_loss))
    with pytest.raises(TypeError, match="callbacks: expected callables"):
        nnedu.fit(nnedu.MLP([2, 8, 2]), X, y, epochs=1, callbacks=[1], progress=False)


def test_callbacks_run_before_early_stopping_decides():
    X, y = data.digits()
    seen = []
    h = nnedu.fit(nnedu.MLP([64, 50, 10], activation="relu"), X[:60], y[:60], X[1000:1200], y[1000:1200],
                  epochs=300, batch_size=16, lr=0.1, patience=3, progress=False,
                  callbacks=lambda m, hist, e: seen.append(e))
    assert seen[-1] == h.stopped_epoch < 300


def test_validation_and_early_stopping_monitor_the_data_loss():
    X, y = data.moons(100)
    m = nnedu.MLP([2, 10, 2], l2=0.1, seed=0)
    h = nnedu.fit(m, X[:70], y[:70], X[70:], y[70:], epochs=6, progress=False)
    assert len(h.train_penalty) == 6 and all(p > 0 for p in h.train_penalty)
    assert h.train_penalty[-1] == pytest.approx(m.penalty())
    assert h.val_loss[-1] == pytest.approx(m.evaluate(X[70:], y[70:])[0])
    assert h.train_loss[-1] == pytest.approx(nnedu.losses.softmax_cross_entropy(m.loss(X[:70]), y[:70])[0])
    assert h.best_epoch == int(np.argmin(h.val_loss)) + 1


def test_early_stopping_object_on_its_own():
    m = nnedu.MLP([2, 3, 2])
    stopper = nnedu.EarlyStopping(patience=2)
    decisions = [stopper.update(m, loss, epoch) for epoch, loss in enumerate([1.0, 0.5, 0.7, 0.6], start=1)]
    assert decisions == [False, False, False, True] and stopper.best_epoch == 2
    best_W1 = stopper.best_params["W1"].copy()
    m.params["W1"] += 1.0
    assert stopper.restore(m)
    np.testing.assert_array_equal(m.params["W1"], best_W1)
    assert not nnedu.EarlyStopping(3, restore_best=False).restore(m)
    with pytest.raises(ValueError, match="patience: expected a positive integer"):
        nnedu.EarlyStopping(0)


def test_progress_bar_ends_full_when_stopping_early(monkeypatch):
    import nnedu.train as train
    bars = []

    class Recording(train.tqdm):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            bars.append(self)
    monkeypatch.setattr(train, "tqdm", Recording)
    X, y = data.digits()
    h = nnedu.fit(nnedu.MLP([64, 50, 10], activation="relu"), X[:60], y[:60], X[1000:1200], y[1000:1200],
                  epochs=300, batch_size=16, lr=0.1, patience=3, desc="digits")
    bar = bars[0]
    assert h.stopped_epoch < 300 and bar.n == bar.total == h.stopped_epoch
    assert f"early stop at epoch {h.stopped_epoch}, best {h.best_epoch}" in bar.desc


def test_running_training_loss_without_full_evaluation():
    X, y = data.spiral(50)
    h = nnedu.fit(nnedu.MLP([2, 20, 3], activation="relu"), X, y, epochs=5, eval_train=False, progress=False)
    assert len(h.train_loss) == 5 and all(np.isnan(h.train_acc)) and h.train_loss[-1] < h.train_loss[0]
    full = nnedu.fit(nnedu.MLP([2, 20, 3], activation="relu"), X, y, epochs=5, progress=False)
    assert full.val_loss == [] and h.train_loss != full.train_loss


def test_notebook_progress_bar_turns_green_when_stopping_early(monkeypatch):
    pytest.importorskip("ipywidgets")
    from tqdm.notebook import tqdm as notebook_tqdm

    import nnedu.train as train
    bars = []

    def make(*a, **k):
        bars.append(notebook_tqdm(*a, **k))
        return bars[-1]
    monkeypatch.setattr(train, "tqdm", make)
    X, y = data.digits()
    h = nnedu.fit(nnedu.MLP([64, 50, 10], activation="relu"), X[:60], y[:60], X[1000:1200], y[1000:1200],
                  epochs=300, batch_size=16, lr=0.1, patience=3)
    _, widget_bar, _ = bars[0].container.children
    assert h.stopped_epoch < 300 and widget_bar.bar_style == "success"
    assert widget_bar.value == widget_bar.max == h.stopped_epoch
