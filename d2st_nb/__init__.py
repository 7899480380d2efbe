__version__ = "0.1.0"
# The one line not exported from a notebook: lessons 11, 11a and 11b's modules attach the fast forms of lessons 01, 02
# and 03 (`fast.attach`, `fast_adapter.attach`, `frozen_blocks.attach`), so they run whichever module is imported first.
from . import fast as _fast, fast_adapter as _fast_adapter, frozen_blocks as _frozen_blocks
