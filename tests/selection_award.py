"""The shortest 评定分离 path to an awarded section, for the contract tests: it lives in
`tools.bench.selection_award`, which the gas snapshot runs too."""

from tools.bench.selection_award import Selection

__all__ = ["Selection"]
