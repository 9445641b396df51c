"""Exercise specs: TOML files in exercise_specs/, validated into frozen types.

* :mod:`.model`: the frozen types and closed vocabularies;
* :mod:`.fields`: typed, bounded field declarations (parsing, checks, docs tables);
* :mod:`.parse`: a TOML document -> :class:`ExerciseSpec`;
* :mod:`.files`: loading files and folders, finding a spec by id.

The schema is documented in docs/spec_format.md.
"""

from formcheck.spec.files import SPEC_DIR, get_spec, load_spec, load_specs
from formcheck.spec.model import (
    CATEGORIES,
    FEATURE_KINDS,
    RULE_PHASES,
    SCHEMA_VERSION,
    SIDES,
    VIEWS,
    ExerciseSpec,
    FeatureSpec,
    HoldSpec,
    MotionSpec,
    PointRef,
    Prescription,
    RuleSpec,
    Threshold,
)
from formcheck.spec.parse import parse_point, parse_spec

__all__ = [
    "CATEGORIES",
    "FEATURE_KINDS",
    "RULE_PHASES",
    "SCHEMA_VERSION",
    "SIDES",
    "SPEC_DIR",
    "VIEWS",
    "ExerciseSpec",
    "FeatureSpec",
    "HoldSpec",
    "MotionSpec",
    "PointRef",
    "Prescription",
    "RuleSpec",
    "Threshold",
    "get_spec",
    "load_spec",
    "load_specs",
    "parse_point",
    "parse_spec",
]
