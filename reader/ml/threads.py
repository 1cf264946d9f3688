"""Small matrix work on one BLAS thread.

NumPy's BLAS starts a thread per core; on a busy machine those threads spin and wait for
each other, and a decomposition of a 1,100 x 450 matrix took 30 s instead of 1 s (measured
here under a load of 15 on two cores). The arrays behind `reader next` are small, so one
thread is what they need. Without threadpoolctl (installed with scikit-learn) this does
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_blas_thread() -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - an optional speed-up
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
