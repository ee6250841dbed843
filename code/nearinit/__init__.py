"""nearinit: the helper package of the book *Nets near initialization are almost linear*.

The chapters import everything from here; see the book's API reference page.
"""

from .activations import ACTIVATIONS, Activation, get_activation
from .linearization import linearization_gap, linearize, relu_flip_terms
from .network import forward, init_params, preactivations
from .plotting import BOOK_COLORS, plot_loglog, use_book_style
from .rates import loglog_slope
from .training import TrainResult, train_first_layer
from .worst_case import sup_from_sorted

__all__ = [
    "ACTIVATIONS",
    "BOOK_COLORS",
    "Activation",
    "TrainResult",
    "forward",
    "get_activation",
    "init_params",
    "linearization_gap",
    "linearize",
    "loglog_slope",
    "plot_loglog",
    "preactivations",
    "relu_flip_terms",
    "sup_from_sorted",
    "train_first_layer",
    "use_book_style",
]
