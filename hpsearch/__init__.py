"""hpsearch: hyperparameter search from one space file.

Example:
    >>> import hpsearch
    >>> space = hpsearch.load_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
    >>> space.names
    ['x']
"""

from hpsearch._version import __version__
from hpsearch.errors import ConfigError
from hpsearch.space import Space, load_space

__all__ = ["ConfigError", "Space", "__version__", "load_space"]
