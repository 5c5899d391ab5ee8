"""The customer equity at risk behind an idea, as the staff part of the idea page shows it: a port that the
backlog app fills in.

The CLV predictions, the at-risk flags and the customers-at-risk page live in the backlog app, several
layers up (docs/architecture.md). The idea page asks it through the object registered here, from
BacklogConfig.ready() (backlog.risk.IdeaRisk), so no module of this app imports backlog. The view asks
only for viewers who may see it (community.permissions.may_see_customers_at_risk), and only on pages
rendered for one viewer: the pages shared by members are rendered as nobody.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from community.ports import Port


@dataclass(frozen=True)
class EquityAtRisk:
    amount: Decimal  # the sum of the at-risk supporters' values at risk (0 when none)
    supporters: int  # how many supporters are flagged at risk
    url: str  # the customers-at-risk page filtered to this idea


class IdeaRisk(Protocol):
    def equity_at_risk(self, idea) -> EquityAtRisk:
        """The equity at risk behind `idea`: one query, however many supporters."""


at_risk: Port[IdeaRisk] = Port("idea equity at risk", provided_by="backlog")
register = at_risk.register
