"""The tools of the Hyrox schema repository, as an installed package.

The gate's own machinery (template layers, the migration chain, the upgrade check, squawk, the
schema contract and its summary, drift, the benchmark report and ratio gate, the race importer,
the JUnit summary), with console entry points (``hyrox-contract``, ``hyrox-squawk``, ...; see
``pyproject.toml`` ``[project.scripts]``). Every tool finds the repository through
:data:`hyrox_schema.paths.REPO_ROOT`, never the working directory, so it runs from anywhere.

Imports run one way: ``tests/`` and ``factories/`` import this package; this package imports
neither (``tests/test_layout.py``). An expectation registry that lives in ``tests/`` and a tool
needs (the brief's pre-existing tables, the upgrade data set) is loaded by file path at run time
(:func:`hyrox_schema.paths.load_repo_module`).
"""
