"""Shared helpers for the data tests: a tiny reference MLP and a messy, realistic CSV file."""
from __future__ import annotations

import numpy as np
import pytest


def _train_mlp(X_train, y_train, X_val, y_val, n_classes, hidden=(16, 16), learning_rate=0.01,
               epochs=200, batch_size=32, seed=0):
    """Train a ReLU MLP with softmax + Adam in plain numpy; return validation accuracy.

    Independent of nnstudio.engine on purpose: it checks that the *data* is learnable by the
    network the issue names (2-16-16-k, Adam lr 0.01, ~200 epochs), whatever the engine does.
    """
    rng = np.random.default_rng(seed)
    sizes = [X_train.shape[1], *hidden, n_classes]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out)), np.zeros(fan_out)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0

    def forward(X):
        acts = [X]
        for i in range(0, len(params), 2):
            z = acts[-1] @ params[i] + params[i + 1]
            acts.append(np.maximum(z, 0.0) if i + 2 < len(params) else z)
        return acts

    n = len(X_train)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            acts = forward(X_train[idx])
            z = acts[-1] - acts[-1].max(axis=1, keepdims=True)
            grad = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            grad[np.arange(len(idx)), y_train[idx]] -= 1.0
            grad /= len(idx)
            grads = [None] * len(params)
            for layer in range(len(params) // 2 - 1, -1, -1):
                grads[2 * layer] = acts[layer].T @ grad
                grads[2 * layer + 1] = grad.sum(axis=0)
                if layer:
                    grad = (grad @ params[2 * layer].T) * (acts[layer] > 0)
            step += 1
            for j, g in enumerate(grads):
                m[j] = 0.9 * m[j] + 0.1 * g
                v[j] = 0.999 * v[j] + 0.001 * g * g
                m_hat, v_hat = m[j] / (1 - 0.9 ** step), v[j] / (1 - 0.999 ** step)
                params[j] -= learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)
    return float(np.mean(forward(X_val)[-1].argmax(axis=1) == y_val))


@pytest.fixture
def train_mlp():
    return _train_mlp


CITIES = ["Amsterdam", "Berlin", "Cork", "Dijon", "Essen"]
WORDS = ["late", "early", "vip", "new", "returning", "promo", "referral", "web", "store", "phone",
         "email", "ad", "friend", "tv", "radio"]


def write_messy_csv(path, n_rows=3000, seed=0):
    """A customer-churn-like file with every kind of mess the importer must explain.

    Columns: customer_id (ID), signup_date (dates), age (ints, NA markers), income (floats with
    '?' and 'N/A'), city (5 categories, some 'null': a value among words unless marked missing),
    remarks (text with >20 distinct values),
    country (constant), email (all distinct), score (clean floats), churned (target 'yes'/'no',
    about 10 % 'yes', 7 rows empty).

    Returns
    -------
    dict with the counts the tests check against.
    """
    rng = np.random.default_rng(seed)
    lines = ["customer_id,signup_date,age,income,city,remarks,country,email,score,churned"]
    expected = {"age_missing": 0, "income_missing": 0, "city_null": 0, "target_missing": 0,
                "yes": 0, "no": 0, "gappy_rows": 0, "gappy_rows_null_missing": 0}
    for i in range(n_rows):
        # Missing-value counts only cover rows that keep their target (the rest are dropped first).
        churned = "yes" if rng.random() < 0.1 else "no"
        has_target = i % 450 != 3
        if not has_target:
            churned = ""
            expected["target_missing"] += 1
        else:
            expected[churned] += 1
        gap = False
        age = str(int(rng.integers(18, 80)))
        if i % 97 == 5:
            age, gap = ["NA", ""][i % 2], True
            expected["age_missing"] += has_target
        income = f"{rng.normal(40000, 9000):.2f}"
        if i % 131 == 7:
            income, gap = ["?", "N/A"][i % 2], True
            expected["income_missing"] += has_target
        city = CITIES[int(rng.integers(0, 5))]
        expected["gappy_rows"] += gap and has_target
        if i % 211 == 11:
            city, gap = "null", True
            expected["city_null"] += has_target
        expected["gappy_rows_null_missing"] += gap and has_target
        remarks = " ".join(rng.choice(WORDS, 2))
        date = f"2021-{1 + i % 12:02d}-{1 + i % 28:02d}"
        lines.append(f"{1000 + i},{date},{age},{income},{city},\"{remarks}, noted\",NL,"
                     f"user{i}@example.com,{rng.normal():.4f},{churned}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return expected


@pytest.fixture(scope="session")
def make_messy_csv():
    return write_messy_csv


@pytest.fixture
def messy_csv(tmp_path):
    path = tmp_path / "customers.csv"
    expected = write_messy_csv(path)
    return path, expected


@pytest.fixture
def user_csv(tmp_path, write_user_csv):
    return write_user_csv(tmp_path / "user.csv")
