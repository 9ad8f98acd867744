r"""Diagnose a failed gradient check: which simple mistake turns the true gradient into the claimed one?

``a`` is the analytic (claimed) gradient, ``n`` the numerical one, ``u`` the uncertainty of ``n``
(``|n - true| <= u`` entry by entry) and ``d = a - n``; an entry *differs* when ``|d| > u``. The rules:

1. **"entry", "row", "column"**: the differing entries lie in one entry or (for a 2-D ``x`` with two rows
   and two columns or more) in one row or one column, and each differs 1000 times more than the agreeing
   entries show and 100 times more than they could hide (the largest absolute difference, the median
   relative one): a random error in every entry may exceed ``u`` in one entry only. The place is a fact
   that any other explanation implies, so it comes first: a numerical gradient with one non-zero entry,
   doubled, is an "entry" (the sentence adds the factor). An ``x`` of size 1 has no place.
2. **"scale"**: ``a = c n`` for a clean ``c``: a whole number ``k != 1`` or its reciprocal ``1/k``, either
   sign, found by rounding the least-squares factor (or its reciprocal), which must lie within 0.01 of ``k``
   (this matters beyond 100) unless ``|k|`` counts the rows, the columns or the entries of ``x`` (the
   sentence then says so).
3. **"transposed"**, for a 2-D ``x`` with two rows and two columns or more: ``a = n.T`` if ``x`` is square,
   else ``a = n.T.reshape(x.shape)`` or ``a = n.reshape(x.shape[::-1]).T`` (the right entries in the wrong
   order). If a sign flip fits as well (an antisymmetric ``n``), nothing is named.
4. **"proportional to x"**: ``d = lambda x``, unless a constant offset fits as well (a near-constant ``x``).
5. Otherwise **"none"**.

The patterns of rules 2 to 4 must hold within the uncertainty in every entry, reproduce ``d`` (and for a
factor ``a``) to 1e-4 of its norm, so that a fit clean only by chance is refused, and explain a difference
100 times larger than the uncertainty (for a factor, ``n`` too must be known to 1 %). So an ``n`` that is ~0
gives no factor, a symmetric ``n`` no transposition (``n.T = n`` explains nothing) and ``x = 0`` no
multiple of ``x``. From slopes along random directions (:func:`diagnose_slopes`) only a factor can be seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Diagnosis", "diagnose", "diagnose_slopes"]

_TIGHT = 1e-4  # a pattern must reproduce the difference to this fraction of its norm
_SHARP = 1e-2  # the uncertainty must be below this fraction of the difference a pattern explains
_ISOLATED = 1e-3  # the agreeing entries may show at most this fraction of a localised difference
_ROUNDING = 8 * np.finfo(np.float64).eps  # room for the rounding of the gradients themselves
_NOTHING = "No simple pattern (a constant factor, a transposition, one entry, row or column, a multiple of x) "


@dataclass(frozen=True)
class Diagnosis:
    """The pattern of a gradient's mistake and one sentence saying it (``pattern="none"`` if no pattern)."""

    pattern: str
    sentence: str
    factor: float | None = None
    where: tuple[int, ...] | None = None


def _fits(residual: np.ndarray, bound: np.ndarray, size: np.ndarray, d: np.ndarray) -> bool:
    """Within ``bound`` everywhere (up to the rounding of values of this size), tight and sharp."""
    norm = float(np.linalg.norm(d))
    within = np.all(np.abs(residual) <= bound + _ROUNDING * size)
    return bool(within) and np.linalg.norm(residual) <= _TIGHT * norm and np.linalg.norm(bound) <= _SHARP * norm


def _clean(c: float, counts: dict[int, str]) -> float | None:
    """The whole number ``k != 1`` or reciprocal ``1/k`` (either sign) that ``c`` rounds to, or None."""
    if not np.isfinite(c) or c == 0:
        return None
    t = 1 / c if abs(c) < 1 else c  # |t| >= 1
    k = round(t)
    if k == 1 or (abs(k) not in counts and abs(t - k) > 0.01):
        return None
    return 1 / k if abs(c) < 1 else float(k)


def _scale(a: np.ndarray, n: np.ndarray, u: np.ndarray, counts: dict[int, str]) -> float | None:
    """The clean ``c`` with ``a = c n``, or None."""
    nn = float(np.vdot(n, n))
    if nn == 0 or np.linalg.norm(u) > _SHARP * np.sqrt(nn):  # no factor can be fitted to a vague n
        return None
    c = _clean(float(np.vdot(a, n)) / nn, counts)
    if c is None or np.linalg.norm(a - c * n) > _TIGHT * abs(c) * np.sqrt(nn):  # c itself to 1e-4
        return None
    return c if _fits(a - c * n, abs(c) * u, np.abs(a) + np.abs(c * n), a - n) else None


def _times(c: float) -> str:
    if c == -1:
        return "the negative of"
    return f"{'-' if c < 0 else ''}1/{round(abs(1 / c))} times" if abs(c) < 1 else f"{round(c)} times"


def _advice(c: float, counts: dict[int, str]) -> str:
    """What to look for, naming the count of x that the factor or its reciprocal equals."""
    k = round(abs(1 / c) if abs(c) < 1 else abs(c))
    count = f", and {k} is {counts[k]}" if k in counts else ""
    if c == -1:
        return count + ": look for a flipped sign"
    return count + ": look for a wrong constant factor (2, 1/2, N, 1/N, k)" + (" and sign" if c < 0 else "")


def _counts(shape: tuple[int, ...]) -> dict[int, str]:
    """The counts of ``x`` a factor may equal: its rows and columns (2-D) and its entries."""
    names: dict[int, str] = {}
    if len(shape) == 2:
        for count, name in ((shape[0], "rows"), (shape[1], "columns")):
            names[count] = f"{names[count]} and of {name}" if count in names else f"the number of {name}"
    names.setdefault(int(np.prod(shape)), "the number of entries")
    return {count: f"{name} of x" for count, name in names.items() if count > 1}


def _place(differs: np.ndarray) -> tuple[str, tuple[int, ...]] | None:
    """``("entry", index)``, ``("row", (i,))`` or ``("column", (j,))`` holding every differing entry."""
    spots = np.argwhere(differs)
    if differs.size < 2:
        return None
    if len(spots) == 1:
        return "entry", tuple(int(i) for i in spots[0])
    if differs.ndim == 2 and min(differs.shape) >= 2:
        for axis, name in ((0, "row"), (1, "column")):
            if len(set(spots[:, axis])) == 1:
                return name, (int(spots[0, axis]),)
    return None


def _isolated(d: np.ndarray, n: np.ndarray, u: np.ndarray, differs: np.ndarray) -> bool:
    """Each differing entry differs far more than the agreeing ones show (``d``) and could hide (``u``)."""
    known = ~differs & (np.abs(n) > u)
    for error, fraction in ((d, _ISOLATED), (u, _SHARP)):
        relative = float(np.median(error[known] / np.abs(n[known]))) if known.any() else 0.0
        if np.any(np.max(error[~differs]) + relative * np.abs(n[differs]) > fraction * d[differs]):
            return False
    return True


def _localised(a, n, u, counts) -> Diagnosis | None:
    d = np.abs(a - n)
    found = _place(d > u)
    if found is None or not _isolated(d, n, u, d > u):
        return None
    pattern, where = found
    region = (slice(None), where[0]) if pattern == "column" else where
    c = _scale(*(np.atleast_1d(v[region]) for v in (a, n, u)), counts)
    there = f" (there the analytic gradient is {_times(c)} the numerical one)" if c is not None else ""
    place = f"entry {where[0] if a.ndim == 1 else where}" if pattern == "entry" else f"{pattern} {where[0]}"
    sentence = (
        f"Only {place} differs beyond its uncertainty{there}: look for a term that touches this {pattern} "
        "alone (a bias, a boundary or a diagonal term)."
    )
    return Diagnosis(pattern, sentence, factor=c, where=where)


def _layouts(shape: tuple[int, ...]) -> list[tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    """The wrong layouts of a 2-D gradient: (sentence, the numerical gradient so laid out)."""
    m, p = shape
    if m == p:
        return [("The analytic gradient is the transpose of the numerical one: a gradient must have the "
                 "layout of x (denominator layout), not that of a Jacobian.", lambda g: g.T)]  # fmt: skip
    return [
        (f"The analytic gradient was computed as a {p} x {m} matrix (the transposed layout) and reshaped, not "
         f"transposed, to {m} x {p}: read row by row, it lists the numerical one column by column.",
         lambda g: g.T.reshape(m, p)),
        ("The analytic gradient holds the entries of the numerical one in the wrong order: flattened row by row "
         "and refilled column by column (NumPy's row-major reshape mixed with the column-stacking vec).",
         lambda g: g.reshape(p, m).T),
    ]  # fmt: skip


def _transposed(a: np.ndarray, n: np.ndarray, u: np.ndarray) -> Diagnosis | None:
    if a.ndim != 2 or min(a.shape) < 2:
        return None
    for sentence, move in _layouts(a.shape):
        if _fits(a - move(n), move(u), np.abs(a) + np.abs(n), a - n):
            return Diagnosis("transposed", sentence)
    return None


def _multiples(d: np.ndarray, x: np.ndarray, bound: np.ndarray) -> tuple[float, float] | None:
    """The interval of the ``lambda`` with ``|d - lambda x| <= bound`` everywhere, or None if it is empty."""
    zero = x == 0
    if zero.all() or np.any(np.abs(d[zero]) > bound[zero]):
        return None
    ends = np.stack([(d - bound)[~zero] / x[~zero], (d + bound)[~zero] / x[~zero]])
    low, high = float(ends.min(axis=0).max()), float(ends.max(axis=0).min())
    return (low, high) if low <= high else None


def _proportional(a: np.ndarray, n: np.ndarray, x: np.ndarray, u: np.ndarray) -> Diagnosis | None:
    d, size = a - n, np.abs(a) + np.abs(n)
    bound = u + _ROUNDING / 2 * size  # half the room for rounding: the rest is for computing d - lambda x
    feasible = _multiples(d, x, bound)
    if feasible is None or _multiples(d, np.ones_like(x), bound) is not None:  # or a constant offset
        return None
    lam = float(np.clip(np.vdot(d, x) / np.vdot(x, x), *feasible))  # the least-squares lambda, if feasible
    if not _fits(d - lam * x, u, size, d):
        return None
    sentence = (
        f"The difference analytic - numerical is {lam:.3g} times x: look at the term of the gradient that "
        "depends on x itself (a weight-decay or quadratic term, e.g. a wrong factor in its derivative)."
    )
    return Diagnosis("proportional to x", sentence, factor=lam)


def _arrays(*arrays: ArrayLike) -> list[np.ndarray]:
    out = [np.asarray(v, dtype=np.float64) for v in arrays]
    if any(v.shape != out[0].shape for v in out):
        raise ValueError(f"the arrays must have the same shape, but they have shapes {[v.shape for v in out]}")
    return out


def _nothing_to_diagnose(a: np.ndarray, n: np.ndarray, u: np.ndarray) -> Diagnosis | None:
    if not all(np.all(np.isfinite(v)) for v in (a, n, u)):
        return Diagnosis("none", "Non-finite values: no diagnosis.")
    if np.all(np.abs(a - n) <= u):
        return Diagnosis("none", "The gradients agree within the uncertainty: nothing to diagnose.")
    return None


def diagnose(analytic: ArrayLike, numerical: ArrayLike, x: ArrayLike, uncertainty: ArrayLike) -> Diagnosis:
    """The pattern of the difference between an analytic and a numerical gradient (rules in the module doc).

    All four arrays have ``x``'s shape; ``uncertainty >= 0`` bounds ``|numerical - true gradient|``.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> diagnose(2 * x**3, 4 * x**3, x, np.full(3, 1e-12)).sentence[:45]
    'The analytic gradient is 1/2 times the numeri'
    """
    a, n, x, u = _arrays(analytic, numerical, x, uncertainty)
    done = _nothing_to_diagnose(a, n, u)
    if done is not None:
        return done
    counts = _counts(x.shape)
    localised = _localised(a, n, u, counts)
    if localised is not None:
        return localised
    c, transposed = _scale(a, n, u, counts), _transposed(a, n, u)
    if c is not None and transposed is not None:
        return Diagnosis("none", _NOTHING + "is certain: a flipped sign and a transposition fit equally well.")
    if c is not None:
        sentence = f"The analytic gradient is {_times(c)} the numerical one everywhere{_advice(c, counts)}."
        return Diagnosis("scale", sentence, factor=c)
    return transposed or _proportional(a, n, x, u) or Diagnosis("none", _NOTHING + "explains the difference.")


def diagnose_slopes(analytic: ArrayLike, numerical: ArrayLike, uncertainty: ArrayLike) -> Diagnosis:
    """The pattern of the difference between analytic and numerical slopes along random directions.

    Only a clean factor can be recognised from slopes: ``pattern`` is ``"scale"`` or ``"none"``.
    """
    a, n, u = (v.ravel() for v in _arrays(analytic, numerical, uncertainty))
    done = _nothing_to_diagnose(a, n, u)
    if done is not None:
        return done
    c = _scale(a, n, u, {})
    if c is None:
        return Diagnosis("none", "No constant factor explains the slopes (the only pattern directions can show).")
    sentence = f"The analytic slopes are {_times(c)} the numerical ones along every direction{_advice(c, {})}."
    return Diagnosis("scale", sentence, factor=c)
