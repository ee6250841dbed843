"""nearinit: the helper package of the book *Nets near initialization are almost linear*.

The chapters import everything from here; see the book's API reference page. The submodules are imported lazily
(PEP 562 module ``__getattr__``): ``import nearinit`` costs little more than ``import numpy``, and sympy, scipy and
matplotlib are loaded only by the first function that needs them.
"""

from __future__ import annotations

import importlib

# Public name -> submodule that defines it (and lists it in its __all__), submodules in the book's order:
# each module holds the code of one chapter's results (see the module docstrings and CONTRIBUTING.md).
_MODULES = {
    "network": ("forward", "init_params", "preactivations"),
    "activations": ("ACTIVATIONS", "SMOOTH_ACTIVATIONS", "Activation", "get_activation"),
    "training": ("TrainResult", "squared_loss", "train_first_layer"),
    "linearization": ("Linearization", "linearization_gap", "linearize"),
    "symbolic": (
        "Z",
        "TaylorForms",
        "peak_gain_series",
        "remainder_forms",
        "smoothness_constant",
        "sympy_activation",
        "taylor_forms",
    ),
    "smooth": ("SmoothInstance", "near_tight_instance", "smooth_frobenius_bound", "smooth_gap_bound"),
    "relu_identity": ("max_flips", "relu_flip_terms"),
    "anticoncentration": (
        "NearZeroBounds",
        "anticoncentration_prob",
        "binomial_chi2_pvalue",
        "binomial_quantile",
        "binomial_tail",
        "hoeffding_deviation",
        "hoeffding_upper",
        "householder_first_row",
        "near_zero_bounds",
        "near_zero_count",
        "near_zero_set",
        "sample_near_zero_counts",
    ),
    "main_lemma": (
        "BadSet",
        "LeadingConstants",
        "bad_set",
        "ball_points",
        "general_base_bound",
        "general_base_slides_bound",
        "main_lemma_bad_set_bound",
        "main_lemma_bound",
        "main_lemma_leading_constants",
        "main_lemma_slides_bound",
        "optimal_tau",
        "slides_tau",
    ),
    "worst_case": (
        "WorstCase",
        "concavity_certificate",
        "sample_projections",
        "sup_from_sorted",
        "worst_case_asymptotic",
        "worst_case_constant",
        "worst_case_gap",
        "worst_case_gap_from_projections",
    ),
    "ntk": ("ntk_limit", "tangent_kernel", "tangent_kernel_std"),
    "stability": (
        "FailureEstimate",
        "GeneralBasePair",
        "KernelChange",
        "PathGap",
        "activation_changes",
        "clopper_pearson",
        "gap_along_training",
        "gd_radius",
        "general_base_pair",
        "general_base_pair_constant",
        "kernel_change_extremes",
        "kernel_stability_bound",
        "kernel_stability_constant",
        "linear_gd_distance",
        "main_lemma_failure_rate",
    ),
    "large_width": (
        "RandomWorstCase",
        "eligible_projections",
        "worst_case_order_statistics",
        "worst_case_sort",
        "worst_case_streaming",
    ),
    "per_neuron": (
        "PerNeuronWorstCase",
        "per_neuron_limit",
        "per_neuron_mean",
        "per_neuron_worst_case",
        "per_neuron_worst_case_from_projections",
    ),
    "uniform": (
        "circle_max_near_zero",
        "dkw_deviation",
        "dkw_excess",
        "inputs_near_zero_bound",
        "sphere_near_zero_bound",
    ),
    "tangent": ("GradientChange", "gradient_change", "ntk_limit_singular"),
    "numerics": ("finite_difference_gradient", "frobenius_norm", "loglog_slope"),
    "plotting": ("BOOK_COLORS", "plot_count_distribution", "plot_loglog", "plot_ratio_strip", "use_book_style"),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'nearinit' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
