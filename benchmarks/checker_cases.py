r"""Hard cases for gradient checkers: machine-learning gradients at hard points, each with typical wrong versions.

A :class:`Case` is a scalar function ``f``, its correct gradient ``grad``, a point ``x`` and 3 to 5 wrong versions
of the gradient: the mistakes people make when they derive one by hand (a lost factor 2 or ``1/N``, the sign of
a term, a missing term, a transposed matrix, a missing derivative factor, the sigmoid where the softmax belongs,
one entry 1 % off, the gradient evaluated at a slightly stale point, ...). The models are the usual ones:
least squares (the book's loss, ``W`` of shape d x k), softmax cross-entropy, logistic and Poisson regression,
a two-layer network, ``log|det A|``, a single-head attention score, layer norm with a linear read-out, ridge
regression, and a few plain functions. :func:`cases` puts them where checkers fail (:data:`KINDS`):

* ``"mixed scales"``: entries near 1e-6 next to entries near 1e6 in one ``x`` (parameters in different units);
* ``"small entries"``: every entry far below 1;
* ``"large f"``: values of ``f`` near 1e16, far from a minimum;
* ``"float32"``: ``f`` computed in float32, returning ``np.float32``;
* ``"at a minimum"`` (the gradient is rounding noise) and ``"near a minimum"`` (1e-6 relative away);
* ``"large n"``: ``x.size >= 2000``.

Names of wrong versions read ``"pattern: detail"``, with one of :data:`PATTERNS` before the colon, so that
verdicts can be grouped by the kind of mistake. Everything is seeded: :func:`cases` returns the same cases on
every call. The module is pure NumPy; every formula is written once, with the array module as an argument,
so that :func:`verify_cases` can differentiate the very same code with JAX.

Verification (``python benchmarks/checker_cases.py``, needs JAX, e.g. in ``.venvs/bench``) asserts, for
every case:

1. the correct gradient agrees with ``jax.grad`` of the float64 formula to ``1e-10`` relative, entry by entry
   (plus ``1e-12 Case.terms`` where the gradient is a difference of terms that cancel, at or near a
   minimum); for a float32 case, its float64 formula is compared so, and the float32 gradient with it to
   ``1e-4`` normwise;
2. every wrong version is wrong at ``x``: in some entry ``i`` it differs from the correct gradient by at least
   ``1e-3 |g_i|`` (the entry's own size; at a minimum, ``1e-3 Case.terms``) **and** by at least 10 times the
   error of an ideal finite difference of that entry: Richardson differences of ``f`` itself (float32 for a
   float32 case) along ``e_i``, with the best of the steps ``|x_i| 10^-k``, k = 1..12. So each wrong version
   can be told from the correct one by differencing ``f``, not only on paper;
3. ``f`` is consistent with the gradient: the ideal finite difference of item 2 agrees with every entry to
   5 % of its size (of ``1e-3`` of the largest entry, or of ``Case.terms`` at a minimum, if larger);
4. the point fits its kind (``|f| >= 1e15`` for large f, ``max |x| < 1e-2`` for small entries, a ratio of at
   least 1e10 between the largest and the smallest ``|x_i|`` for mixed scales, ``x.size >= 2000`` for large n,
   ``np.float32`` values for float32, a gradient below ``1e-8 Case.terms`` at a minimum), names are unique,
   and each case has 3 to 5 wrong versions named after one of :data:`PATTERNS`.

A wrong version can be wrong entry by entry and yet tiny in norm (an error of 1 % in an entry whose
gradient is 1e-12 of the largest): ``verify_cases`` prints the normwise size of each, so that a checker
that judges ``||g - g_num|| / ||g||`` is not blamed for missing what it cannot see in principle.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["KINDS", "PATTERNS", "Case", "cases", "verify_cases"]

KINDS = (
    "typical",
    "mixed scales",
    "small entries",
    "large f",
    "float32",
    "at a minimum",
    "near a minimum",
    "large n",
)

#: What goes wrong in a wrong version: the part of its name before the colon.
PATTERNS = (
    "factor 2",
    "factor 1/2",
    "missing factor",
    "wrong factor",
    "sign",
    "missing term",
    "transposed",
    "wrong function",
    "one entry 1% off",
    "stale point",
)

Data = dict[str, Any]
Loss = Callable[[Any, Data, Any], Any]  # (x, data, array module) -> scalar
Grad = Callable[[np.ndarray, Data], np.ndarray]  # (x, data) -> gradient, shape of x


@dataclass(frozen=True)
class Case:
    """A function, its correct gradient, a point and typical wrong versions of the gradient.

    ``terms`` is the size of the terms whose difference makes the gradient where they cancel (at or near a
    minimum), else 0. ``formula(x, xp)`` is ``f`` in float64 written with the array module ``xp`` (NumPy or
    ``jax.numpy``) and ``grad64`` the float64 version of ``grad``; both serve :func:`verify_cases`.
    """

    name: str
    kind: str
    f: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    x: np.ndarray
    wrong: dict[str, Callable[[np.ndarray], np.ndarray]]
    terms: float = 0.0
    formula: Callable[[Any, Any], Any] | None = field(default=None, repr=False, compare=False)
    grad64: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class _Model:
    """A loss written for any array module, its gradient, and a catalogue of wrong gradients."""

    loss: Loss
    grad: Grad
    wrong: dict[str, Grad]


# --- small helpers -----------------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + e^{-z})`` without overflow."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softmax(Z: Any, xp: Any = np, axis: int = 1) -> Any:
    E = xp.exp(Z - xp.max(Z, axis=axis, keepdims=True))
    return E / xp.sum(E, axis=axis, keepdims=True)


def _log_softmax(Z: Any, xp: Any) -> Any:
    Z = Z - xp.max(Z, axis=1, keepdims=True)
    return Z - xp.log(xp.sum(xp.exp(Z), axis=1, keepdims=True))


def _as32(data: Data) -> Data:
    """The data in float32 (arrays only; Python scalars stay weakly typed)."""
    return {
        k: v.astype(np.float32) if isinstance(v, np.ndarray) and v.dtype == np.float64 else v for k, v in data.items()
    }


def _times(model: _Model, c: float) -> _Model:
    """``c f``: the loss, the gradient and every wrong version multiplied by ``c``."""
    wrong = {name: (lambda x, d, w=w: c * w(x, d)) for name, w in model.wrong.items()}
    return _Model(lambda x, d, xp: c * model.loss(x, d, xp), lambda x, d: c * model.grad(x, d), wrong)


def _rescaled(model: _Model, s: np.ndarray) -> _Model:
    """``f(x) = g(x / s)``: the model in other units; its gradient is ``g'(x / s) / s``.

    Adds the two chain-rule mistakes: the factor ``1 / s`` forgotten, or ``s`` where ``1 / s`` belongs.
    """
    wrong = {name: (lambda x, d, w=w: w(x / s, d) / s) for name, w in model.wrong.items()}
    wrong["missing factor: 1/s of the chain rule"] = lambda x, d: model.grad(x / s, d)
    wrong["wrong factor: s for 1/s in the chain rule"] = lambda x, d: model.grad(x / s, d) * s
    return _Model(lambda x, d, xp: model.loss(x / s, d, xp), lambda x, d: model.grad(x / s, d) / s, wrong)


def _stale(grad: Grad, mask: np.ndarray) -> Grad:
    """The gradient at a stale point: ``x`` moved by 1 % in the entries where ``mask`` is true."""
    return lambda x, d: grad(x + (0.01 * x) * mask.astype(x.dtype), d)


def _entry_off(grad: Grad, index: tuple[int, ...]) -> Grad:
    """The gradient with one entry 1 % too large."""

    def wrong(x: np.ndarray, d: Data) -> np.ndarray:
        g = np.array(grad(x, d), copy=True)
        g[index] *= 1.01
        return g

    return wrong


def _largest(g: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(g))), g.shape))


def _smallest(g: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(int(np.argmin(np.abs(g))), g.shape))


def _median_entry(g: np.ndarray) -> tuple[int, ...]:
    order = np.argsort(np.abs(g), axis=None)
    return tuple(int(i) for i in np.unravel_index(int(order[order.size // 2]), g.shape))


def _mask(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Half of the entries, at random (at least one)."""
    mask = rng.random(shape) < 0.5
    mask.flat[0] = True
    return mask


def _case(
    name: str,
    kind: str,
    model: _Model,
    data: Data,
    x: np.ndarray,
    versions: list[str],
    *,
    extra: dict[str, Grad] | None = None,
    float32: bool = False,
    grad_in_float32: bool = True,
    terms: float = 0.0,
) -> Case:
    """A case from a model: ``versions`` names wrong versions of the model's catalogue, ``extra`` adds more.

    With ``float32``, ``f`` computes in float32 and returns ``np.float32`` (``x`` may be float32 or float64),
    and so do the wrong versions; the correct gradient too, unless ``grad_in_float32`` is false.
    """
    work = _as32(data) if float32 else data
    dtype = np.float32 if float32 else np.float64
    unknown = set(versions) - set(model.wrong)
    if unknown:
        raise KeyError(f"{name}: no wrong version {sorted(unknown)}")
    chosen: dict[str, Grad] = {v: model.wrong[v] for v in versions}
    chosen.update(extra or {})

    def f(v: np.ndarray) -> float:
        value = model.loss(np.asarray(v, dtype=dtype), work, np)
        return np.float32(value) if float32 else float(value)

    def grad64(v: np.ndarray) -> np.ndarray:
        return model.grad(np.asarray(v, dtype=np.float64), data)

    def grad(v: np.ndarray) -> np.ndarray:
        if float32 and grad_in_float32:
            return model.grad(np.asarray(v, dtype=np.float32), work)
        return grad64(v)

    wrong = {k: (lambda v, w=w: w(np.asarray(v, dtype=dtype), work)) for k, w in chosen.items()}
    return Case(
        name, kind, f, grad, x, wrong, terms, formula=lambda v, xp: model.loss(v, data, xp), grad64=grad64
    )  # fmt: skip


# --- the models --------------------------------------------------------------------------------------------


def _least_squares(lam: float = 0.0) -> _Model:
    """``(1/N) ||X W - Y||_F^2 + lam ||W||_F^2`` (lam = 0: the book's loss), gradient ``(2/N) X^T R + 2 lam W``."""

    def loss(W, d, xp):
        X, Y = xp.asarray(d["X"]), xp.asarray(d["Y"])
        R = X @ W - Y
        return xp.sum(R * R) / X.shape[0] + lam * xp.sum(W * W)

    def parts(W, d):
        X, Y = d["X"], d["Y"]
        return X, Y, X.shape[0], X @ W - Y

    def grad(W, d):
        X, _, N, R = parts(W, d)
        return (2 / N) * (X.T @ R) + (2 * lam) * W

    def with_data_term(term):
        return lambda W, d: term(*parts(W, d)) + (2 * lam) * W

    wrong = {
        "factor 1/2: the 2 of the square lost": with_data_term(lambda X, Y, N, R: (1 / N) * (X.T @ R)),
        "factor 2: twice the gradient": lambda W, d: 2 * grad(W, d),
        "missing factor: 1/N": with_data_term(lambda X, Y, N, R: 2 * (X.T @ R)),
        "sign: Y term": with_data_term(lambda X, Y, N, R: (2 / N) * (X.T @ (R + 2 * Y))),
        "missing term: Y": with_data_term(lambda X, Y, N, R: (2 / N) * (X.T @ (R + Y))),
        "wrong factor: 1/(N k) of np.mean for 1/N": with_data_term(
            lambda X, Y, N, R: (2 / (N * Y.shape[1])) * (X.T @ R)
        ),
        "transposed": lambda W, d: grad(W, d).T,
        "missing factor: 1/N of the Y term": with_data_term(
            lambda X, Y, N, R: (2 / N) * (X.T @ (R + Y)) - 2 * (X.T @ Y)
        ),
    }
    if lam:
        data_term = with_data_term(lambda X, Y, N, R: (2 / N) * (X.T @ R))
        wrong |= {
            "missing term: regularizer": lambda W, d: data_term(W, d) - (2 * lam) * W,
            "factor 1/2: lam W for 2 lam W": lambda W, d: data_term(W, d) - lam * W,
            "sign: regularizer": lambda W, d: data_term(W, d) - (4 * lam) * W,
            "missing factor: 1/N of the data term": with_data_term(lambda X, Y, N, R: 2 * (X.T @ R)),
        }
    return _Model(loss, grad, wrong)


def _softmax_cross_entropy(lam: float = 0.0, bias: bool = False) -> _Model:
    """``-(1/N) sum Y * log softmax(X W) + (lam/2) ||W||^2``, gradient ``(1/N) X^T (P - Y) + lam W``.

    With ``bias``, the last column of ``X`` is ones and the last row of ``W`` the bias.
    """

    def loss(W, d, xp):
        X, Y = xp.asarray(d["X"]), xp.asarray(d["Y"])
        return -xp.sum(Y * _log_softmax(X @ W, xp)) / X.shape[0] + (lam / 2) * xp.sum(W * W)

    def with_residual(residual, factor=None):
        def g(W, d):
            X, Y = d["X"], d["Y"]
            Z = X @ W
            scale = 1 / X.shape[0] if factor is None else factor
            return scale * (X.T @ residual(Z, Y)) + lam * W

        return g

    grad = with_residual(lambda Z, Y: _softmax(Z) - Y)
    wrong = {
        "sign: (Y - P) for (P - Y)": with_residual(lambda Z, Y: Y - _softmax(Z)),
        "missing factor: 1/N": with_residual(lambda Z, Y: _softmax(Z) - Y, factor=1.0),
        "wrong function: sigmoid for softmax": with_residual(lambda Z, Y: _sigmoid(Z) - Y),
        "missing term: Y": with_residual(lambda Z, Y: _softmax(Z)),
        "factor 2: twice the gradient": lambda W, d: 2 * grad(W, d),
    }
    if bias:

        def no_bias(W, d):
            g = grad(W, d)
            g[-1] = 0
            return g

        wrong["missing term: bias gradient"] = no_bias
    if lam:
        wrong["missing term: regularizer"] = lambda W, d: grad(W, d) - lam * W
    return _Model(loss, grad, wrong)


def _logistic(lam: float) -> _Model:
    """Labels ``y = +-1``: ``(1/N) sum log(1 + exp(-y x^T w)) + (lam/2) ||w||^2``."""

    def loss(w, d, xp):
        X, y = xp.asarray(d["X"]), xp.asarray(d["y"])
        return xp.mean(xp.logaddexp(0, -y * (X @ w))) + (lam / 2) * xp.sum(w * w)

    def data_term(w, d, sign=-1.0, factor=None):
        X, y = d["X"], d["y"]
        scale = 1 / X.shape[0] if factor is None else factor
        return -scale * (X.T @ (y * _sigmoid(sign * y * (X @ w))))

    def grad(w, d):
        return data_term(w, d) + lam * w

    def zero_one_labels(w, d):
        X, y = d["X"], d["y"]
        return X.T @ (_sigmoid(X @ w) - y) / X.shape[0] + lam * w

    wrong = {
        "missing term: regularizer": data_term,
        "factor 2: on the regularizer": lambda w, d: data_term(w, d) + 2 * lam * w,
        "sign: sigmoid(y z) for sigmoid(-y z)": lambda w, d: data_term(w, d, sign=1.0) + lam * w,
        "wrong function: the 0/1-label formula with +-1 labels": zero_one_labels,
        "missing factor: 1/N": lambda w, d: data_term(w, d, factor=1.0) + lam * w,
        "factor 2: twice the gradient": lambda w, d: 2 * grad(w, d),
    }
    return _Model(loss, grad, wrong)


def _poisson(lam: float = 0.0) -> _Model:
    """``(1/N) sum (exp(x^T w) - y x^T w) + (lam/2) ||w||^2``, gradient ``(1/N) X^T (exp(X w) - y) + lam w``."""

    def loss(w, d, xp):
        X, y = xp.asarray(d["X"]), xp.asarray(d["y"])
        z = X @ w
        return xp.mean(xp.exp(z) - y * z) + (lam / 2) * xp.sum(w * w)

    def with_residual(residual, factor=None, reg=1.0):
        def g(w, d):
            X, y = d["X"], d["y"]
            scale = 1 / X.shape[0] if factor is None else factor
            return scale * (X.T @ residual(X @ w, y)) + (reg * lam) * w

        return g

    grad = with_residual(lambda z, y: np.exp(z) - y)
    wrong = {
        "missing term: y": with_residual(lambda z, y: np.exp(z)),
        "wrong function: z for exp(z) (the identity link)": with_residual(lambda z, y: z - y),
        "sign: y term": with_residual(lambda z, y: np.exp(z) + y),
        "missing factor: 1/N": with_residual(lambda z, y: np.exp(z) - y, factor=1.0),
        "factor 1/2: half the gradient": lambda w, d: grad(w, d) / 2,
        "factor 2: twice the gradient": lambda w, d: 2 * grad(w, d),
    }
    if lam:
        wrong["missing term: regularizer"] = with_residual(lambda z, y: np.exp(z) - y, reg=0.0)
        wrong["sign: regularizer"] = with_residual(lambda z, y: np.exp(z) - y, reg=-1.0)
    return _Model(loss, grad, wrong)


def _two_layer_tanh(d_in: int, hidden: int, k: int) -> _Model:
    """``(1/(2N)) ||tanh(X W1) W2 - Y||^2`` of ``x = (vec W1, vec W2)``, both matrices packed in one vector."""
    m = d_in * hidden

    def unpack(x):
        return x[:m].reshape(d_in, hidden), x[m:].reshape(hidden, k)

    def loss(x, d, xp):
        W1, W2 = unpack(x)
        X, Y = xp.asarray(d["X"]), xp.asarray(d["Y"])
        R = xp.tanh(X @ W1) @ W2 - Y
        return xp.sum(R * R) / (2 * X.shape[0])

    def backward(derivative=lambda H: 1 - H * H, w2_sign=1.0, factor=1.0):
        def g(x, d):
            W1, W2 = unpack(x)
            X, Y = d["X"], d["Y"]
            H = np.tanh(X @ W1)
            R = (H @ W2 - Y) / X.shape[0]
            gW1 = X.T @ ((R @ W2.T) * derivative(H))
            return factor * np.concatenate([gW1.ravel(), w2_sign * (H.T @ R).ravel()])

        return g

    wrong = {
        "missing factor: tanh'": backward(derivative=lambda H: np.ones_like(H)),
        "wrong factor: 1 - tanh for 1 - tanh^2": backward(derivative=lambda H: 1 - H),
        "factor 2: the 1/2 of the loss forgotten": backward(factor=2.0),
        "sign: W2 block": backward(w2_sign=-1.0),
    }
    return _Model(loss, backward(), wrong)


def _two_layer_softplus() -> _Model:
    """``(1/(2N)) ||softplus(X W1) W2 - Y||^2`` of ``W1`` alone (``W2`` fixed)."""

    def loss(W1, d, xp):
        X, Y, W2 = xp.asarray(d["X"]), xp.asarray(d["Y"]), xp.asarray(d["W2"])
        R = xp.logaddexp(0, X @ W1) @ W2 - Y
        return xp.sum(R * R) / (2 * X.shape[0])

    def backward(derivative=_sigmoid, factor=1.0):
        def g(W1, d):
            X, Y, W2 = d["X"], d["Y"], d["W2"]
            Z = X @ W1
            R = (np.logaddexp(0, Z) @ W2 - Y) / X.shape[0]
            return factor * (X.T @ ((R @ W2.T) * derivative(Z)))

        return g

    grad = backward()
    wrong = {
        "wrong function: softplus for its derivative sigmoid": backward(derivative=lambda Z: np.logaddexp(0, Z)),
        "missing factor: sigmoid (softplus')": backward(derivative=np.ones_like),
        "factor 2: the 1/2 of the loss forgotten": backward(factor=2.0),
        "transposed": lambda W1, d: grad(W1, d).T,
    }
    return _Model(loss, grad, wrong)


def _log_det() -> _Model:
    """``log |det A|``, gradient ``A^{-T}``."""

    def loss(A, d, xp):
        return xp.linalg.slogdet(A)[1]

    def grad(A, d):
        return np.linalg.inv(A).T

    def symmetric_formula(A, d):
        G = np.linalg.inv(A).T
        return 2 * G - np.diag(np.diag(G))

    wrong = {
        "transposed: A^{-1} for A^{-T}": lambda A, d: np.linalg.inv(A),
        "wrong function: the symmetric-matrix formula 2 A^{-T} - diag": symmetric_formula,
        "sign": lambda A, d: -np.linalg.inv(A).T,
        "wrong function: det(A) A^{-T}, the gradient of det": lambda A, d: np.linalg.det(A) * np.linalg.inv(A).T,
    }
    return _Model(loss, grad, wrong)


def _trace_inverse() -> _Model:
    """``tr(A^{-1})``, gradient ``-(A^{-2})^T``."""

    def loss(A, d, xp):
        return xp.trace(xp.linalg.inv(A))

    def grad(A, d):
        inv = np.linalg.inv(A)
        return -(inv @ inv).T

    wrong = {
        "transposed": lambda A, d: -(np.linalg.inv(A) @ np.linalg.inv(A)),
        "sign": lambda A, d: -grad(A, d),
        "missing factor: one inverse (-A^{-T})": lambda A, d: -np.linalg.inv(A).T,
    }
    return _Model(loss, grad, wrong)


def _attention(which: str) -> _Model:
    """``sum(C * softmax(Q K^T / sqrt(d)) V)`` as a function of ``which``, one of Q, K, V (the others fixed)."""

    def matrices(x, d, xp):
        mats = {name: xp.asarray(d[name]) for name in "QKVC" if name != which}
        mats[which] = x
        return mats["Q"], mats["K"], mats["V"], mats["C"]

    def loss(x, d, xp):
        Q, K, V, C = matrices(x, d, xp)
        S = _softmax(Q @ K.T / math.sqrt(Q.shape[1]), xp)
        return xp.sum(C * (S @ V))

    def backward(root=True, row_sum=True, transposed=False, sign=1.0, softmax_axis=1, normalized=True):
        def g(x, d):
            Q, K, V, C = matrices(x, d, np)
            r = math.sqrt(Q.shape[1]) if root else Q.shape[1]
            Z = Q @ K.T / math.sqrt(Q.shape[1])
            S = _softmax(Z, np, axis=softmax_axis) if normalized else np.exp(Z)
            if which == "V":
                return sign * ((S if transposed else S.T) @ C)
            dS = C @ V.T
            dZ = S * (dS - np.sum(dS * S, axis=1, keepdims=True)) if row_sum else S * dS
            if which == "Q":
                return sign * ((dZ.T if transposed else dZ) @ K) / r
            return sign * ((dZ if transposed else dZ.T) @ Q) / r

        return g

    if which == "V":
        wrong = {
            "transposed: S C for S^T C": backward(transposed=True),
            "wrong function: softmax over columns": backward(softmax_axis=0),
            "wrong function: exp(Z) for softmax(Z)": backward(normalized=False),
            "sign": backward(sign=-1.0),
        }
    else:
        wrong = {
            "missing factor: 1/sqrt(d)": lambda x, d: backward()(x, d) * math.sqrt(d["K"].shape[1]),
            "wrong factor: 1/d for 1/sqrt(d)": backward(root=False),
            "missing term: softmax row-sum (S * dS only)": backward(row_sum=False),
            "transposed: score gradient": backward(transposed=True),
            "sign": backward(sign=-1.0),
        }
    return _Model(loss, backward(), wrong)


def _layer_norm(variable: str) -> _Model:
    """Layer norm of the rows of ``X`` (gain ``gamma``, bias ``beta``, ``eps``) and a linear read-out ``R``:
    ``f = sum(C * out) + q sum((out - T)^2)`` with ``out = LN(X) R``; of ``X``, or of ``(gamma, beta)`` packed."""

    def normalize(X, eps, xp):
        Xc = X - xp.mean(X, axis=1, keepdims=True)
        var = xp.mean(Xc * Xc, axis=1, keepdims=True)
        return Xc / xp.sqrt(var + eps), var

    def split(x, d, xp):
        if variable == "X":
            return x, xp.asarray(d["gamma"]), xp.asarray(d["beta"])
        D = x.shape[0] // 2
        return xp.asarray(d["X"]), x[:D], x[D:]

    def loss(x, d, xp):
        X, gamma, beta = split(x, d, xp)
        Xhat, _ = normalize(X, d["eps"], xp)
        out = (Xhat * gamma + beta) @ xp.asarray(d["R"])
        return xp.sum(xp.asarray(d["C"]) * out) + d["q"] * xp.sum((out - xp.asarray(d["T"])) ** 2)

    def upstream(x, d):
        X, gamma, beta = split(x, d, np)
        Xhat, var = normalize(X, d["eps"], np)
        out = (Xhat * gamma + beta) @ d["R"]
        dY = (d["C"] + 2 * d["q"] * (out - d["T"])) @ d["R"].T
        return X, gamma, Xhat, var, dY

    def backward_x(mean_term=True, var_term=True, with_gamma=True, root=True, eps=True):
        def g(x, d):
            X, gamma, Xhat, var, dY = upstream(x, d)
            if not eps:
                Xhat, var = normalize(X, 0.0, np)
                var = var - d["eps"]  # so that var + eps below is the variance without eps
            dXhat = dY * gamma if with_gamma else dY
            inv = 1 / np.sqrt(var + d["eps"]) if root else 1 / (var + d["eps"])
            inner = dXhat.copy()
            if mean_term:
                inner -= np.mean(dXhat, axis=1, keepdims=True)
            if var_term:
                inner -= Xhat * np.mean(dXhat * Xhat, axis=1, keepdims=True)
            return inv * inner

        return g

    def backward_gain(with_beta=True, beta_sign=1.0, normalized=True, factor=1.0):
        def g(x, d):
            X, _, Xhat, _, dY = upstream(x, d)
            dgamma = np.sum(dY * (Xhat if normalized else X), axis=0)
            dbeta = beta_sign * np.sum(dY, axis=0) if with_beta else np.zeros(dY.shape[1], dtype=dY.dtype)
            return factor * np.concatenate([dgamma, dbeta])

        return g

    if variable == "X":
        wrong = {
            "missing term: variance treated as a constant": backward_x(var_term=False),
            "missing term: mean treated as a constant": backward_x(mean_term=False),
            "missing factor: gamma": backward_x(with_gamma=False),
            "wrong factor: 1/(var + eps) for 1/sqrt(var + eps)": backward_x(root=False),
            "missing term: eps": backward_x(eps=False),
        }
        return _Model(loss, backward_x(), wrong)
    wrong = {
        "missing term: beta gradient": backward_gain(with_beta=False),
        "wrong function: X for the normalized X in the gamma gradient": backward_gain(normalized=False),
        "sign: beta gradient": backward_gain(beta_sign=-1.0),
        "wrong factor: mean over rows for the sum": lambda x, d: backward_gain()(x, d) / d["X"].shape[0],
    }
    return _Model(loss, backward_gain(), wrong)


def _quartic() -> _Model:
    """``sum (x_i^2 - a_i^2)^2``, minimal at ``|x_i| = a_i``, gradient ``4 x (x^2 - a^2)``."""

    def loss(x, d, xp):
        a = xp.asarray(d["a"])
        return xp.sum((x * x - a * a) ** 2)

    def grad(x, d):
        return 4 * x * (x * x - d["a"] * d["a"])

    wrong = {
        "missing term: a^2": lambda x, d: 4 * x**3,
        "factor 1/2: 2 x (x^2 - a^2)": lambda x, d: grad(x, d) / 2,
        "sign: a^2 term": lambda x, d: 4 * x * (x * x + d["a"] * d["a"]),
    }
    return _Model(loss, grad, wrong)


def _exponential_decay() -> _Model:
    """Fit of two decaying exponentials and a background, ``(a1, b1, a2, b2, c)``, by mean squared error."""

    def loss(p, d, xp):
        t, y = xp.asarray(d["t"]), xp.asarray(d["y"])
        m = p[0] * xp.exp(-p[1] * t) + p[2] * xp.exp(-p[3] * t) + p[4]
        return xp.mean((m - y) ** 2)

    def backward(rate=lambda a, t, e: -a * t * e, factor=2.0):
        def g(p, d):
            t, y = d["t"], d["y"]
            e1, e2 = np.exp(-p[1] * t), np.exp(-p[3] * t)
            r = factor * (p[0] * e1 + p[2] * e2 + p[4] - y) / t.size
            parts = [np.sum(r * e1), np.sum(r * rate(p[0], t, e1)), np.sum(r * e2), np.sum(r * rate(p[2], t, e2))]
            return np.array([*parts, np.sum(r)])

        return g

    wrong = {
        "missing factor: t in the rate derivatives": backward(rate=lambda a, t, e: -a * e),
        "sign: rate derivatives": backward(rate=lambda a, t, e: a * t * e),
        "missing factor: the amplitude in the rate derivatives": backward(rate=lambda a, t, e: -t * e),
        "factor 1/2: the 2 of the square lost": backward(factor=1.0),
    }
    return _Model(loss, backward(), wrong)


def _log_cosh() -> _Model:
    """``sum w_i log cosh(x_i - t_i)``: robust fit of offsets, gradient ``w tanh(x - t)``."""

    def loss(x, d, xp):
        u = x - xp.asarray(d["t"])
        return xp.sum(xp.asarray(d["w"]) * (xp.logaddexp(u, -u) - math.log(2)))

    wrong = {
        "missing term: the offset t inside tanh": lambda x, d: d["w"] * np.tanh(x),
        "sign": lambda x, d: -d["w"] * np.tanh(x - d["t"]),
        "missing factor: the weights w": lambda x, d: np.tanh(x - d["t"]),
    }
    return _Model(loss, lambda x, d: d["w"] * np.tanh(x - d["t"]), wrong)


# --- data --------------------------------------------------------------------------------------------------


def _regression(rng, N, d, k, noise=0.5):
    X = rng.standard_normal((N, d))
    Y = X @ rng.standard_normal((d, k)) + noise * rng.standard_normal((N, k))
    return {"X": X, "Y": Y}


def _classes(rng, N, d, k, bias=False):
    X = rng.standard_normal((N, d))
    if bias:
        X = np.hstack([X, np.ones((N, 1))])
    P = _softmax(X @ (1.5 * rng.standard_normal((X.shape[1], k))))
    labels = (rng.random((N, 1)) > np.cumsum(P, axis=1)).sum(axis=1).clip(0, k - 1)
    return {"X": X, "Y": np.eye(k)[labels]}


def _binary(rng, N, d):
    X = rng.standard_normal((N, d))
    y = np.where(rng.random(N) < _sigmoid(X @ rng.standard_normal(d)), 1.0, -1.0)
    return {"X": X, "y": y}


def _counts(rng, N, d, level=0.0):
    X = 0.5 * rng.standard_normal((N, d))
    w = 0.5 * rng.standard_normal(d)
    return {"X": X, "y": rng.poisson(np.exp(X @ w + level)).astype(np.float64)}


def _attention_data(rng, n_q, n_k, dk, dv, q_scale=1.0):
    return {
        "Q": q_scale * rng.standard_normal((n_q, dk)),
        "K": rng.standard_normal((n_k, dk)),
        "V": rng.standard_normal((n_k, dv)),
        "C": rng.standard_normal((n_q, dv)),
    }


def _layer_norm_data(rng, N, D, m, x_scale=3.0, eps=1e-5, q=0.0, t_scale=0.0):
    return {
        "X": x_scale * rng.standard_normal((N, D)) + rng.standard_normal((N, 1)),
        "gamma": 1 + 0.5 * rng.standard_normal(D),
        "beta": 0.5 * rng.standard_normal(D),
        "R": rng.standard_normal((D, m)),
        "C": rng.standard_normal((N, m)),
        "T": t_scale * rng.standard_normal((N, m)),
        "eps": eps,
        "q": q,
    }


def _gain_and_bias(data):
    return np.concatenate([data["gamma"], data["beta"]])


def _two_layer_point(rng, d_in, hidden, k, scale=0.5):
    return np.concatenate([scale * rng.standard_normal(d_in * hidden), scale * rng.standard_normal(hidden * k)])


def _well_conditioned(rng, n, scale=1.0):
    """``scale (2 I + 0.5 G / sqrt(n))``: non-symmetric, condition number a few, ``|det|`` far from 1."""
    return scale * (2 * np.eye(n) + 0.5 * rng.standard_normal((n, n)) / math.sqrt(n))


def _log_spaced_scales(rng, n, low=-6.0, high=6.0):
    return 10.0 ** rng.permutation(np.linspace(low, high, n))


# --- minima (Newton's method, to machine precision) --------------------------------------------------------


def _newton(grad: Callable[[np.ndarray], np.ndarray], hessian: Callable[[np.ndarray], np.ndarray], x0):
    x = np.array(x0, dtype=np.float64)
    for _ in range(100):
        step = np.linalg.solve(hessian(x), grad(x).ravel()).reshape(x.shape)
        x = x - step
        if np.linalg.norm(step) <= 1e-15 * (1 + np.linalg.norm(x)):
            break
    for _ in range(3):  # polish
        x = x - np.linalg.solve(hessian(x), grad(x).ravel()).reshape(x.shape)
    return x


def _logistic_minimum(data, lam):
    X = data["X"]
    model = _logistic(lam)

    def hessian(w):
        s = _sigmoid(X @ w)
        return X.T @ (X * (s * (1 - s))[:, None]) / X.shape[0] + lam * np.eye(X.shape[1])

    return _newton(lambda w: model.grad(w, data), hessian, np.zeros(X.shape[1]))


def _poisson_minimum(data, lam):
    X = data["X"]
    model = _poisson(lam)

    def hessian(w):
        return X.T @ (X * np.exp(X @ w)[:, None]) / X.shape[0] + lam * np.eye(X.shape[1])

    return _newton(lambda w: model.grad(w, data), hessian, np.zeros(X.shape[1]))


def _softmax_minimum(data, lam):
    X = data["X"]
    k = data["Y"].shape[1]
    model = _softmax_cross_entropy(lam)

    def hessian(W):
        P = _softmax(X @ W)
        H = sum(np.kron(np.outer(x, x), np.diag(p) - np.outer(p, p)) for x, p in zip(X, P, strict=True))
        return H / X.shape[0] + lam * np.eye(W.size)

    return _newton(lambda W: model.grad(W, data), hessian, np.zeros((X.shape[1], k)))


def _ridge_minimum(data, lam):
    X, Y = data["X"], data["Y"]
    N, d = X.shape
    return np.linalg.solve(X.T @ X + N * lam * np.eye(d), X.T @ Y)


# --- the cases, kind by kind -------------------------------------------------------------------------------

_COMMON = ["one entry 1% off", "stale point"]


def _with_common(model: _Model, data: Data, x: np.ndarray, rng, which=("stale",), entry=_largest) -> dict[str, Grad]:
    """The stale-point and one-entry-off versions of ``model.grad`` at ``x``."""
    extra: dict[str, Grad] = {}
    if "stale" in which:
        extra["stale point: x moved by 1% in half of its entries"] = _stale(model.grad, _mask(rng, x.shape))
    if "entry" in which:
        g = model.grad(x, data)
        extra["one entry 1% off"] = _entry_off(model.grad, entry(g))
    return extra


def _typical() -> list[Case]:
    out = []
    rng = np.random.default_rng(101)
    data = _regression(rng, 20, 4, 3)
    model, W = _least_squares(), rng.standard_normal((4, 3))
    versions = ["factor 1/2: the 2 of the square lost", "missing factor: 1/N", "sign: Y term", "missing term: Y"]
    versions.append("wrong factor: 1/(N k) of np.mean for 1/N")
    out.append(_case("least squares, W of shape 4 x 3", "typical", model, data, W, versions))

    rng = np.random.default_rng(102)
    data = _regression(rng, 30, 4, 4)
    W = rng.standard_normal((4, 4))
    extra = _with_common(model, data, W, rng, which=("stale", "entry"))
    out.append(
        _case(
            "least squares, square W",
            "typical",
            model,
            data,
            W,
            ["transposed", "factor 2: twice the gradient"],
            extra=extra,
        )
    )

    rng = np.random.default_rng(103)
    data = _classes(rng, 40, 4, 3, bias=True)
    model, W = _softmax_cross_entropy(bias=True), 0.5 * rng.standard_normal((5, 3))
    versions = ["sign: (Y - P) for (P - Y)", "missing factor: 1/N", "wrong function: sigmoid for softmax"]
    versions += ["missing term: Y", "missing term: bias gradient"]
    out.append(_case("softmax cross-entropy with a bias", "typical", model, data, W, versions))

    rng = np.random.default_rng(104)
    data = _binary(rng, 50, 5)
    model, w = _logistic(0.1), rng.standard_normal(5)
    versions = ["missing term: regularizer", "factor 2: on the regularizer", "sign: sigmoid(y z) for sigmoid(-y z)"]
    versions += ["wrong function: the 0/1-label formula with +-1 labels", "missing factor: 1/N"]
    out.append(_case("logistic regression with weight decay", "typical", model, data, w, versions))

    rng = np.random.default_rng(105)
    data = _counts(rng, 60, 5, level=1.0)
    model, w = _poisson(), 0.5 * rng.standard_normal(5)
    versions = ["missing term: y", "wrong function: z for exp(z) (the identity link)", "sign: y term"]
    versions.append("missing factor: 1/N")
    out.append(_case("Poisson regression", "typical", model, data, w, versions))

    rng = np.random.default_rng(106)
    data = _regression(rng, 30, 4, 2)
    model, x = _two_layer_tanh(4, 5, 2), _two_layer_point(rng, 4, 5, 2)
    versions = list(model.wrong)
    extra = _with_common(model, data, x, rng)
    out.append(_case("two-layer tanh network, W1 and W2 packed", "typical", model, data, x, versions, extra=extra))

    rng = np.random.default_rng(107)
    data = _regression(rng, 30, 5, 3)
    data["W2"] = rng.standard_normal((5, 3))
    model, W1 = _two_layer_softplus(), 0.7 * rng.standard_normal((5, 5))
    out.append(_case("two-layer softplus network, W1 alone", "typical", model, data, W1, list(model.wrong)))

    rng = np.random.default_rng(108)
    A = _well_conditioned(rng, 4)
    model = _log_det()
    extra = _with_common(model, {}, A, rng)
    out.append(_case("log|det A|", "typical", model, {}, A, list(model.wrong), extra=extra))

    for which, seed in (("Q", 109), ("K", 110), ("V", 111)):
        rng = np.random.default_rng(seed)
        data = _attention_data(rng, 5, 5, 4, 3)
        model = _attention(which)
        names = list(model.wrong)[:4] if which != "K" else list(model.wrong)[1:]
        title = f"attention score softmax(Q K^T / sqrt(d)) V, with respect to {which}"
        out.append(_case(title, "typical", model, data, data[which], names))

    rng = np.random.default_rng(112)
    data = _layer_norm_data(rng, 6, 5, 3)
    model = _layer_norm("X")
    names = list(model.wrong)[:4]
    extra = _with_common(model, data, data["X"], rng)
    out.append(
        _case(
            "layer norm and a linear read-out, with respect to the input",
            "typical",
            model,
            data,
            data["X"],
            names,
            extra=extra,
        )
    )

    rng = np.random.default_rng(113)
    data = _layer_norm_data(rng, 6, 5, 3)
    model = _layer_norm("gain")
    out.append(
        _case(
            "layer norm and a linear read-out, with respect to gain and bias",
            "typical",
            model,
            data,
            _gain_and_bias(data),
            list(model.wrong),
        )
    )

    rng = np.random.default_rng(114)
    data = _regression(rng, 25, 4, 2)
    model, W = _least_squares(lam=0.3), rng.standard_normal((4, 2))
    versions = ["missing term: regularizer", "factor 1/2: lam W for 2 lam W", "missing term: Y"]
    versions += ["missing factor: 1/N of the data term", "sign: regularizer"]
    out.append(_case("ridge regression (weight decay)", "typical", model, data, W, versions))
    return out


def _mixed_scales() -> list[Case]:
    out = []
    rng = np.random.default_rng(201)
    data = _regression(rng, 20, 4, 3)
    s = _log_spaced_scales(rng, 12).reshape(4, 3)
    base = _least_squares()
    model = _rescaled(base, s)
    W = s * rng.standard_normal((4, 3))
    names = ["missing factor: 1/s of the chain rule", "wrong factor: s for 1/s in the chain rule"]
    names += ["missing term: Y", "factor 1/2: the 2 of the square lost"]
    extra = _with_common(model, data, W, rng, which=("entry",), entry=_smallest)
    out.append(
        _case(
            "least squares in rescaled units (s from 1e-6 to 1e6)", "mixed scales", model, data, W, names, extra=extra
        )
    )

    rng = np.random.default_rng(202)
    data = _binary(rng, 50, 6)
    s = _log_spaced_scales(rng, 6)
    model = _rescaled(_logistic(0.1), s)
    w = s * rng.standard_normal(6)
    names = [
        "missing factor: 1/s of the chain rule",
        "missing term: regularizer",
        "sign: sigmoid(y z) for sigmoid(-y z)",
    ]
    extra = _with_common(model, data, w, rng, which=("entry",), entry=_smallest)
    out.append(_case("logistic regression in rescaled units", "mixed scales", model, data, w, names, extra=extra))

    rng = np.random.default_rng(203)
    data = _classes(rng, 40, 4, 3)
    s = _log_spaced_scales(rng, 12).reshape(4, 3)
    model = _rescaled(_softmax_cross_entropy(), s)
    W = s * 0.5 * rng.standard_normal((4, 3))
    names = ["missing factor: 1/s of the chain rule", "wrong function: sigmoid for softmax", "missing factor: 1/N"]
    extra = _with_common(model, data, W, rng, which=("entry",), entry=_smallest)
    out.append(_case("softmax cross-entropy in rescaled units", "mixed scales", model, data, W, names, extra=extra))

    rng = np.random.default_rng(204)
    data = _regression(rng, 30, 3, 2)
    s = _log_spaced_scales(rng, 3 * 4 + 4 * 2)
    model = _rescaled(_two_layer_tanh(3, 4, 2), s)
    x = s * _two_layer_point(rng, 3, 4, 2)
    names = ["missing factor: 1/s of the chain rule", "missing factor: tanh'", "sign: W2 block"]
    extra = _with_common(model, data, x, rng, which=("entry",), entry=_smallest)
    out.append(_case("two-layer tanh network in rescaled units", "mixed scales", model, data, x, names, extra=extra))

    rng = np.random.default_rng(205)
    data = _counts(rng, 60, 6, level=1.0)
    units = _log_spaced_scales(rng, 6)
    w_natural = 0.5 * rng.standard_normal(6)
    data["X"] = data["X"] * units  # feature j measured in other units: X_j c_j, w_j / c_j
    model = _poisson()
    names = ["missing term: y", "sign: y term", "wrong function: z for exp(z) (the identity link)"]
    extra = _with_common(model, data, w_natural / units, rng, which=("entry",), entry=_smallest)
    out.append(
        _case(
            "Poisson regression, features in units from 1e-6 to 1e6",
            "mixed scales",
            model,
            data,
            w_natural / units,
            names,
            extra=extra,
        )
    )

    rng = np.random.default_rng(206)
    D1, D2 = (np.diag(10.0 ** rng.uniform(-3, 3, 4)) for _ in range(2))
    A = D1 @ _well_conditioned(rng, 4) @ D2
    model = _log_det()
    names = ["transposed: A^{-1} for A^{-T}", "wrong function: the symmetric-matrix formula 2 A^{-T} - diag", "sign"]
    extra = _with_common(model, {}, A, rng, which=("entry",), entry=_smallest)
    out.append(_case("log|det A| of a row- and column-scaled matrix", "mixed scales", model, {}, A, names, extra=extra))

    rng = np.random.default_rng(207)
    t = np.linspace(0.0, 3e6, 40)
    p_true = np.array([2e6, 1.5e-6, 5e5, 2e-7, 30.0])
    m = p_true[0] * np.exp(-p_true[1] * t) + p_true[2] * np.exp(-p_true[3] * t) + p_true[4]
    data = {"t": t, "y": m + 1e3 * rng.standard_normal(t.size)}
    p = p_true * (1 + 0.02 * rng.standard_normal(5))
    model = _exponential_decay()
    out.append(
        _case(
            "fit of two exponential decays (amplitudes ~1e6, rates ~1e-6 per s)",
            "mixed scales",
            model,
            data,
            p,
            list(model.wrong),
        )
    )

    rng = np.random.default_rng(208)
    x = np.where(np.arange(10) % 2 == 0, 1e6, 1e-6) * rng.uniform(0.5, 2.0, 10)
    data = {"t": x - rng.uniform(-2, 2, 10), "w": rng.uniform(0.5, 2.0, 10)}
    model = _log_cosh()
    huge = np.abs(x) > 1
    extra = {"stale point: the entries near 1e6 moved by 1%": _stale(model.grad, huge)}
    extra |= _with_common(model, data, x, rng, which=("entry",), entry=_smallest)
    out.append(
        _case(
            "log-cosh fit of offsets, entries ~1e-6 and ~1e6",
            "mixed scales",
            model,
            data,
            x,
            list(model.wrong),
            extra=extra,
        )
    )
    return out


def _small_entries() -> list[Case]:
    out = []
    rng = np.random.default_rng(301)
    A = _well_conditioned(rng, 4, scale=1e-4)
    model = _log_det()
    extra = _with_common(model, {}, A, rng)
    out.append(_case("log|det A|, entries ~1e-4", "small entries", model, {}, A, list(model.wrong), extra=extra))

    rng = np.random.default_rng(302)
    a = 1e-3 * rng.uniform(0.5, 2.0, 6)
    data = {"a": a}
    x = a * rng.uniform(1.5, 2.5, 6) * rng.choice([-1.0, 1.0], 6)
    model = _quartic()
    extra = _with_common(model, data, x, rng, which=("entry",))
    out.append(_case("quartic with minima near 1e-3", "small entries", model, data, x, list(model.wrong), extra=extra))

    rng = np.random.default_rng(303)
    A = _well_conditioned(rng, 4, scale=1e-3)
    model = _trace_inverse()
    extra = _with_common(model, {}, A, rng)
    out.append(
        _case("trace of the inverse, entries ~1e-3", "small entries", model, {}, A, list(model.wrong), extra=extra)
    )

    rng = np.random.default_rng(304)
    data = _layer_norm_data(rng, 6, 5, 3, x_scale=1e-4, eps=1e-5)
    data["X"] = 1e-4 * rng.standard_normal((6, 5))
    model = _layer_norm("X")
    names = [
        "missing term: eps",
        "missing term: variance treated as a constant",
        "missing term: mean treated as a constant",
    ]
    names.append("missing factor: gamma")
    out.append(
        _case("layer norm of inputs ~1e-4 (eps dominates the variance)", "small entries", model, data, data["X"], names)
    )

    rng = np.random.default_rng(305)
    data = _classes(rng, 40, 5, 3)
    model, W = _softmax_cross_entropy(), 1e-4 * rng.standard_normal((5, 3))
    names = [
        "sign: (Y - P) for (P - Y)",
        "wrong function: sigmoid for softmax",
        "missing factor: 1/N",
        "missing term: Y",
    ]
    out.append(_case("softmax cross-entropy at a small initialization (~1e-4)", "small entries", model, data, W, names))

    rng = np.random.default_rng(306)
    data = _attention_data(rng, 5, 5, 4, 3, q_scale=1e-4)
    model = _attention("Q")
    names = ["missing factor: 1/sqrt(d)", "missing term: softmax row-sum (S * dS only)", "transposed: score gradient"]
    extra = _with_common(model, data, data["Q"], rng, which=("entry",))
    out.append(
        _case(
            "attention score with respect to queries ~1e-4", "small entries", model, data, data["Q"], names, extra=extra
        )
    )

    rng = np.random.default_rng(307)
    data = _regression(rng, 30, 4, 2)
    model, x = _two_layer_tanh(4, 5, 2), _two_layer_point(rng, 4, 5, 2, scale=1e-3)
    extra = _with_common(model, data, x, rng, which=("entry",))
    names = ["factor 2: the 1/2 of the loss forgotten", "sign: W2 block"]  # tanh' ~ 1 here: that mistake is invisible
    out.append(
        _case(
            "two-layer tanh network at a small initialization (~1e-3)",
            "small entries",
            model,
            data,
            x,
            names,
            extra=extra,
        )
    )
    return out


def _large_f() -> list[Case]:
    out = []
    rng = np.random.default_rng(401)
    data = _regression(rng, 20, 4, 3)
    model, W = _times(_least_squares(), 1e16), rng.standard_normal((4, 3))
    names = ["factor 1/2: the 2 of the square lost", "missing term: Y", "sign: Y term"]
    extra = _with_common(model, data, W, rng, which=("entry",))
    out.append(_case("least squares times 1e16", "large f", model, data, W, names, extra=extra))

    rng = np.random.default_rng(402)
    data = _regression(rng, 20, 4, 3)
    data["Y"] = 1e8 * rng.standard_normal((20, 3))
    model, W = _least_squares(), rng.standard_normal((4, 3))
    names = ["factor 1/2: the 2 of the square lost", "missing term: Y", "missing factor: 1/N"]
    extra = _with_common(model, data, W, rng, which=("entry",))
    out.append(
        _case("least squares with targets ~1e8, far from the minimum", "large f", model, data, W, names, extra=extra)
    )

    rng = np.random.default_rng(403)
    data = _classes(rng, 40, 4, 3)
    model, W = _times(_softmax_cross_entropy(), 1e16), 0.5 * rng.standard_normal((4, 3))
    names = ["sign: (Y - P) for (P - Y)", "wrong function: sigmoid for softmax", "missing factor: 1/N"]
    out.append(_case("softmax cross-entropy times 1e16", "large f", model, data, W, names))

    rng = np.random.default_rng(404)
    data = _regression(rng, 30, 4, 2)
    data["Y"] = 1e8 * rng.standard_normal((30, 2))
    model, x = _two_layer_tanh(4, 5, 2), _two_layer_point(rng, 4, 5, 2)
    names = ["missing factor: tanh'", "factor 2: the 1/2 of the loss forgotten"]
    extra = _with_common(model, data, x, rng, which=("entry", "stale"))
    out.append(_case("two-layer tanh network with targets ~1e8", "large f", model, data, x, names, extra=extra))

    rng = np.random.default_rng(405)
    data = _counts(rng, 60, 5)
    data["X"][:, 0] = 1.0  # an intercept; counts ~1e15
    w_true = 0.3 * rng.standard_normal(5)
    w_true[0] = math.log(1e15)
    data["y"] = np.round(np.exp(data["X"] @ w_true))
    w = w_true + np.concatenate([[0.05], 0.05 * rng.standard_normal(4)])
    model = _poisson()
    names = ["missing term: y", "sign: y term", "factor 1/2: half the gradient", "missing factor: 1/N"]
    out.append(_case("Poisson regression with counts ~1e15", "large f", model, data, w, names))

    rng = np.random.default_rng(406)
    data = _layer_norm_data(rng, 6, 5, 3, q=1.0, t_scale=1e8)
    model = _layer_norm("X")
    names = ["missing term: variance treated as a constant", "missing term: mean treated as a constant"]
    names.append("missing factor: gamma")
    extra = _with_common(model, data, data["X"], rng, which=("entry",))
    out.append(
        _case(
            "layer norm read out by a squared error against targets ~1e8",
            "large f",
            model,
            data,
            data["X"],
            names,
            extra=extra,
        )
    )
    return out


def _float32_cases() -> list[Case]:
    out = []
    rng = np.random.default_rng(501)
    data = _regression(rng, 20, 4, 3)
    model, W = _least_squares(), rng.standard_normal((4, 3)).astype(np.float32)
    names = ["factor 1/2: the 2 of the square lost", "missing term: Y"]
    extra = _with_common(model, data, W, rng, which=("entry", "stale"))
    out.append(
        _case("least squares in float32, x float32", "float32", model, data, W, names, extra=extra, float32=True)
    )

    rng = np.random.default_rng(502)
    data = _classes(rng, 40, 4, 3, bias=True)
    model = _softmax_cross_entropy(bias=True)
    W = (0.5 * rng.standard_normal((5, 3))).astype(np.float32).astype(np.float64)
    names = ["sign: (Y - P) for (P - Y)", "wrong function: sigmoid for softmax", "missing factor: 1/N"]
    names.append("missing term: bias gradient")
    out.append(
        _case(
            "softmax cross-entropy in float32, x float64, gradient float64",
            "float32",
            model,
            data,
            W,
            names,
            float32=True,
            grad_in_float32=False,
        )
    )

    rng = np.random.default_rng(503)
    data = _binary(rng, 50, 5)
    model, w = _logistic(0.1), rng.standard_normal(5).astype(np.float32)
    names = ["missing term: regularizer", "sign: sigmoid(y z) for sigmoid(-y z)"]
    names += ["wrong function: the 0/1-label formula with +-1 labels", "missing factor: 1/N"]
    out.append(
        _case("logistic regression with weight decay in float32", "float32", model, data, w, names, float32=True)
    )

    rng = np.random.default_rng(504)
    data = _regression(rng, 30, 4, 2)
    model = _two_layer_tanh(4, 5, 2)
    x = _two_layer_point(rng, 4, 5, 2).astype(np.float32)
    out.append(_case("two-layer tanh network in float32", "float32", model, data, x, list(model.wrong), float32=True))

    rng = np.random.default_rng(505)
    data = _layer_norm_data(rng, 6, 5, 3)
    model = _layer_norm("X")
    names = ["missing term: variance treated as a constant", "missing term: mean treated as a constant"]
    names.append("missing factor: gamma")
    out.append(
        _case(
            "layer norm and read-out in float32",
            "float32",
            model,
            data,
            data["X"].astype(np.float32),
            names,
            float32=True,
        )
    )

    rng = np.random.default_rng(506)
    data = _attention_data(rng, 5, 5, 4, 3)
    model = _attention("K")
    names = ["transposed: score gradient", "missing factor: 1/sqrt(d)", "missing term: softmax row-sum (S * dS only)"]
    out.append(
        _case(
            "attention score with respect to K in float32",
            "float32",
            model,
            data,
            data["K"].astype(np.float32),
            names,
            float32=True,
        )
    )

    rng = np.random.default_rng(507)
    A = _well_conditioned(rng, 4).astype(np.float32)
    model = _log_det()
    names = ["transposed: A^{-1} for A^{-T}", "wrong function: the symmetric-matrix formula 2 A^{-T} - diag", "sign"]
    out.append(_case("log|det A| in float32", "float32", model, {}, A, names, float32=True))
    return out


def _minimum_problems() -> list[tuple[str, _Model, Data, np.ndarray, float, list[str], list[str]]]:
    """(name, model, data, minimizer, terms, wrong versions at it, wrong versions near it)."""
    problems = []
    rng = np.random.default_rng(601)
    data = _regression(rng, 30, 4, 3)
    W = np.linalg.lstsq(data["X"], data["Y"], rcond=None)[0]
    terms = float(np.max(np.abs(2 * data["X"].T @ data["Y"] / 30)))
    at = ["missing term: Y", "sign: Y term", "missing factor: 1/N of the Y term"]
    near = ["factor 1/2: the 2 of the square lost", "missing term: Y", "factor 2: twice the gradient"]
    problems.append(("least squares", _least_squares(), data, W, terms, at, near))

    rng = np.random.default_rng(602)
    data = _regression(rng, 30, 4, 2)
    W = _ridge_minimum(data, 0.5)
    terms = float(np.max(np.abs(2 * data["X"].T @ data["Y"] / 30)))
    at = ["missing term: regularizer", "factor 1/2: lam W for 2 lam W", "sign: regularizer"]
    at.append("missing factor: 1/N of the data term")
    near = ["missing term: regularizer", "factor 2: twice the gradient", "missing term: Y"]
    problems.append(("ridge regression", _least_squares(lam=0.5), data, W, terms, at, near))

    rng = np.random.default_rng(603)
    data = _binary(rng, 60, 5)
    w = _logistic_minimum(data, 0.2)
    terms = float(np.max(np.abs(0.2 * w)))
    at = [
        "missing term: regularizer",
        "factor 2: on the regularizer",
        "wrong function: the 0/1-label formula with +-1 labels",
    ]
    near = ["missing term: regularizer", "factor 2: twice the gradient", "sign: sigmoid(y z) for sigmoid(-y z)"]
    problems.append(("logistic regression with weight decay", _logistic(0.2), data, w, terms, at, near))

    rng = np.random.default_rng(604)
    data = _counts(rng, 60, 5, level=1.0)
    w = _poisson_minimum(data, 0.1)
    terms = float(np.max(np.abs(data["X"].T @ data["y"] / 60)))
    at = ["missing term: regularizer", "missing term: y", "sign: regularizer"]
    near = ["missing term: y", "factor 1/2: half the gradient", "missing term: regularizer"]
    problems.append(("Poisson regression with weight decay", _poisson(0.1), data, w, terms, at, near))

    rng = np.random.default_rng(605)
    data = _classes(rng, 40, 4, 3)
    W = _softmax_minimum(data, 0.1)
    terms = float(np.max(np.abs(data["X"].T @ data["Y"] / 40)))
    at = ["missing term: regularizer", "missing term: Y", "wrong function: sigmoid for softmax"]
    near = ["missing term: regularizer", "missing factor: 1/N", "sign: (Y - P) for (P - Y)"]
    problems.append(("softmax cross-entropy with weight decay", _softmax_cross_entropy(0.1), data, W, terms, at, near))

    rng = np.random.default_rng(606)
    a = 1e-3 * rng.uniform(0.5, 2.0, 6)
    x = a * rng.choice([-1.0, 1.0], 6)
    at = ["missing term: a^2", "sign: a^2 term"]
    near = ["missing term: a^2", "factor 1/2: 2 x (x^2 - a^2)", "sign: a^2 term"]
    problems.append(("quartic with minima near 1e-3", _quartic(), {"a": a}, x, float(np.max(4 * a**3)), at, near))
    return problems


def _at_and_near_minimum() -> list[Case]:
    at_cases, near_cases = [], []
    for i, (name, model, data, x_min, terms, at, near) in enumerate(_minimum_problems()):
        rng = np.random.default_rng(700 + i)
        extra = _with_common(model, data, x_min, rng)
        at_cases.append(
            _case(f"{name} at its minimum", "at a minimum", model, data, x_min, at, extra=extra, terms=terms)
        )
        x = x_min * (1 + 1e-6 * rng.standard_normal(x_min.shape))
        extra = _with_common(model, data, x, rng, which=("stale", "entry"))
        near_cases.append(
            _case(
                f"{name} 1e-6 away from its minimum", "near a minimum", model, data, x, near, extra=extra, terms=terms
            )
        )
    return at_cases + near_cases


def _large_n() -> list[Case]:
    out = []
    rng = np.random.default_rng(801)
    data = _regression(rng, 200, 100, 20)
    model, W = _least_squares(), rng.standard_normal((100, 20))
    names = ["factor 1/2: the 2 of the square lost", "missing term: Y", "sign: Y term"]
    extra = _with_common(model, data, W, rng, which=("entry", "stale"), entry=_median_entry)
    out.append(_case("least squares, W of shape 100 x 20", "large n", model, data, W, names, extra=extra))

    rng = np.random.default_rng(802)
    data = _classes(rng, 300, 200, 10, bias=True)
    model, W = _softmax_cross_entropy(bias=True), 0.1 * rng.standard_normal((201, 10))
    names = ["sign: (Y - P) for (P - Y)", "wrong function: sigmoid for softmax", "missing term: bias gradient"]
    extra = _with_common(model, data, W, rng, which=("entry",), entry=_median_entry)
    out.append(
        _case("softmax cross-entropy, 200 x 10 weights and a bias", "large n", model, data, W, names, extra=extra)
    )

    rng = np.random.default_rng(803)
    data = _regression(rng, 100, 50, 4)
    model = _two_layer_tanh(50, 40, 4)
    x = _two_layer_point(rng, 50, 40, 4, scale=0.2)
    names = ["missing factor: tanh'", "factor 2: the 1/2 of the loss forgotten", "sign: W2 block"]
    extra = _with_common(model, data, x, rng, which=("entry",), entry=_median_entry)
    out.append(_case("two-layer tanh network, 50 x 40 and 40 x 4", "large n", model, data, x, names, extra=extra))

    rng = np.random.default_rng(804)
    data = _layer_norm_data(rng, 100, 20, 5)
    model = _layer_norm("X")
    names = ["missing term: variance treated as a constant", "missing term: mean treated as a constant"]
    names.append("missing factor: gamma")
    extra = _with_common(model, data, data["X"], rng, which=("entry",), entry=_median_entry)
    out.append(
        _case("layer norm and read-out of a 100 x 20 input", "large n", model, data, data["X"], names, extra=extra)
    )

    rng = np.random.default_rng(805)
    data = _attention_data(rng, 64, 64, 32, 16, q_scale=0.5)
    model = _attention("Q")
    names = ["missing factor: 1/sqrt(d)", "missing term: softmax row-sum (S * dS only)", "transposed: score gradient"]
    extra = _with_common(model, data, data["Q"], rng, which=("entry",), entry=_median_entry)
    out.append(
        _case("attention score with respect to 64 x 32 queries", "large n", model, data, data["Q"], names, extra=extra)
    )
    return out


def cases() -> list[Case]:
    """The suite: about 60 cases in the order of :data:`KINDS`, built afresh (and identically) on every call."""
    return [
        *_typical(),
        *_mixed_scales(),
        *_small_entries(),
        *_large_f(),
        *_float32_cases(),
        *_at_and_near_minimum(),
        *_large_n(),
    ]


# --- verification ------------------------------------------------------------------------------------------


def _richardson_errors(f: Callable[[np.ndarray], Any], x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Per entry, the error of an ideal finite difference of ``f`` against the gradient ``g``.

    Richardson differences ``(4 D(h) - D(2h)) / 3`` (``D`` central) with steps ``|x_i| 10^-k``, k = 1..12, in
    the precision of ``x`` (the steps actually taken, after rounding); the error of a step is the larger of its
    own and its neighbour's, so that a lucky zero crossing does not count. Non-finite values are skipped.
    """
    errors = np.full(x.shape, np.inf)
    for index in np.ndindex(x.shape):
        base = abs(float(x[index])) or 1.0
        per_step = []
        for k in range(1, 13):
            h = base * 10.0**-k
            try:
                values = []
                for c in (1, -1, 2, -2):
                    moved = x.copy()
                    moved[index] = x[index] + c * h
                    values.append((float(f(moved)), float(moved[index]) - float(x[index])))
                d1 = (values[0][0] - values[1][0]) / (values[0][1] - values[1][1])
                d2 = (values[2][0] - values[3][0]) / (values[2][1] - values[3][1])
                estimate = (4 * d1 - d2) / 3
            except (ValueError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError):
                estimate = math.nan
            per_step.append(abs(estimate - g[index]) if math.isfinite(estimate) else math.inf)
        pairs = [max(a, b) for a, b in zip(per_step, per_step[1:], strict=False)]
        errors[index] = min(pairs)
    return errors


def _kind_problems(case: Case, g: np.ndarray) -> list[str]:
    x = np.abs(np.asarray(case.x, dtype=np.float64))
    value = case.f(case.x)
    problems = []
    if case.kind == "large f" and not abs(value) >= 1e15:
        problems.append(f"|f| = {abs(value):.1e} < 1e15")
    if case.kind == "small entries" and not np.max(x) < 1e-2:
        problems.append(f"max |x| = {np.max(x):.1e} >= 1e-2")
    if case.kind == "mixed scales" and not np.max(x) >= 1e10 * np.min(x[x > 0]):
        problems.append("the entries of x span less than 1e10")
    if case.kind == "large n" and case.x.size < 2000:
        problems.append(f"x.size = {case.x.size} < 2000")
    if case.kind == "float32" and not isinstance(value, np.float32):
        problems.append(f"f returns {type(value).__name__}, not numpy.float32")
    if case.kind == "at a minimum" and not np.max(np.abs(g)) <= 1e-8 * case.terms:
        problems.append(f"the gradient {np.max(np.abs(g)):.1e} is not ~0 next to terms {case.terms:.1e}")
    if case.kind not in KINDS:
        problems.append(f"unknown kind {case.kind!r}")
    if not 3 <= len(case.wrong) <= 5:
        problems.append(f"{len(case.wrong)} wrong versions, not 3 to 5")
    bad = [name for name in case.wrong if name.split(":")[0] not in PATTERNS]
    if bad:
        problems.append(f"wrong versions without a known pattern: {bad}")
    return problems


def verify_cases(selected: list[Case] | None = None, verbose: bool = True) -> list[str]:
    """Check every case as the module docstring says; return the problems found (none, if all is well).

    Imports JAX (with float64 enabled) to differentiate each case's formula.
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    problems: list[str] = []
    all_cases = cases() if selected is None else selected
    names = [c.name for c in all_cases]
    if len(set(names)) != len(names):
        problems.append("case names are not unique")
    for case in all_cases:
        found = _verify_case(case, jax, jnp, verbose)
        problems += [f"{case.name}: {p}" for p in found]
    if verbose:
        total = sum(len(c.wrong) for c in all_cases)
        print(f"{len(all_cases)} cases, {total} wrong versions; {len(problems)} problem(s)")
        for p in problems:
            print("PROBLEM", p)
    return problems


def _verify_case(case: Case, jax: Any, jnp: Any, verbose: bool) -> list[str]:
    x64 = np.asarray(case.x, dtype=np.float64)
    reference = np.asarray(jax.grad(lambda v: case.formula(v, jnp))(jnp.asarray(x64)))
    g64 = np.asarray(case.grad64(x64), dtype=np.float64)
    floor = 1e-12 * case.terms + 1e-300
    problems = _kind_problems(case, g64)
    excess = np.abs(g64 - reference) / (1e-10 * np.abs(reference) + floor)
    if not np.all(excess <= 1):
        i = _largest(excess)
        problems.append(f"gradient {g64[i]:.17g} vs jax {reference[i]:.17g} at entry {i}")
    g = np.asarray(case.grad(case.x), dtype=np.float64)
    if np.asarray(case.grad(case.x)).shape != case.x.shape:
        problems.append("the gradient does not have the shape of x")
    if case.kind == "float32" and not np.linalg.norm(g - reference) <= 1e-4 * np.linalg.norm(reference):
        problems.append("the float32 gradient is not within 1e-4 of the float64 one")
    point = case.x.astype(np.float32) if case.kind == "float32" else np.array(case.x)
    oracle = _richardson_errors(case.f, point, g64)
    floor_wrong = case.terms if case.kind == "at a minimum" else 0.0
    consistency = oracle / np.maximum(np.abs(g64), max(floor_wrong, 1e-3 * float(np.max(np.abs(g64)))))
    if not np.max(consistency) <= 0.05:
        problems.append(f"finite differences of f disagree with the gradient by {np.max(consistency):.1e} of it")
    if verbose:
        print(
            f"{case.kind:>14s}: {case.name} (n = {case.x.size}; finite differences of f agree with the gradient "
            f"to {np.max(consistency):.0e})"
        )
    for name, wrong in case.wrong.items():
        w = np.asarray(wrong(case.x), dtype=np.float64)
        if w.shape != case.x.shape:
            problems.append(f"{name}: shape {w.shape}")
            continue
        diff = np.abs(w - g64)
        relative = diff / np.maximum(np.abs(g64), floor_wrong)
        visible = (relative >= 1e-3) & (diff >= 10 * oracle)
        normwise = np.linalg.norm(w - g64) / max(np.linalg.norm(g64), floor_wrong)
        if verbose:
            mark = "ok " if np.any(visible) else "BAD"
            print(
                f"  {mark} {case.name[:52]:52s} {name[:50]:50s} entry {np.max(relative):8.1e} "
                f"normwise {normwise:8.1e} visible in {int(np.sum(visible))} entries"
            )
        if not np.any(visible):
            i = _largest(relative)
            problems.append(
                f"{name}: not visibly wrong (largest relative difference {relative[i]:.1e} at {i}, "
                f"difference {diff[i]:.1e} vs finite-difference error {oracle[i]:.1e})"
            )
    return problems


if __name__ == "__main__":
    sys.exit(1 if verify_cases() else 0)
