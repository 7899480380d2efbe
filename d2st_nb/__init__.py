__version__ = "0.1.0"
# The one line not exported from a notebook: lessons 11 and 11a's modules attach the fast forms of lessons 01 and 02
# (`fast.attach`, `fast_adapter.attach`), so `fused=True` runs them whichever module is imported first.
from . import fast as _fast, fast_adapter as _fast_adapter
