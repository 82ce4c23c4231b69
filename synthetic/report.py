"""What generating and removing synthetic data share: the slug prefix that marks every
synthetic row, the errors, and the report of rows written or deleted."""

from collections import Counter
from dataclasses import dataclass, field

from practices.models import RECORD_MODELS, Source

PREFIX = "synthetic-"


class SyntheticDataExists(Exception):
    """Synthetic data is already there; generating again needs `replace=True`."""


class SyntheticError(Exception):
    """Synthetic data that cannot be generated or removed, with the reason."""


@dataclass
class SyntheticReport:
    """Rows created or removed, by table (records, then relation or history rows), and
    how long it took."""

    action: str
    counts: dict[str, Counter] = field(default_factory=dict)
    seconds: float = 0.0
    replaced: int = 0

    def add(self, model, part: str, count: int) -> None:
        name = str(model._meta.verbose_name_plural)
        self.counts.setdefault(name, Counter())[part] += count

    @property
    def total(self) -> int:
        return sum(sum(parts.values()) for parts in self.counts.values())

    def lines(self) -> list[str]:
        total = self.total
        if not total:
            return ["No synthetic data."]
        lines = (
            [f"Removed {self.replaced:,} earlier synthetic rows first."] if self.replaced else []
        )
        for name, parts in self.counts.items():
            details = ", ".join(f"{p} {n:,}" for p, n in parts.items() if n and p != "records")
            lines.append(
                f"Synthetic {name}: {parts['records']:,}" + (f" ({details})" if details else "")
            )
        lines.append(f"{self.action} {total:,} rows in {self.seconds:.1f} s.")
        return lines


def synthetic_exists() -> bool:
    """Whether any synthetic source or record is in the database."""
    return any(
        model.objects.filter(slug__startswith=PREFIX).exists() for model in (Source, *RECORD_MODELS)
    )
