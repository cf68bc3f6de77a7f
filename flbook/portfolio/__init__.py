"""Many runs, many courses: a catalogue, each run's book built on Dask, a portfolio book.

::

    from flbook.portfolio import read_catalogue, build_portfolio
    result = build_portfolio(read_catalogue("catalogue.yml"), "out/portfolio")
    result.outputs["html"], result.failed

The command line is ``flbook portfolio CATALOGUE.yml --out DIR [--workers N |
--scheduler tcp://HOST:PORT | --serial]``.
"""

from ._build import SUMMARY_COLUMNS, build_run, output_fs, run_stamp, run_summary
from ._catalogue import Catalogue, CatalogueError, CourseEntry, RunEntry, read_catalogue, slug
from ._report import MEASURES, course_table, portfolio_table, read_summaries, write_portfolio
from ._run import PortfolioResult, build_portfolio

__all__ = [
    "Catalogue",
    "CatalogueError",
    "CourseEntry",
    "MEASURES",
    "PortfolioResult",
    "RunEntry",
    "SUMMARY_COLUMNS",
    "build_portfolio",
    "build_run",
    "course_table",
    "output_fs",
    "portfolio_table",
    "read_catalogue",
    "read_summaries",
    "run_stamp",
    "run_summary",
    "slug",
    "write_portfolio",
]
