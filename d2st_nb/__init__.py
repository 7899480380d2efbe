__version__ = "0.1.0"
# The one line not exported from a notebook: lesson 11's module attaches the fast forms of lessons 01 and 02
# (`fast.attach`), so `fused=True` runs them whichever module is imported first.
from . import fast as _fast
