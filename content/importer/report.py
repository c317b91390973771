"""What an import reports: per line an outcome and its problems (`line N: field: reason`), per
run the counts that `import_content` prints last."""

from dataclasses import dataclass, field

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str


class LineInvalid(Exception):
    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


@dataclass
class LineResult:
    line: int
    outcome: str
    problems: list = field(default_factory=list)
    page_id: int | None = None

    def messages(self):
        return [f"line {self.line}: {p.field}: {p.reason}" for p in self.problems]


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    problems: list = field(default_factory=list)

    def add(self, result):
        setattr(self, result.outcome, getattr(self, result.outcome) + 1)
        self.problems.extend(result.messages())

    def __str__(self):
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, failed {self.failed}"
        )
