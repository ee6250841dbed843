# ruff: noqa: I001 (the submodules stay in the book's order, the order of the API page)
"""The public names of nearinit and the submodule of each: the one list (``__init__.py`` reads it).

Submodules in the book's order; each defines the names it lists here in its own ``__all__`` (a test keeps them equal).
"""

from .network import (
    forward as forward,
    init_params as init_params,
    preactivations as preactivations,
)

from .activations import (
    ACTIVATIONS as ACTIVATIONS,
    Activation as Activation,
    SMOOTH_ACTIVATIONS as SMOOTH_ACTIVATIONS,
    get_activation as get_activation,
)

from .training import (
    PathGap as PathGap,
    TrainResult as TrainResult,
    gap_along_training as gap_along_training,
    gd_radius as gd_radius,
    linear_gd_distance as linear_gd_distance,
    squared_loss as squared_loss,
    train_first_layer as train_first_layer,
)

from .linearization import (
    Linearization as Linearization,
    linearization_gap as linearization_gap,
    linearize as linearize,
)

from .symbolic import (
    TaylorForms as TaylorForms,
    Z as Z,
    peak_gain_series as peak_gain_series,
    remainder_forms as remainder_forms,
    smoothness_constant as smoothness_constant,
    sympy_activation as sympy_activation,
    taylor_forms as taylor_forms,
)

from .smooth import (
    SmoothInstance as SmoothInstance,
    near_tight_instance as near_tight_instance,
    smooth_frobenius_bound as smooth_frobenius_bound,
    smooth_gap_bound as smooth_gap_bound,
)

from .relu_identity import (
    activation_changes as activation_changes,
    max_flips as max_flips,
    relu_flip_terms as relu_flip_terms,
)

from .anticoncentration import (
    NearZeroBounds as NearZeroBounds,
    anticoncentration_prob as anticoncentration_prob,
    binomial_chi2_pvalue as binomial_chi2_pvalue,
    binomial_quantile as binomial_quantile,
    binomial_tail as binomial_tail,
    clopper_pearson as clopper_pearson,
    hoeffding_deviation as hoeffding_deviation,
    hoeffding_upper as hoeffding_upper,
    householder_first_row as householder_first_row,
    near_zero_bounds as near_zero_bounds,
    near_zero_count as near_zero_count,
    near_zero_set as near_zero_set,
    sample_near_zero_counts as sample_near_zero_counts,
)

from .main_lemma import (
    BadSet as BadSet,
    FailureEstimate as FailureEstimate,
    GeneralBasePair as GeneralBasePair,
    LeadingConstants as LeadingConstants,
    bad_set as bad_set,
    ball_points as ball_points,
    general_base_bound as general_base_bound,
    general_base_pair as general_base_pair,
    general_base_pair_constant as general_base_pair_constant,
    main_lemma_bad_set_bound as main_lemma_bad_set_bound,
    main_lemma_bound as main_lemma_bound,
    main_lemma_failure_rate as main_lemma_failure_rate,
    main_lemma_leading_constants as main_lemma_leading_constants,
    main_lemma_tau as main_lemma_tau,
)

from .worst_case import (
    WorstCase as WorstCase,
    concavity_certificate as concavity_certificate,
    sample_projections as sample_projections,
    worst_case_asymptotic as worst_case_asymptotic,
    worst_case_constant as worst_case_constant,
    worst_case_gap as worst_case_gap,
)

from .ntk import (
    KernelChange as KernelChange,
    kernel_change_extremes as kernel_change_extremes,
    kernel_stability_bound as kernel_stability_bound,
    kernel_stability_constant as kernel_stability_constant,
    ntk_limit as ntk_limit,
    tangent_kernel as tangent_kernel,
    tangent_kernel_std as tangent_kernel_std,
)

from .large_width import (
    RandomWorstCase as RandomWorstCase,
    eligible_projections as eligible_projections,
    random_worst_case as random_worst_case,
)

from .per_neuron import (
    PerNeuronWorstCase as PerNeuronWorstCase,
    per_neuron_limit as per_neuron_limit,
    per_neuron_mean as per_neuron_mean,
    per_neuron_worst_case as per_neuron_worst_case,
)

from .uniform import (
    circle_max_near_zero as circle_max_near_zero,
    dkw_deviation as dkw_deviation,
    dkw_excess as dkw_excess,
    inputs_near_zero_bound as inputs_near_zero_bound,
    sphere_near_zero_bound as sphere_near_zero_bound,
)

from .tangent import (
    GradientChange as GradientChange,
    gradient_change as gradient_change,
    ntk_limit_singular as ntk_limit_singular,
)

from .numerics import (
    MEMORY_BUDGET as MEMORY_BUDGET,
    finite_difference_gradient as finite_difference_gradient,
    frobenius_norm as frobenius_norm,
    loglog_slope as loglog_slope,
)

from .plotting import (
    BOOK_COLORS as BOOK_COLORS,
    plot_count_distribution as plot_count_distribution,
    plot_loglog as plot_loglog,
    plot_ratio_strip as plot_ratio_strip,
    use_book_style as use_book_style,
)
