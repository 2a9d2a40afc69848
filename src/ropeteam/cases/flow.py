"""Risk levels and age bands as plain Python."""

from enum import StrEnum


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)


class AgeBand(StrEnum):
    UNDER_12 = "under_12"
    AGE_12_14 = "12_14"
    AGE_15_17 = "15_17"
    AGE_18_21 = "18_21"
    AGE_22_25 = "22_25"
