"""nearinit: the helper package of the book *Nets near initialization are almost linear*.

The chapters import everything from here; see the book's API reference page. The submodules are imported lazily
(PEP 562 module ``__getattr__``): ``import nearinit`` costs little more than ``import numpy``, and sympy, scipy and
matplotlib are loaded only by the first function that needs them.
"""

from __future__ import annotations

import importlib

# Public name -> submodule that defines it.
_EXPORTS = {
    "ACTIVATIONS": "activations",
    "Activation": "activations",
    "BOOK_COLORS": "plotting",
    "BadSet": "bounds",
    "LeadingConstants": "bounds",
    "NearZeroBounds": "concentration",
    "ProjectedWorstCase": "worst_case",
    "RandomWorstCase": "large_width",
    "SmoothInstance": "smooth",
    "TaylorForms": "symbolic",
    "TrainResult": "training",
    "WorstCase": "worst_case",
    "anticoncentration_prob": "concentration",
    "bad_set": "bounds",
    "binomial_chi2_pvalue": "concentration",
    "binomial_quantile": "concentration",
    "binomial_tail": "concentration",
    "eligible_projections": "large_width",
    "forward": "network",
    "general_base_bound": "bounds",
    "general_base_slides_bound": "bounds",
    "get_activation": "activations",
    "hoeffding_upper": "concentration",
    "householder_first_row": "concentration",
    "init_params": "network",
    "lemma41_bad_set_bound": "bounds",
    "lemma41_bound": "bounds",
    "lemma41_leading_constants": "bounds",
    "lemma41_slides_bound": "bounds",
    "linearization_gap": "linearization",
    "linearize": "linearization",
    "loglog_slope": "rates",
    "max_flips": "concentration",
    "near_tight_instance": "smooth",
    "near_zero_bounds": "concentration",
    "near_zero_count": "concentration",
    "ntk_limit": "kernels",
    "optimal_tau": "bounds",
    "peak_gain_series": "symbolic",
    "plot_count_distribution": "plotting",
    "plot_loglog": "plotting",
    "plot_ratio_strip": "plotting",
    "preactivations": "network",
    "relu_flip_terms": "linearization",
    "remainder_forms": "symbolic",
    "sample_near_zero_counts": "concentration",
    "sample_projections": "worst_case",
    "slides_tau": "bounds",
    "smooth_frobenius_bound": "smooth",
    "smooth_gap_bound": "smooth",
    "smoothness_constant": "symbolic",
    "sup_from_sorted": "worst_case",
    "sympy_activation": "symbolic",
    "tangent_kernel": "kernels",
    "tangent_kernel_std": "kernels",
    "taylor_forms": "symbolic",
    "train_first_layer": "training",
    "use_book_style": "plotting",
    "worst_case_asymptotic": "worst_case",
    "worst_case_constant": "worst_case",
    "worst_case_gap": "worst_case",
    "worst_case_gap_from_projections": "worst_case",
    "worst_case_order_statistics": "large_width",
    "worst_case_sort": "large_width",
    "worst_case_streaming": "large_width",
}

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
