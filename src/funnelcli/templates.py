"""Pipeline templates drawn from the seed articles.

Each stage is (name, probability %, rot days, follow-up cadence days). Early
stages get the three-day cadence the articles recommend; later ones, where a
proposal or contract waits on the buyer, a longer one.
"""

from __future__ import annotations

StageSpec = tuple[str, int, int, int]

DEFAULT_TEMPLATE = "default"

TEMPLATES: dict[str, tuple[str, list[StageSpec]]] = {
    # name: (description, stages)
    "default": (
        "lead generation to negotiation",
        [
            ("lead", 10, 14, 3),
            ("qualified", 20, 14, 3),
            ("contacted", 30, 10, 3),
            ("demo", 50, 14, 5),
            ("proposal", 65, 21, 5),
            ("negotiation", 80, 21, 7),
        ],
    ),
    "simple": (
        "four stages for a small shop",
        [
            ("prospecting", 10, 14, 3),
            ("pricing", 40, 14, 4),
            ("negotiation", 70, 21, 5),
            ("closing", 90, 14, 3),
        ],
    ),
    "lifecycle": (
        "customer lifecycle, past the sale",
        [
            ("aware", 5, 30, 7),
            ("interested", 15, 21, 5),
            ("engaged", 30, 21, 5),
            ("bought", 60, 60, 30),
            ("repeat", 80, 90, 30),
            ("advocate", 90, 180, 60),
        ],
    ),
    "contract": (
        "contract and payment",
        [
            ("first contact", 10, 7, 3),
            ("qualification", 20, 10, 3),
            ("meeting", 40, 14, 4),
            ("objections", 60, 14, 3),
            ("contract", 80, 14, 3),
            ("payment", 95, 21, 5),
        ],
    ),
    "b2b": (
        "long B2B cycle",
        [
            ("prospecting", 5, 21, 5),
            ("lead generation", 10, 21, 5),
            ("first contact", 20, 10, 3),
            ("needs assessment", 35, 14, 4),
            ("solution presentation", 50, 14, 5),
            ("proposal", 65, 21, 5),
            ("negotiation", 80, 21, 7),
        ],
    ),
}

# Stages made with --stages get these until `funnel stage set` says otherwise.
CUSTOM_STAGE_ROT_DAYS = 14
CUSTOM_STAGE_CADENCE_DAYS = 3


def custom_stages(names: list[str]) -> list[StageSpec]:
    """Spread probabilities evenly below 100 for a hand-named list of stages."""
    n = len(names)
    return [
        (name, round(100 * (i + 1) / (n + 1)), CUSTOM_STAGE_ROT_DAYS, CUSTOM_STAGE_CADENCE_DAYS)
        for i, name in enumerate(names)
    ]
