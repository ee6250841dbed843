"""nearinit: the helper package of the book *Nets near initialization are almost linear*.

The chapters import everything from here; see the book's API reference page.
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .bounds import (
    BadSet,
    LeadingConstants,
    bad_set,
    general_base_bound,
    general_base_slides_bound,
    lemma41_bad_set_bound,
    lemma41_bound,
    lemma41_leading_constants,
    lemma41_slides_bound,
    optimal_tau,
    slides_tau,
)
from .concentration import (
    NearZeroBounds,
    anticoncentration_prob,
    binomial_chi2_pvalue,
    binomial_quantile,
    binomial_tail,
    hoeffding_upper,
    householder_first_row,
    max_flips,
    near_zero_bounds,
    near_zero_count,
    sample_near_zero_counts,
)
from .kernels import ntk_limit, tangent_kernel, tangent_kernel_std
from .large_width import (
    RandomWorstCase,
    eligible_projections,
    worst_case_order_statistics,
    worst_case_sort,
    worst_case_streaming,
)
from .linearization import linearization_gap, linearize, relu_flip_terms
from .network import forward, init_params, preactivations
from .plotting import BOOK_COLORS, plot_count_distribution, plot_loglog, plot_ratio_strip, use_book_style
from .rates import loglog_slope
from .smooth import SmoothInstance, near_tight_instance, smooth_frobenius_bound, smooth_gap_bound
from .symbolic import (
    TaylorForms,
    peak_gain_series,
    remainder_forms,
    smoothness_constant,
    sympy_activation,
    taylor_forms,
)
from .training import TrainResult, train_first_layer
from .worst_case import (
    ProjectedWorstCase,
    WorstCase,
    sample_projections,
    sup_from_sorted,
    worst_case_asymptotic,
    worst_case_constant,
    worst_case_gap,
    worst_case_gap_from_projections,
)

__all__ = [
    "ACTIVATIONS",
    "BOOK_COLORS",
    "Activation",
    "BadSet",
    "LeadingConstants",
    "NearZeroBounds",
    "ProjectedWorstCase",
    "RandomWorstCase",
    "SmoothInstance",
    "TaylorForms",
    "TrainResult",
    "WorstCase",
    "anticoncentration_prob",
    "bad_set",
    "binomial_chi2_pvalue",
    "binomial_quantile",
    "binomial_tail",
    "eligible_projections",
    "forward",
    "general_base_bound",
    "general_base_slides_bound",
    "get_activation",
    "hoeffding_upper",
    "householder_first_row",
    "init_params",
    "lemma41_bad_set_bound",
    "lemma41_bound",
    "lemma41_leading_constants",
    "lemma41_slides_bound",
    "linearization_gap",
    "linearize",
    "loglog_slope",
    "max_flips",
    "near_tight_instance",
    "near_zero_bounds",
    "near_zero_count",
    "ntk_limit",
    "optimal_tau",
    "peak_gain_series",
    "plot_count_distribution",
    "plot_loglog",
    "plot_ratio_strip",
    "preactivations",
    "relu_flip_terms",
    "remainder_forms",
    "sample_near_zero_counts",
    "sample_projections",
    "slides_tau",
    "smooth_frobenius_bound",
    "smooth_gap_bound",
    "smoothness_constant",
    "sup_from_sorted",
    "sympy_activation",
    "tangent_kernel",
    "tangent_kernel_std",
    "taylor_forms",
    "train_first_layer",
    "use_book_style",
    "worst_case_asymptotic",
    "worst_case_constant",
    "worst_case_gap",
    "worst_case_gap_from_projections",
    "worst_case_order_statistics",
    "worst_case_sort",
    "worst_case_streaming",
]
