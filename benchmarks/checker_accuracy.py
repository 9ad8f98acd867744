"""Accuracy and cost of numerical gradients, and gradient checkers on hard cases (a benchmark, not a test; not timed).

Part 1, numerical gradients. For every function of :func:`matgrad.examples.smooth_problems` (the least-squares
loss, log det, trace of an inverse, softplus of a product) and several seeds, the normwise relative error
``||g_num - g|| / ||g||`` of each numerical gradient against the known gradient ``g``, and the number of
evaluations of ``f`` it cost (counted by wrapping ``f``), per entry of ``x``: matgrad's ``numerical_gradient``
with ``forward``, ``central``, ``richardson`` and ``complex``; matgrad's directional check with 4 directions
(its ``rel_error``); ``numdifftools.Gradient`` with its defaults; SciPy's ``approx_fprime`` and ``check_grad``
(also with ``direction="random"``: one forward difference along a random direction).
Targets, printed below the table: Richardson <= 1e-11 at 4n+1 evaluations, the complex step <= 1e-14, and a
directional check with m directions costs exactly 2m evaluations.

Part 2, checkers on the suite of ``benchmarks/checker_cases.py`` (about 60 cases in 8 kinds, 3 to 5 typical
wrong versions of the gradient each): every case is checked with every checker at its default settings,
once with the correct gradient and once with each wrong version. Per checker: false alarms (correct gradient
rejected), false passes (wrong version accepted), checks that raised (counted as a rejection) and the median
number of evaluations of ``f``, counted by wrapping ``f``. For matgrad also: the verdicts per kind, every
wrong verdict, the cost against the targets (a correct gradient <= 2n+1 evaluations plus 2 per undecided
entry, a wrong one <= 4n+1) and what ``result.diagnosis`` names for each wrong version, against what the
mistake is at ``x`` (a constant factor, the negative, the transpose, one entry, or none of these). The checkers:

* ``matgrad``: ``check_gradient(f, grad, x)``;
* ``torch``: ``torch.autograd.gradcheck`` with its defaults, in float64, on a ``torch.autograd.Function`` whose
  forward calls the NumPy ``f`` and whose backward calls the NumPy gradient (how a custom backward is checked);
* ``jax``: ``jax.test_util.check_grads(order=1, modes=("rev",))`` on a ``jax.custom_vjp`` function that calls
  ``f`` and the gradient through ``jax.pure_callback`` (float64 enabled);
* ``scipy``: ``scipy.optimize.check_grad``, passed if ``err / ||g|| < 1e-5``;
* ``numdifftools``: ``numdifftools.Gradient`` with its defaults, passed if ``||g - g_nd|| / ||g|| < 1e-5``.

The peers get ``x`` in float64 (the same values; a float32 case's ``f`` rounds its argument to float32
itself). Each peer is optional (imported inside ``try``/``except``): the script runs with NumPy and matgrad
alone and skips what is missing. Run from the repository root::

    python benchmarks/checker_accuracy.py                  # everything, about 2 minutes
    python benchmarks/checker_accuracy.py --quick          # one case per kind, one seed: a smoke test
    python benchmarks/checker_accuracy.py --peers none     # matgrad alone
    python benchmarks/checker_accuracy.py --kinds "float32,large f"
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from matgrad import check_gradient, numerical_gradient
from matgrad.examples import SmoothProblem, smooth_problems

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checker_cases import KINDS, PATTERNS, Case, cases  # noqa: E402  (a sibling file, not a package)

try:  # optional
    import numdifftools
except ImportError:  # pragma: no cover - depends on the environment
    numdifftools = None

try:  # optional
    import scipy
    from scipy.optimize import approx_fprime, check_grad
except ImportError:  # pragma: no cover - depends on the environment
    scipy = None

N_DIRECTIONS = 4
PEER_RTOL = 1e-5  # the verdict of scipy and numdifftools: relative error of the gradient below this


class Counted:
    """Wrap ``f`` and count its evaluations."""

    def __init__(self, f: Callable[[np.ndarray], Any]):
        self.f = f
        self.calls = 0

    def __call__(self, x: np.ndarray) -> Any:
        self.calls += 1
        return self.f(x)


# --- part 1: numerical gradients on matgrad.examples -------------------------------------------------------


def relative_error(approx: np.ndarray, exact: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(approx).ravel() - exact.ravel()) / np.linalg.norm(exact))


def run_method(name: str, problem: SmoothProblem) -> tuple[float, int]:
    """Relative error and number of evaluations of ``f`` of one numerical gradient on one problem."""
    x, g = problem.x, problem.grad(problem.x)
    counted = Counted(problem.f)

    def flat(v: np.ndarray) -> float:  # SciPy and numdifftools want vectors
        return counted(np.reshape(v, x.shape))

    if name.startswith("matgrad "):
        method = name.split()[1]
        if method == "directional":
            result = check_gradient(counted, problem.grad, x, n_directions=N_DIRECTIONS)
            return result.rel_error, counted.calls
        return relative_error(numerical_gradient(counted, x, method=method), g), counted.calls
    if name == "numdifftools Gradient":
        return relative_error(numdifftools.Gradient(flat)(x.ravel()), g), counted.calls
    if name == "scipy approx_fprime":
        return relative_error(approx_fprime(x.ravel(), flat), g), counted.calls
    if name == "scipy check_grad":
        err = check_grad(flat, lambda v: problem.grad(np.reshape(v, x.shape)).ravel(), x.ravel())
        return float(err / np.linalg.norm(g)), counted.calls
    if name == "scipy check_grad random":
        # one forward difference along v ~ N(0, I); relative to ||g|| ||v|| like matgrad's unit directions
        v = np.random.default_rng(0).standard_normal(x.size)
        err = check_grad(
            flat,
            lambda w: problem.grad(np.reshape(w, x.shape)).ravel(),
            x.ravel(),
            direction="random",
            rng=np.random.default_rng(0),
        )
        return float(err / (np.linalg.norm(g) * np.linalg.norm(v))), counted.calls
    raise ValueError(name)


def methods() -> list[str]:
    names = [f"matgrad {m}" for m in ("forward", "central", "richardson", "complex", "directional")]
    if numdifftools is not None:
        names.append("numdifftools Gradient")
    if scipy is not None:
        names += ["scipy approx_fprime", "scipy check_grad", "scipy check_grad random"]
    return names


def accuracy_table(n_seeds: int) -> None:
    """Part 1: the worst error and the cost of each numerical gradient, and the targets it must meet."""
    seeds = range(n_seeds)
    problems = {seed: smooth_problems(seed) for seed in seeds}
    names = [p.name for p in problems[0]]
    sizes = {p.name: p.x.size for p in problems[0]}
    print(f"1. numerical gradients on matgrad.examples: worst normwise relative error over {n_seeds} seed(s),")
    print("   evaluations of f per entry of x in brackets")
    print(f"   (sizes: {', '.join(f'{n} {s}' for n, s in sizes.items())}; directional: {N_DIRECTIONS} directions)")
    print()
    width = 26
    print(f"{'method':{width}s}" + "".join(f"{n:>22s}" for n in names))
    print("-" * (width + 22 * len(names)))
    worst: dict[str, float] = {}
    evals: dict[str, set[tuple[int, int]]] = defaultdict(set)  # (evaluations, n) pairs seen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numdifftools may warn about its own internals
        for method in methods():
            cells = []
            for name in names:
                err_max, calls_max = 0.0, 0
                for seed in seeds:
                    problem = next(p for p in problems[seed] if p.name == name)
                    err, calls = run_method(method, problem)
                    err_max, calls_max = max(err_max, err), max(calls_max, calls)
                    evals[method].add((calls, problem.x.size))
                worst[method] = max(worst.get(method, 0.0), err_max)
                per_entry = calls_max / sizes[name]
                cells.append(f"{err_max:9.1e} [{per_entry:5.2f}]" if math.isfinite(err_max) else "failed")
            print(f"{method:{width}s}" + "".join(f"{c:>22s}" for c in cells))
    print()
    richardson_cost = all(calls == 4 * n + 1 for calls, n in evals["matgrad richardson"])
    directional_counts = sorted({calls for calls, _ in evals["matgrad directional"]})
    print(
        f"Richardson: worst {worst['matgrad richardson']:.1e} (target <= 1e-11) at "
        f"{'exactly' if richardson_cost else 'NOT always'} 4n+1 evaluations of f; "
        f"complex step: worst {worst['matgrad complex']:.1e} (target <= 1e-14)"
    )
    exact = directional_counts == [2 * N_DIRECTIONS]
    print(
        f"Directional check with m = {N_DIRECTIONS} directions: {', '.join(map(str, directional_counts))} "
        f"evaluations of f on every problem and seed ({'exactly' if exact else 'NOT'} 2m = {2 * N_DIRECTIONS}, "
        "whatever the size of x)"
    )


# --- part 2: checkers on the suite -------------------------------------------------------------------------

Verdict = tuple[bool, Any]  # (passed, matgrad's result or None)


def check_with_matgrad(f: Callable, grad: Callable, x: np.ndarray) -> Verdict:
    result = check_gradient(f, grad, x)
    return bool(result.ok), result


def _flat(f: Callable, grad: Callable, x: np.ndarray) -> tuple[Callable, Callable, np.ndarray]:
    """``f`` and ``grad`` of a float64 vector, for the peers that want vectors."""
    shape = x.shape

    def f_flat(v: np.ndarray) -> float:
        return float(f(np.reshape(v, shape)))

    def grad_flat(v: np.ndarray) -> np.ndarray:
        return np.asarray(grad(np.reshape(v, shape)), dtype=np.float64).ravel()

    return f_flat, grad_flat, np.asarray(x, dtype=np.float64).ravel()


def _relative_verdict(error: float, g: np.ndarray) -> bool:
    norm = float(np.linalg.norm(g))
    return bool(error < PEER_RTOL * norm) if norm > 0 else bool(error == 0)


def check_with_scipy(f: Callable, grad: Callable, x: np.ndarray) -> Verdict:
    f_flat, grad_flat, x64 = _flat(f, grad, x)
    error = float(check_grad(f_flat, grad_flat, x64))
    return _relative_verdict(error, grad_flat(x64)) if math.isfinite(error) else False, None


def check_with_numdifftools(f: Callable, grad: Callable, x: np.ndarray) -> Verdict:
    f_flat, grad_flat, x64 = _flat(f, grad, x)
    g = grad_flat(x64)
    g_nd = np.asarray(numdifftools.Gradient(f_flat)(x64), dtype=np.float64).ravel()
    error = float(np.linalg.norm(g - g_nd))
    return _relative_verdict(error, g) if math.isfinite(error) else False, None


def _torch_checker() -> Callable | None:
    try:
        import torch
        from torch.autograd.gradcheck import GradcheckError
    except ImportError:  # pragma: no cover - depends on the environment
        return None

    class NumpyFunction(torch.autograd.Function):
        """A custom autograd function: forward is the NumPy ``f``, backward the NumPy gradient under test."""

        @staticmethod
        def forward(ctx, t, f, grad):
            ctx.save_for_backward(t)
            ctx.numpy_grad = grad
            return torch.tensor(float(f(t.detach().numpy().copy())), dtype=torch.float64)

        @staticmethod
        def backward(ctx, grad_output):
            (t,) = ctx.saved_tensors
            g = np.asarray(ctx.numpy_grad(t.detach().numpy().copy()), dtype=np.float64)
            return grad_output * torch.from_numpy(g), None, None

    def check_with_torch(f: Callable, grad: Callable, x: np.ndarray) -> Verdict:
        t = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
        try:
            return bool(torch.autograd.gradcheck(lambda v: NumpyFunction.apply(v, f, grad), (t,))), None
        except GradcheckError:  # its way of saying "the gradients differ"
            return False, None

    return check_with_torch


def _jax_checker() -> Callable | None:
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        from jax.test_util import check_grads
    except ImportError:  # pragma: no cover - depends on the environment
        return None

    def check_with_jax(f: Callable, grad: Callable, x: np.ndarray) -> Verdict:
        shape = x.shape

        def value(v):
            return np.asarray(f(np.asarray(v)), dtype=np.float64)

        def gradient(v):
            return np.asarray(grad(np.asarray(v)), dtype=np.float64)

        @jax.custom_vjp
        def fn(v):
            return jax.pure_callback(value, jax.ShapeDtypeStruct((), jnp.float64), v)

        def fn_fwd(v):
            return fn(v), v

        def fn_bwd(v, cotangent):
            return (cotangent * jax.pure_callback(gradient, jax.ShapeDtypeStruct(shape, jnp.float64), v),)

        fn.defvjp(fn_fwd, fn_bwd)
        try:
            check_grads(fn, (jnp.asarray(np.asarray(x, dtype=np.float64)),), order=1, modes=("rev",))
        except AssertionError:  # its way of saying "the gradients differ"
            return False, None
        return True, None

    return check_with_jax


def checkers(peers: str) -> dict[str, Callable[[Callable, Callable, np.ndarray], Verdict]]:
    found: dict[str, Callable] = {"matgrad": check_with_matgrad}
    if peers == "none":
        return found
    for name, make in (("torch", _torch_checker), ("jax", _jax_checker)):
        checker = make()
        if checker is not None:
            found[name] = checker
    if scipy is not None:
        found["scipy"] = check_with_scipy
    if numdifftools is not None:
        found["numdifftools"] = check_with_numdifftools
    return found


@dataclass(frozen=True)
class Outcome:
    """One check: a checker, a case, the gradient (``version`` "" for the correct one) and what came of it."""

    checker: str
    case: Case
    version: str
    ok: bool
    evals: int
    raised: str = ""  # the exception, if the checker raised (counted as a rejection)
    result: Any = None  # matgrad's GradientCheck

    @property
    def correct(self) -> bool:
        return self.version == ""

    @property
    def wrong_verdict(self) -> bool:
        return self.ok != self.correct


def run_check(name: str, checker: Callable, case: Case, version: str) -> Outcome:
    grad = case.grad if version == "" else case.wrong[version]
    counted = Counted(case.f)
    try:
        ok, result = checker(counted, grad, case.x)
    except Exception as exc:  # a checker that raises has not accepted the gradient
        return Outcome(name, case, version, False, counted.calls, f"{type(exc).__name__}: {exc}")
    return Outcome(name, case, version, ok, counted.calls, "", result)


def run_suite(suite: list[Case], names_and_checkers: dict[str, Callable]) -> list[Outcome]:
    outcomes = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # overflow in far steps, numdifftools' and torch's own warnings
        for name, checker in names_and_checkers.items():
            for case in suite:
                for version in ["", *case.wrong]:
                    outcomes.append(run_check(name, checker, case, version))
    return outcomes


def _median(values: list[int]) -> str:
    return f"{statistics.median(values):g}" if values else "-"


def summary_table(outcomes: list[Outcome], names: list[str], suite: list[Case]) -> None:
    n_wrong = sum(len(c.wrong) for c in suite)
    print(f"{'checker':14s} {'false alarms':>13s} {'false passes':>13s} {'raised':>7s}   median evaluations of f")
    print(f"{'':14s} {'(of cases)':>13s} {'(of wrong)':>13s} {'':>7s}   {'all':>7s} {'correct':>8s} {'wrong':>7s}")
    print("-" * 80)
    for name in names:
        mine = [o for o in outcomes if o.checker == name]
        alarms = sum(1 for o in mine if o.correct and not o.ok)
        passes = sum(1 for o in mine if not o.correct and o.ok)
        raised = sum(1 for o in mine if o.raised)
        all_evals = [o.evals for o in mine]
        right = [o.evals for o in mine if o.correct]
        wrong = [o.evals for o in mine if not o.correct]
        print(
            f"{name:14s} {f'{alarms}/{len(suite)}':>13s} {f'{passes}/{n_wrong}':>13s} {raised:>7d}   "
            f"{_median(all_evals):>7s} {_median(right):>8s} {_median(wrong):>7s}"
        )


def kind_table(outcomes: list[Outcome], names: list[str], suite: list[Case]) -> None:
    kinds = [k for k in KINDS if any(c.kind == k for c in suite)]
    print("false alarms / cases and false passes / wrong versions, per kind")
    width = 16
    print(f"{'checker':14s}" + "".join(f"{k:>{width}s}" for k in kinds))
    print(f"{'':14s}" + "".join(f"{'alarms  passes':>{width}s}" for _ in kinds))
    print("-" * (14 + width * len(kinds)))
    for name in names:
        cells = []
        for kind in kinds:
            mine = [o for o in outcomes if o.checker == name and o.case.kind == kind]
            n_cases = sum(1 for o in mine if o.correct)
            alarms = sum(1 for o in mine if o.correct and not o.ok)
            passes = sum(1 for o in mine if not o.correct and o.ok)
            n_wrong = len(mine) - n_cases
            cells.append(f"{f'{alarms}/{n_cases}':>6s} {f'{passes}/{n_wrong}':>7s}")
        print(f"{name:14s}" + "".join(f"{c:>{width}s}" for c in cells))


def _first_sentence(text: str, limit: int = 70) -> str:
    sentence = text.split(". ")[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 3] + "..."


def _figures(o: Outcome) -> str:
    """What matgrad's result says of a check, in one line (the fields it may not have are skipped)."""
    if o.raised:
        return o.raised
    r = o.result
    parts = [f"rel_error {r.rel_error:.1e}"]
    if hasattr(r, "worst_ratio"):
        parts.append(f"worst entry {r.worst_ratio:.2g} x its tolerance at {r.worst_index}")
    parts.append(f"{len(getattr(r, 'undecided', ()))} re-checked, {len(getattr(r, 'unresolved', ()))} unresolved")
    return ", ".join(parts)


def matgrad_details(outcomes: list[Outcome]) -> None:
    mine = [o for o in outcomes if o.checker == "matgrad"]
    wrong_verdicts = [o for o in mine if o.wrong_verdict]
    print(f"matgrad: {len(wrong_verdicts)} wrong verdict(s)")
    for o in wrong_verdicts:
        what = "FALSE ALARM" if o.correct else "FALSE PASS "
        version = "correct gradient" if o.correct else o.version
        print(f"  {what} [{o.case.kind}] {o.case.name}; {version}; n = {o.case.x.size}, {o.evals} evaluations")
        print(f"              {_figures(o)}")
    print()

    def undecided(o: Outcome) -> int:
        return len(getattr(o.result, "undecided", ())) if o.result is not None else 0

    over = []
    for o in mine:
        n = o.case.x.size
        bound = 2 * n + 1 + 2 * undecided(o) if o.correct else 4 * n + 1
        if o.evals > bound:
            over.append((o, bound))
    n_right = sum(1 for o in mine if o.correct)
    over_right = sum(1 for o, _ in over if o.correct)
    print(
        f"matgrad cost: {over_right} of {n_right} checks of a correct gradient cost more than 2n+1 (+2 per undecided "
        f"entry); {len(over) - over_right} of {len(mine) - n_right} checks of a wrong one cost more than 4n+1"
    )
    for o, bound in over:
        version = "correct gradient" if o.correct else o.version
        print(f"  [{o.case.kind}] {o.case.name}; {version}: {o.evals} evaluations > {bound} (n = {o.case.x.size})")
    mismatched = [o for o in mine if o.result is not None and o.result.n_evals != o.evals]
    print(f"  n_evals reported by the result differs from the count of calls in {len(mismatched)} check(s)")
    print()
    diagnosis_table(mine)


#: Diagnosis sentences sorted by a key phrase (the first that matches), and the class each names.
DIAGNOSIS_CLASSES = (
    ("the negative of", "negative"),
    ("everywhere", "factor"),
    ("along every direction", "factor"),
    ("No simple pattern", "no pattern"),
    ("transpos", "transposed"),
    ("Only entry", "one entry"),
    ("Only row", "row/column"),
    ("Only column", "row/column"),
    ("times x", "multiple of x"),
    ("Non-finite", "non-finite"),
)


def clean_pattern(case: Case, version: str) -> str | None:
    """The diagnosis class a wrong version's error fits exactly at ``x``, if any: a constant factor, the
    negative, the transpose, or a single entry (measured on the two gradients, whatever the version's name)."""
    x = np.asarray(case.x, dtype=np.float64)
    g = np.asarray(case.grad64(x) if case.grad64 else case.grad(case.x), dtype=np.float64)
    w = np.asarray(case.wrong[version](case.x), dtype=np.float64)
    close = 1e-4 if case.kind == "float32" else 1e-9
    g_norm, w_norm = float(np.linalg.norm(g)), float(np.linalg.norm(w))
    if np.sum(np.abs(w - g) > close * float(np.max(np.abs(g), initial=0.0))) == 1:
        return "one entry"
    if case.kind != "at a minimum" and g_norm > 0:
        c = float(np.sum(w * g)) / g_norm**2
        if abs(c - 1) > 1e-3 and np.linalg.norm(w - c * g) <= close * w_norm:
            return "negative" if abs(c + 1) <= close else "factor"
    if g.ndim == 2 and g.shape[0] == g.shape[1] and np.linalg.norm(w - g.T) <= close * w_norm:
        return "transposed"
    return None


def diagnosis_class(o: Outcome) -> str:
    if o.result is None:
        return "raised"
    text = getattr(o.result, "diagnosis", "")
    if not text:
        return "(none)"
    return next((name for phrase, name in DIAGNOSIS_CLASSES if phrase in text), "other")


def diagnosis_table(mine: list[Outcome]) -> None:
    """What ``result.diagnosis`` said of each caught wrong version: version pattern against diagnosis class."""
    caught = [o for o in mine if not o.correct and not o.ok]
    classes = [name for name in dict.fromkeys(n for _, n in DIAGNOSIS_CLASSES)]
    classes += ["other", "(none)", "raised"]
    found = {(o.version.split(":")[0], diagnosis_class(o)) for o in caught}
    columns = [c for c in classes if any(k == c for _, k in found)]
    print("matgrad diagnosis of the caught wrong versions: pattern of the mistake (rows) against the diagnosis")
    print("given (columns: the kind of pattern it names), counts. 'clean' counts the caught versions whose error is")
    print(
        "exactly a constant factor, the negative, the transpose or one entry at x; 'named', those the diagnosis names"
    )
    width = max([len(c) for c in columns] + [6]) + 2
    print(f"{'mistake':18s}{'caught':>8s}{'clean':>7s}{'named':>7s}" + "".join(f"{c:>{width}s}" for c in columns))
    print("-" * (40 + width * len(columns)))
    for pattern in PATTERNS:
        group = [o for o in mine if not o.correct and o.version.split(":")[0] == pattern]
        if not group:
            continue
        hits = [o for o in group if not o.ok]
        counts = Counter(diagnosis_class(o) for o in hits)
        clean = [(o, clean_pattern(o.case, o.version)) for o in hits]
        clean = [(o, p) for o, p in clean if p is not None]
        named = sum(1 for o, p in clean if diagnosis_class(o) == p)
        row = "".join(f"{counts[c] or '.':>{width}}" for c in columns)
        print(f"{pattern:18s}{f'{len(hits)}/{len(group)}':>8s}{len(clean):>7d}{named:>7d}" + row)
    missed = [(o, p) for o in caught if (p := clean_pattern(o.case, o.version)) and diagnosis_class(o) != p]
    if missed:
        print(f"clean mistakes the diagnosis does not name ({len(missed)}): the mistake -> what the diagnosis named")
    for o, p in missed:
        print(f"  {p:10s} -> {diagnosis_class(o):13s} [{o.case.kind}] {o.case.name}; {o.version}")
    odd = [o for o in caught if diagnosis_class(o) in ("non-finite", "other")]
    for o in odd:
        print(f"  {diagnosis_class(o)}: [{o.case.kind}] {o.case.name}; {o.version}: {o.result.diagnosis}")


def select(suite: list[Case], quick: bool, kinds: str | None) -> list[Case]:
    if kinds:
        wanted = {k.strip() for k in kinds.split(",")}
        unknown = wanted - set(KINDS)
        if unknown:
            raise SystemExit(f"unknown kind(s) {sorted(unknown)}; the kinds are {', '.join(KINDS)}")
        suite = [c for c in suite if c.kind in wanted]
    if quick:  # the first case of each kind
        suite = [c for i, c in enumerate(suite) if all(d.kind != c.kind for d in suite[:i])]
    return suite


def suite_benchmark(quick: bool, peers: str, kinds: str | None) -> None:
    suite = select(cases(), quick, kinds)
    chosen = checkers(peers)
    names = list(chosen)
    n_wrong = sum(len(c.wrong) for c in suite)
    print(
        f"2. gradient checkers on benchmarks/checker_cases.py: {len(suite)} cases, {n_wrong} wrong versions; "
        f"checkers: {', '.join(names)}"
    )
    if peers != "none":
        missing = {"torch", "jax", "scipy", "numdifftools"} - set(names)
        if missing:
            print(f"   (not installed, skipped: {', '.join(sorted(missing))})")
    print("   a false alarm rejects a correct gradient, a false pass accepts a wrong one; a checker that raises")
    print(f"   rejects; scipy and numdifftools pass when the relative error of the gradient is below {PEER_RTOL:g}")
    print()
    outcomes = run_suite(suite, chosen)
    summary_table(outcomes, names, suite)
    print()
    kind_table(outcomes, names, suite)
    print()
    for name in names[1:]:
        raised = [o for o in outcomes if o.checker == name and o.raised]
        if raised:
            kinds_of_error = Counter(o.raised.split(":")[0] for o in raised)
            print(f"{name} raised on {len(raised)} check(s): {dict(kinds_of_error)}")
    matgrad_details(outcomes)


def versions_line(peers: str) -> str:
    import matgrad

    parts = [f"numpy {np.__version__}", f"matgrad {matgrad.__version__}"]
    if peers != "none":
        for module in ("torch", "jax", "scipy", "numdifftools"):
            try:
                parts.append(f"{module} {__import__(module).__version__}")
            except ImportError:
                parts.append(f"{module} not installed")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="random problems per function in part 1 (default 5)")
    parser.add_argument("--quick", action="store_true", help="one seed, and the first case of each kind")
    parser.add_argument(
        "--peers",
        choices=("none", "all"),
        default="all",
        help="part 2: also run the installed peers (part 1 uses SciPy and numdifftools whenever installed)",
    )
    parser.add_argument("--kinds", help="comma-separated kinds of cases to run (default: all)")
    args = parser.parse_args(argv)
    print(versions_line(args.peers))
    print()
    accuracy_table(1 if args.quick else args.seeds)
    print()
    suite_benchmark(args.quick, args.peers, args.kinds)


if __name__ == "__main__":
    main()
