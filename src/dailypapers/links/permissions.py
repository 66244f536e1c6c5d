"""Who may publish a paper's link directly and approve others' proposals.

Curators always may. Other rules come from apps above links, which register a callable
(user, paper) -> bool in their AppConfig.ready(); feed registers people's "a verified author
of the paper" this way, so links never imports its peer people. Any approver saying yes is
enough.
"""

from collections.abc import Callable

from ..accounts.roles import is_curator

LinkApprover = Callable[..., bool]
_approvers: list[LinkApprover] = []


def register_link_approver(approver: LinkApprover) -> None:
    if approver not in _approvers:
        _approvers.append(approver)


def unregister_link_approver(approver: LinkApprover) -> None:
    if approver in _approvers:
        _approvers.remove(approver)


def can_approve(user, paper) -> bool:
    """Whether user may publish links on paper without review, and approve proposals."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_curator(user) or any(approver(user, paper) for approver in _approvers)
